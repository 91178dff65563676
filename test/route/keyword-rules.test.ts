import { describe, expect, it } from "vitest";
import { KeywordRules } from "../../src/route/classify/keyword-rules.js";
import { RequestClassifier } from "../../src/route/classify/request-classifier.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";

const RULES = {
  kind: "rules" as const,
  rules: [
    { route: "complaint", keywords: ["refund", "money back", "退货"], patterns: [] },
    { route: "delivery", keywords: ["parcel"], patterns: [/\bwhere(?:'s| is) my order\b/iu] },
  ],
};

const TEXTS = [
  "I want a REFUND now",
  "the refunded amount is wrong",
  "我要退货",
  "质量太差，退货！",
  "Where's my order?",
  "my parcel is late",
  "parcels",
  "what colours does it come in",
];

describe("keyword rules", () => {
  it("match the same texts before and after warm-up", () => {
    const cold = new KeywordRules(RULES);
    const before = TEXTS.map((text) => cold.match(text));
    const warm = new KeywordRules(RULES);
    warm.warm();
    expect(TEXTS.map((text) => warm.match(text))).toEqual(before);
    expect(before.map((match) => match?.route ?? null)).toEqual([
      "complaint",
      null, // whole words only: "refund" does not match "refunded"
      "complaint",
      "complaint",
      "delivery",
      "delivery",
      null,
      null,
    ]);
  });

  it("are run on Latin-1 and on Chinese text when the classifier is prepared, before any request", async () => {
    const seen: string[] = [];
    class Watched extends RegExp {
      override exec(text: string) {
        seen.push(text);
        return super.exec(text);
      }
    }
    const config = parseRoutesConfig({
      default_route: "other",
      classification: [{ kind: "rules", rules: [{ route: "billing", patterns: ["invoice"] }] }],
      models: [{ id: "echo:a", kind: "echo" }],
      routes: ["billing", "other"].map((name) => ({
        name,
        targets: { chat: { candidates: ["echo:a"] } },
      })),
    });
    const step = config.classification[0];
    if (step?.kind !== "rules") throw new Error("expected a rules step");
    (step.rules[0] as { patterns: RegExp[] }).patterns = [new Watched("invoice", "iu")];
    const classifier = new RequestClassifier(config, () => {
      throw new Error("a rules step needs no model");
    });
    expect(seen).toEqual([]);
    await classifier.prepare();
    // Twice each: V8 compiles an expression on its first run and again to machine code on
    // its second, separately for Latin-1 strings and for others.
    const latin1 = (text: string) =>
      [...text].every((character) => character.charCodeAt(0) <= 0xff);
    expect(seen.filter(latin1)).toHaveLength(2);
    expect(seen.filter((text) => !latin1(text))).toHaveLength(2);
    const trace = await classifier.classify("about invoice 12", new Set(["billing", "other"]));
    expect(trace.route).toBe("billing");
  });
});
