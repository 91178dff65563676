/**
 * One wording for zod's issues wherever ModelScout checks input: unknown fields named as
 * such, a missing field called required (not "received undefined"), and a field's name not
 * said twice.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeIssue, dottedPath } from "../../src/config/zod-issues.js";
import { parseTaskSpec } from "../../src/select/task-spec.js";

const schema = z
  .object({
    data: z.object({ path: z.string() }).strict(),
    stop: z.string({ error: "stop must be a string" }).optional(),
    count: z.number().optional(),
  })
  .strict();

const lines = (input: unknown): string[] => {
  const parsed = schema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => describeIssue(issue, dottedPath(issue.path)));
};

describe("describeIssue", () => {
  it("calls a missing field required, with the type expected", () => {
    expect(lines({ data: {} })).toEqual(["data.path: required (expected string)"]);
  });

  it("keeps zod's message for a value of the wrong type", () => {
    expect(lines({ data: { path: "x" }, count: "3" })).toEqual([
      "count: Invalid input: expected number, received string",
    ]);
  });

  it("names unknown fields, at the root without a prefix", () => {
    expect(lines({ data: { path: "x", extra: 1 }, other: 2 })).toEqual([
      'data: unknown field(s) "extra"',
      'unknown field(s) "other"',
    ]);
  });

  it("says which field an unknown one is a typo of, among those taken at its place", () => {
    const kinds = z
      .object({
        steps: z.array(
          z.discriminatedUnion("kind", [
            z.object({ kind: z.literal("a"), threshold: z.number() }).strict(),
            z.object({ kind: z.literal("b"), labels: z.record(z.string(), z.string()) }).strict(),
          ]),
        ),
        limits: z.record(z.string(), z.object({ timeout_ms: z.number() }).strict()),
      })
      .strict();
    const described = (input: unknown) =>
      (kinds.safeParse(input).error?.issues ?? []).map((issue) =>
        describeIssue(issue, dottedPath(issue.path), kinds),
      );
    expect(
      described({
        steps: [{ kind: "a", treshold: 1, threshold: 1 }],
        limits: { x: { timeout_ms: 1, timout_ms: 2 } },
        stesp: [],
      }),
    ).toEqual([
      'steps.0: unknown field(s) "treshold" (did you mean "threshold"?)',
      'limits.x: unknown field(s) "timout_ms" (did you mean "timeout_ms"?)',
      'unknown field(s) "stesp" (did you mean "steps"?)',
    ]);
    // Nothing near enough: the name alone.
    expect(described({ steps: [], limits: {}, colour: 1 })).toEqual(['unknown field(s) "colour"']);
  });

  it("does not say the field's name twice when the message starts with it", () => {
    expect(lines({ data: { path: "x" }, stop: 1 })).toEqual(["stop must be a string"]);
  });

  it("words a task spec's missing field so", () => {
    expect(() =>
      parseTaskSpec({ task_type: "text-classification", data: { format: "jsonl" } }),
    ).toThrow(/data\.path: required \(expected string\)/);
  });
});

describe("issueMessage with the input reported", () => {
  const modes = z.object({ mode: z.enum(["fast", "slow"]), api_token: z.number() }).strict();
  const reported = (input: unknown): string[] => {
    const parsed = modes.safeParse(input, { reportInput: true });
    if (parsed.success) return [];
    return parsed.error.issues.map((issue) => describeIssue(issue, dottedPath(issue.path)));
  };

  it("says what was written, but not a credential", () => {
    expect(reported({ mode: "fsat", api_token: 1 })[0]).toContain(
      '(got "fsat"; did you mean "fast"?)',
    );
    const secret = reported({ mode: "http://bob:hunter2@host", api_token: "sk-123" }).join("\n");
    expect(secret).toContain("mode: Invalid option");
    expect(secret).toContain("api_token: Invalid input");
    expect(secret).not.toContain("hunter2");
    expect(secret).not.toContain("sk-123");
  });
});
