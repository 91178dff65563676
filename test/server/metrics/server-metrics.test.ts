/**
 * The model gauges of `/metrics`, read from the router's view at each scrape, and the
 * routing-decision counter, labelled from the decision the server passes or from the row.
 */
import { describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../../src/route/learning/thompson-route-learner.js";
import type { RequestLogRow } from "../../../src/route/routing-store.js";
import { requestEvent } from "../../../src/server/admin/server-monitoring.js";
import {
  createServerMetrics,
  type ModelStates,
} from "../../../src/server/metrics/server-metrics.js";
import { openStateDatabase } from "../../../src/state/state-database.js";
import { requestLogRow } from "../../support/request-log-row.js";

describe("model availability and health gauges", () => {
  it("say at each scrape whether each model takes calls and what its health checks found", () => {
    let states: ModelStates = {
      local: { available: true },
      remote: { available: true, healthy: true },
    };
    const metrics = createServerMetrics({ modelStates: () => states });
    const lines = () => metrics.render().split("\n");
    expect(lines()).toEqual(
      expect.arrayContaining([
        'modelscout_model_available{model="local"} 1',
        'modelscout_model_available{model="remote"} 1',
        'modelscout_model_healthy{model="remote"} 1',
      ]),
    );
    expect(lines().some((line) => line.startsWith('modelscout_model_healthy{model="local"}'))).toBe(
      false,
    );
    states = { local: { available: true }, remote: { available: false, healthy: false } };
    expect(lines()).toEqual(
      expect.arrayContaining([
        'modelscout_model_available{model="remote"} 0',
        'modelscout_model_healthy{model="remote"} 0',
      ]),
    );
  });

  it("say how many calls each model has in flight, where the router counts them", () => {
    let states: ModelStates = {
      local: { available: true },
      remote: { available: true, inFlight: 3 },
    };
    const metrics = createServerMetrics({ modelStates: () => states });
    const lines = () => metrics.render().split("\n");
    expect(lines()).toContain('modelscout_model_in_flight{model="remote"} 3');
    expect(
      lines().some((line) => line.startsWith('modelscout_model_in_flight{model="local"}')),
    ).toBe(false);
    states = { remote: { available: true, inFlight: 0 } };
    expect(lines()).toContain('modelscout_model_in_flight{model="remote"} 0');
  });

  it("say whether each model is loaded, where the router says", () => {
    let states: ModelStates = {
      local: { available: true, loaded: true },
      remote: { available: true },
    };
    const metrics = createServerMetrics({ modelStates: () => states });
    const lines = () => metrics.render().split("\n");
    expect(lines()).toContain('modelscout_model_loaded{model="local"} 1');
    expect(lines().some((line) => line.startsWith('modelscout_model_loaded{model="remote"}'))).toBe(
      false,
    );
    states = { local: { available: true, loaded: false } };
    expect(lines()).toContain('modelscout_model_loaded{model="local"} 0');
  });

  it("are left out when the server gives no model states", () => {
    expect(createServerMetrics().render()).not.toContain("modelscout_model_available");
  });
});

describe("learner gauges", () => {
  it("give each model's route-wide standing at each scrape, its mean cost where known", () => {
    const database = openStateDatabase({ path: ":memory:" });
    try {
      const learner = new ThompsonRouteLearner({ database, config: { halfLifeMs: null } });
      const metrics = createServerMetrics({ learnerStandings: () => learner.standings() });
      const at = "2026-12-02T00:00:00.000Z";
      const outcome = { route: "support/text-generation", at };
      learner.record({ ...outcome, requestId: "1", modelId: "dear", reward: 1, costUsd: 0.002 });
      learner.record({ ...outcome, requestId: "2", modelId: "dear", reward: 0, costUsd: 0.004 });
      // A domain's standing stays out of the labels: its name comes from a request header.
      learner.record({ ...outcome, requestId: "3", modelId: "local", reward: 1, domain: "x" });
      const lines = metrics.render().split("\n");
      const dear = '{route="support/text-generation",model="dear"}';
      const local = '{route="support/text-generation",model="local"}';
      expect(lines).toEqual(
        expect.arrayContaining([
          `modelscout_learner_quality${dear} 0.5`,
          `modelscout_learner_evidence${dear} 2`,
          `modelscout_learner_demoted${dear} 0`,
          `modelscout_learner_mean_cost_usd${dear} 0.003`,
          `modelscout_learner_quality${local} 0.6666666666666666`,
          `modelscout_learner_evidence${local} 1`,
        ]),
      );
      expect(
        lines.some((line) => line.startsWith(`modelscout_learner_mean_cost_usd${local}`)),
      ).toBe(false);
      expect(lines.filter((line) => line.startsWith("modelscout_learner_quality{"))).toHaveLength(
        2,
      );
      learner.demote("support/text-generation", "dear");
      expect(metrics.render().split("\n")).toContain(`modelscout_learner_demoted${dear} 1`);
    } finally {
      database.close();
    }
  });

  it("are left out without a learner", () => {
    expect(createServerMetrics().render()).not.toContain("modelscout_learner_");
  });
});

describe("routing decisions counter", () => {
  const row = (decision: string): RequestLogRow => ({
    id: "req_1",
    createdAt: "2026-12-01T18:00:00.000Z",
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "support",
    model: "model-a",
    reason: "bandit pick",
    status: 200,
    latencyMs: 12,
    modelLatencyMs: 10,
    errorCode: null,
    domain: null,
    inputText: null,
    outputText: null,
    outputLabel: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    decision,
  });
  const counted = (metrics: ReturnType<typeof createServerMetrics>) =>
    metrics
      .render()
      .split("\n")
      .filter((line) => line.startsWith("modelscout_routing_decisions_total{"));

  it("takes the policy and exploration from the decision the server passes, without reading the row's JSON", () => {
    const metrics = createServerMetrics();
    const logged = row("not JSON: the passed decision is used instead");
    metrics.observeRequest(logged, requestEvent(logged), {
      policy: "bandit",
      explored: true,
      attempts: [{ model: "model-a", outcome: "ok", latencyMs: 10 }],
    });
    expect(counted(metrics)).toEqual([
      'modelscout_routing_decisions_total{route="support",model="model-a",policy="bandit",explored="true"} 1',
    ]);
  });

  it("reads them from the row's JSON when no decision is passed", () => {
    const metrics = createServerMetrics();
    const logged = row(JSON.stringify({ policy: "fallback", explored: false }));
    metrics.observeRequest(logged, requestEvent(logged));
    expect(counted(metrics)).toEqual([
      'modelscout_routing_decisions_total{route="support",model="model-a",policy="fallback",explored="false"} 1',
    ]);
    const broken = row("not JSON");
    expect(() => metrics.observeRequest(broken, requestEvent(broken))).toThrow(SyntaxError);
  });
});

describe("attempts passed over", () => {
  const passedOver = (metrics: ReturnType<typeof createServerMetrics>) =>
    metrics
      .render()
      .split("\n")
      .filter((line) => line.startsWith("modelscout_routing_attempts_passed_over_total{"));
  /** A classification answered on route `reviews` by `model-b`. */
  const logged = (fields: Partial<RequestLogRow>): RequestLogRow =>
    requestLogRow("req_1", {
      endpoint: "tasks",
      task: "text-classification",
      requested: "reviews",
      route: "reviews",
      model: "model-b",
      decision: "{}",
      ...fields,
    });

  it("counts each attempt that did not give the answer, by route, model and outcome", () => {
    const metrics = createServerMetrics();
    const first = logged({});
    // A first-try answer: nothing.
    metrics.observeRequest(first, requestEvent(first), {
      policy: "fallback",
      explored: false,
      attempts: [{ model: "model-b", outcome: "ok", latencyMs: 10 }],
    });
    expect(passedOver(metrics)).toEqual([]);
    // A cascade that handed on, then a fallback after a timeout and an open breaker.
    const cascaded = logged({});
    metrics.observeRequest(cascaded, requestEvent(cascaded), {
      policy: "fallback",
      explored: false,
      attempts: [
        { model: "model-a", outcome: "low-confidence", latencyMs: 1 },
        { model: "model-b", outcome: "ok", latencyMs: 10 },
      ],
    });
    const fellBack = logged({
      decision: JSON.stringify({
        policy: "fallback",
        explored: false,
        attempts: [
          { model: "model-a", outcome: "timeout", latency_ms: 100 },
          { model: "model-c", outcome: "circuit-open", latency_ms: 0 },
          { model: "model-b", outcome: "ok", latency_ms: 10 },
        ],
      }),
    });
    metrics.observeRequest(fellBack, requestEvent(fellBack));
    // Every candidate busy: refused before any model answered, still counted per model.
    const refused = logged({
      model: null,
      status: 503,
      decision: JSON.stringify({
        attempts: [{ model: "model-a", outcome: "at-capacity", latency_ms: 0 }],
      }),
    });
    metrics.observeRequest(refused, null);
    expect(passedOver(metrics).sort()).toEqual([
      'modelscout_routing_attempts_passed_over_total{route="reviews",model="model-a",outcome="at-capacity"} 1',
      'modelscout_routing_attempts_passed_over_total{route="reviews",model="model-a",outcome="low-confidence"} 1',
      'modelscout_routing_attempts_passed_over_total{route="reviews",model="model-a",outcome="timeout"} 1',
      'modelscout_routing_attempts_passed_over_total{route="reviews",model="model-c",outcome="circuit-open"} 1',
    ]);
  });
});

describe("classification calls", () => {
  const counted = (metrics: ReturnType<typeof createServerMetrics>) =>
    metrics
      .render()
      .split("\n")
      .filter((line) => line.startsWith("modelscout_classification_"))
      .sort();
  /** A classifier step's call as the wire has it (`decision-wire.ts`). */
  const spend = (promptTokens: number, costUsd: number) => ({
    model: "router-llm",
    usage: { prompt_tokens: promptTokens, completion_tokens: 1 },
    cost_usd: costUsd,
  });

  it("counts each model step's tokens and cost by its model, apart from the answer's, from the passed decision", () => {
    const metrics = createServerMetrics();
    const logged = requestLogRow("req_1", {
      decision: "not JSON: the passed decision is used instead",
      promptTokens: 20,
      completionTokens: 5,
      costUsd: 0.0001,
    });
    metrics.observeRequest(logged, requestEvent(logged), {
      policy: "fixed",
      explored: false,
      attempts: [{ model: "small", outcome: "ok", latencyMs: 8 }],
      classification: {
        route: "delivery",
        usedDefault: false,
        steps: [
          { step: 0, kind: "rules", route: null, detail: "no rule matched", elapsedMs: 0 },
          {
            step: 1,
            kind: "nearest-neighbour",
            route: null,
            detail: "below min_similarity",
            elapsedMs: 3,
            model: "embedder",
            usage: { promptTokens: 6, completionTokens: 0 },
          },
          {
            step: 2,
            kind: "classifier",
            route: "delivery",
            detail: "label delivery (1.00)",
            elapsedMs: 90,
            model: "router-llm",
            usage: { promptTokens: 40, completionTokens: 1 },
            costUsd: 0.00002,
          },
        ],
      },
    });
    expect(counted(metrics)).toEqual([
      'modelscout_classification_cost_usd_total{model="router-llm"} 0.00002',
      'modelscout_classification_tokens_total{model="embedder",kind="completion"} 0',
      'modelscout_classification_tokens_total{model="embedder",kind="prompt"} 6',
      'modelscout_classification_tokens_total{model="router-llm",kind="completion"} 1',
      'modelscout_classification_tokens_total{model="router-llm",kind="prompt"} 40',
    ]);
    // The answer's own tokens and cost stay under the route and model that answered.
    const lines = metrics.render().split("\n");
    expect(lines).toContain('modelscout_cost_usd_total{route="delivery",model="small"} 0.0001');
    expect(lines).toContain(
      'modelscout_tokens_total{route="delivery",model="small",kind="prompt"} 20',
    );
  });

  it("reads them from the row's JSON: a request's steps, a batch item's own, a refused request's too", () => {
    const metrics = createServerMetrics();
    const rows = [
      // A request of its own: its decision's steps.
      requestLogRow("req_1", {
        decision: JSON.stringify({ classification: { steps: [{ kind: "rules" }, spend(10, 1)] } }),
      }),
      // Item 0 of a batch: its entry of `items`, not the other items'.
      requestLogRow("req_2", {
        decision: JSON.stringify({
          classification: { steps: [spend(20, 2)] },
          items: [
            { request_id: "req_2", classification_usage: [{ step: 0, ...spend(20, 2) }] },
            { request_id: "req_3", classification_usage: [{ step: 0, ...spend(30, 3) }] },
          ],
        }),
      }),
      // A later item: its own, not its group's decision's (item 0's).
      requestLogRow("req_3", {
        decision: JSON.stringify({
          classification: { steps: [spend(20, 2)] },
          item: { request_id: "req_3", classification_usage: [{ step: 0, ...spend(30, 3) }] },
        }),
      }),
      // A later item classified with an earlier one of the same text: nothing of its own.
      requestLogRow("req_4", {
        decision: JSON.stringify({
          classification: { steps: [spend(20, 2)] },
          item: { request_id: "req_4" },
        }),
      }),
    ];
    for (const row of rows) metrics.observeRequest(row, requestEvent(row));
    // Every candidate busy: no model answered, but the classifier was asked.
    const refused = requestLogRow("req_5", {
      model: null,
      status: 503,
      decision: JSON.stringify({ classification: { steps: [spend(40, 4)] } }),
    });
    metrics.observeRequest(refused, null);
    expect(counted(metrics)).toEqual([
      'modelscout_classification_cost_usd_total{model="router-llm"} 10',
      'modelscout_classification_tokens_total{model="router-llm",kind="completion"} 4',
      'modelscout_classification_tokens_total{model="router-llm",kind="prompt"} 100',
    ]);
  });
});
