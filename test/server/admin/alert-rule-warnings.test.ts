/**
 * `alertRuleWarnings`: rules whose `match.routes` name a route the routes config does not have
 * (a route a reload removed, or a typo) are said; the monitor's own names are not (ADR 0083).
 */
import { describe, expect, it } from "vitest";
import { parseAlertRules } from "../../../src/monitor/alert-rules.js";
import { parseRoutesConfig } from "../../../src/route/routes-config.js";
import { alertRuleWarnings } from "../../../src/server/admin/alert-rule-warnings.js";

const config = parseRoutesConfig({
  models: [{ id: "echo:a", kind: "echo" }],
  routes: [{ name: "desk", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } }],
});

const rule = (id: string, routes: string[] | undefined, enabled = true) => ({
  id,
  enabled,
  ...(routes !== undefined && { match: { routes } }),
  conditions: [{ type: "error_rate", max_error_percent: 50 }],
  actions: [{ type: "log" }],
});

describe("alertRuleWarnings", () => {
  it("names each enabled rule's routes the config does not have, with the closest one", () => {
    const rules = parseAlertRules(
      {
        rules: [
          rule("removed", ["care", "desk"]),
          rule("typo", ["dsk"]),
          rule("everywhere", undefined),
          rule("own-names", ["(direct)", "task:text-classification", "desk"]),
          rule("off", ["care"], false),
        ],
      },
      "test rules",
    );
    expect(alertRuleWarnings(rules, config)).toEqual([
      'alert rule removed: match.routes names "care", which the routes config does not have, so the rule cannot fire there (routes: desk); remove it from the rule, or add the route back',
      'alert rule typo: match.routes names "dsk" (did you mean "desk"?), which the routes config does not have, so the rule cannot fire there (routes: desk); remove it from the rule, or add the route back',
    ]);
  });
});
