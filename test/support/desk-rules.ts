/**
 * Keyword rules for three desks, for routing tests whose follow-up questions would be
 * classified elsewhere on their own words: "broken" and "refund" go to `complaint`, "parcel"
 * and "delivery" to `delivery`; anything else to the config's default route (`product`).
 */
export const DESK_RULES = {
  default_route: "product",
  classification: [
    {
      kind: "rules" as const,
      rules: [
        { route: "complaint", keywords: ["broken", "refund"] },
        { route: "delivery", keywords: ["parcel", "delivery"] },
      ],
    },
  ],
};
