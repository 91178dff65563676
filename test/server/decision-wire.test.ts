import { describe, expect, it } from "vitest";
import type { RoutingDecision } from "../../src/route/routing-decision.js";
import {
  decisionBody,
  decisionJson,
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

  it("reads a logged decision in the wire form, and in the form rows were logged in before", () => {
    expect(loggedDecisionBody(decisionJson(decision))).toEqual(decisionBody(decision));
    expect(loggedDecisionBody(JSON.stringify(decision))).toEqual(decisionBody(decision));
  });
});
