import { describe, expect, it } from "vitest";
import type { RoutingDecision } from "../../src/route/routing-decision.js";
import {
  decisionBody,
  decisionJson,
  headerSafe,
  loggedDecisionBody,
  withModelscout,
} from "../../src/server/decision-wire.js";

const decision: RoutingDecision = {
  requestId: "req_0193a1b2c3d4e5f6a7b8c9d0e1f2",
  task: "text-generation",
  requested: "auto",
  route: "退货",
  model: "echo:returns",
  reason: 'route 退货 (rules: keyword "退货"); model echo:returns: fixed',
  policy: "fixed",
  explored: false,
  order: ["echo:returns", "echo:backup"],
  classification: {
    route: "退货",
    usedDefault: false,
    steps: [
      { step: 1, kind: "rules", route: "退货", detail: 'keyword "退货"', elapsedMs: 0.01234 },
    ],
  },
  attempts: [
    { model: "echo:returns", outcome: "timeout", latencyMs: 30.00049, error: "no answer" },
    { model: "echo:backup", outcome: "ok", latencyMs: 1.5 },
  ],
  domain: null,
};

describe("decision wire", () => {
  it("puts the decision's JSON last in a body, as JSON.stringify would have", () => {
    const body = { id: "chatcmpl-1", choices: [{ index: 0, text: '好的 "ok"' }], usage: undefined };
    const json = withModelscout(body, decisionJson(decision));
    expect(json).toBe(JSON.stringify({ ...body, modelscout: decisionBody(decision) }));
    expect(withModelscout({}, decisionJson(decision))).toBe(
      JSON.stringify({ modelscout: decisionBody(decision) }),
    );
  });

  it("writes the same JSON as JSON.stringify of the wire form, for every kind of field", () => {
    // Texts JSON escapes (quotes, backslashes, control characters, lone surrogates) and texts
    // it writes as they are (Chinese, a surrogate pair, U+2028), and numbers it writes as null.
    const texts = [
      'say "hi"',
      "back\\slash",
      "tab\there\u0000\u001f",
      "退货 📦",
      "\ud800 lone",
      "\u2028",
      "",
    ];
    const numbers = [
      1.5,
      30.00049,
      -0,
      1e21,
      1e-7,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      0.1 + 0.2,
    ];
    const variants: RoutingDecision[] = [decision];
    texts.forEach((text, index) => {
      const number = numbers[index % numbers.length] as number;
      variants.push({
        ...decision,
        requestId: `req_${text}`,
        requested: text,
        route: index % 2 === 0 ? null : text,
        model: text,
        reason: `route ${text}`,
        policy: index % 2 === 0 ? "direct" : "bandit",
        explored: index % 2 === 1,
        order: index % 3 === 0 ? [] : [text, "b"],
        domain: index % 2 === 0 ? text : null,
        attempts:
          index % 3 === 0
            ? []
            : [
                { model: text, outcome: "error", latencyMs: number, error: text, status: 503 },
                { model: "b", outcome: "rate-limited", latencyMs: 2, status: number },
                { model: "c", outcome: "ok", latencyMs: -number },
              ],
        classification:
          index % 3 === 1
            ? null
            : {
                route: text,
                usedDefault: index % 2 === 0,
                steps: [
                  { step: 1, kind: "rules", route: null, detail: text, elapsedMs: number },
                  {
                    step: 2,
                    kind: "nearest-neighbour",
                    route: text,
                    detail: `nearest "${text}"`,
                    score: number,
                    elapsedMs: 0.0004,
                    // A step's model call's tokens, priced (cost) or not.
                    ...(index % 2 === 0 && {
                      model: text,
                      usage: { promptTokens: 12, completionTokens: 0 },
                      ...(index % 4 === 0 && { costUsd: number }),
                    }),
                  },
                ],
              },
      });
    });
    for (const variant of variants) {
      expect(decisionJson(variant)).toBe(JSON.stringify(decisionBody(variant)));
    }
  });

  it("shows a model step's tokens and cost when its call reported them, and nothing otherwise", () => {
    const priced: RoutingDecision = {
      ...decision,
      classification: {
        route: "退货",
        usedDefault: false,
        steps: [
          { step: 0, kind: "rules", route: null, detail: "no rule matched", elapsedMs: 0.01 },
          {
            step: 1,
            kind: "classifier",
            route: "退货",
            detail: "label 退货 (1.00)",
            score: 1,
            elapsedMs: 180,
            model: "router-llm",
            usage: { promptTokens: 41, completionTokens: 1 },
            costUsd: 0.000138,
          },
        ],
      },
    };
    const steps = decisionBody(priced).classification?.steps;
    expect(steps?.[0]).toEqual({
      kind: "rules",
      route: null,
      detail: "no rule matched",
      elapsed_ms: 0.01,
    });
    expect(steps?.[1]).toEqual({
      kind: "classifier",
      route: "退货",
      detail: "label 退货 (1.00)",
      score: 1,
      elapsed_ms: 180,
      model: "router-llm",
      usage: { prompt_tokens: 41, completion_tokens: 1 },
      cost_usd: 0.000138,
    });
    expect(decisionJson(priced)).toBe(JSON.stringify(decisionBody(priced)));
    expect(loggedDecisionBody(decisionJson(priced))).toEqual(decisionBody(priced));
    // The camelCase form of rows logged before 2026-11-30 goes through the same mapping.
    expect(loggedDecisionBody(JSON.stringify(priced))).toEqual(decisionBody(priced));
  });

  it("reads a logged decision in the wire form, and in the form rows were logged in before", () => {
    expect(loggedDecisionBody(decisionJson(decision))).toEqual(decisionBody(decision));
    expect(loggedDecisionBody(JSON.stringify(decision))).toEqual(decisionBody(decision));
  });
});

describe("headerSafe", () => {
  it("gives values decodeURIComponent decodes, with a % and Chinese in one reason", () => {
    const reason =
      'route product (nearest-neighbour: nearest example "东西是坏的" (0.23)); model desk-a: weighted pick (75% share)';
    const header = headerSafe(reason);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeURIComponent(header)).toBe(reason);
    expect(headerSafe("weighted pick (75% share)")).toBe("weighted pick (75%25 share)");
    expect(headerSafe("route delivery (default route)")).toBe("route delivery (default route)");
  });

  it("cuts a long value between characters, never inside one's escapes", () => {
    for (let pad = 0; pad < 12; pad++) {
      const header = headerSafe(`${"x".repeat(480 + pad)}${"退货".repeat(20)}`);
      expect(header.length).toBeLessThanOrEqual(512);
      expect(header.endsWith("...")).toBe(true);
      const decoded = decodeURIComponent(header.slice(0, -3));
      expect(decoded).toMatch(/^x+(退|货)*$/u);
    }
  });
});
