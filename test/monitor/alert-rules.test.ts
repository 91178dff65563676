import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { alertRulesJsonSchema, parseAlertRules } from "../../src/monitor/alert-rules.js";
import { exampleAlertRules } from "../../src/monitor/example-alert-rules.js";

function messageOf(input: unknown): string {
  try {
    parseAlertRules(input);
  } catch (error) {
    expect(ModelScoutError.isInstance(error) && error.code).toBe("INVALID_ARGUMENT");
    return (error as Error).message;
  }
  throw new Error("expected the rules to be refused");
}

const rule = (overrides: Record<string, unknown>) => ({
  id: "r1",
  conditions: [{ type: "consecutive_selections", count: 3 }],
  actions: [{ type: "log" }],
  ...overrides,
});

describe("parseAlertRules", () => {
  it("applies defaults", () => {
    const [parsed] = parseAlertRules({
      rules: [
        rule({
          conditions: [
            { type: "accuracy_drop", min_drop_percent: 10 },
            { type: "latency_p95", slo_ms: 300 },
            { type: "drift", metric: "reward", direction: "decrease", delta: 0.01, threshold: 1 },
          ],
          actions: [{ type: "review" }, { type: "webhook", url: "http://127.0.0.1:9/hook" }],
        }),
      ],
    });
    expect(parsed).toMatchObject({
      enabled: true,
      cooldown_seconds: 0,
      conditions: [
        { source: "decisions", reference: "streak_start", min_drop_percent: 10 },
        { window: { events: 200 }, min_events: 20 },
        { method: "page_hinkley", warmup: 30 },
      ],
      actions: [
        { type: "review", proposed_action: "demote" },
        { type: "webhook", timeout_ms: 10_000, max_retries: 5 },
      ],
    });
  });

  it("names the field in every error", () => {
    expect(
      messageOf({
        rules: [rule({ conditions: [{ type: "accuracy_drop", min_drop_percent: "10%" }] })],
      }),
    ).toBe(
      'alert rules: rules[0].conditions[0].min_drop_percent: must be a number > 0 (got "10%")',
    );
    expect(messageOf({ rules: [rule({ conditions: [{ type: "p99" }] })] })).toContain(
      'rules[0].conditions[0].type: unknown condition type "p99" (one of consecutive_selections',
    );
    expect(
      messageOf({
        rules: [rule({ actions: [{ type: "webhook", url: "ftp://example.com/x" }] })],
      }),
    ).toContain("rules[0].actions[0].url: must be an http(s) URL");
    expect(
      messageOf({
        rules: [
          rule({ conditions: [{ type: "latency_p95", slo_ms: 100, window: { events: 0 } }] }),
        ],
      }),
    ).toContain("rules[0].conditions[0].window.events: must be a positive integer (got 0)");
    expect(messageOf({ rules: [rule({ id: "Bad Id" })] })).toContain("rules[0].id: must be 1-64");
    expect(messageOf({ rules: [rule({ actions: [{ type: "log", levle: "x" }] })] })).toContain(
      'rules[0].actions[0]: unknown field(s) "levle" (did you mean "level"?)',
    );
    expect(messageOf({ rules: [rule({}), rule({})] })).toContain(
      'rules[1].id: duplicate rule id "r1"',
    );
    expect(
      messageOf({
        rules: [
          rule({
            conditions: [{ type: "accuracy_drop", source: "feedback", min_drop_percent: 5 }],
          }),
        ],
      }),
    ).toContain(
      "rules[0].conditions[0].reference: streak_start (the default) needs source decisions",
    );
    expect(messageOf({ rules: [rule({ conditions: [] })] })).toContain(
      "rules[0].conditions: must not be empty",
    );
  });

  it("publishes a JSON Schema that describes the example file", () => {
    const schema = alertRulesJsonSchema();
    expect(schema.$id).toBe("https://modelscout.dev/schemas/alert-rules.json");
    const text = JSON.stringify(schema);
    for (const type of [
      "consecutive_selections",
      "accuracy_drop",
      "latency_p95",
      "error_rate",
      "drift",
    ]) {
      expect(text).toContain(`"${type}"`);
    }
    const file = JSON.parse(
      readFileSync(
        new URL("../../src/monitor/example-rules/review-on-drop.json", import.meta.url),
        "utf8",
      ),
    );
    expect(file.$schema).toBe(schema.$id);
    expect(exampleAlertRules().map((parsed) => parsed.id)).toEqual(["review-on-drop"]);
  });
});
