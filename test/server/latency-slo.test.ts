/**
 * A bandit route with a latency SLO (ADR 0055): rated answers later than `latency_slo_ms`
 * are learned from as failures, so traffic moves to the model that is on time, with the real
 * Thompson learner over HTTP; and `feedbackOutcome`'s rule, latency by latency.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { feedbackOutcome } from "../../src/route/feedback.js";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import type { FeedbackInput, RequestLogRow } from "../../src/route/routing-store.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { requestLogRow } from "../support/request-log-row.js";
import { postJson } from "./routing-test-support.js";

let server: RoutingServer;
let learner: ThompsonRouteLearner;

beforeAll(async () => {
  let seed = 3;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const config = parseRoutesConfig({
    models: [
      { id: "echo:quick", kind: "echo" },
      { id: "echo:slow", kind: "echo" },
    ],
    routes: [
      {
        name: "support",
        targets: {
          chat: {
            policy: "bandit",
            candidates: ["echo:slow", "echo:quick"],
            latency_slo_ms: 1000,
          },
        },
      },
    ],
  });
  server = await startRoutingServer({
    config,
    port: 0,
    databasePath: ":memory:",
    createLearner: (database) => {
      learner = new ThompsonRouteLearner({ database, config: config.learning, random });
      return learner;
    },
  });
});

afterAll(async () => {
  await server?.close();
});

describe("latency_slo_ms", () => {
  it("learns late answers as failures and moves traffic to the model that is on time", async () => {
    const picks: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      const answer = await postJson(`${server.url}/v1/chat/completions`, {
        model: "support",
        messages: [{ role: "user", content: `question ${index}` }],
      });
      const model = answer.json.modelscout.model as string;
      picks.push(model);
      // Every answer is right; the client saw the slow model's arrive after 3 s.
      const latency = model === "echo:slow" ? 3000 : 200;
      const feedback = await postJson(`${server.url}/v1/feedback`, {
        request_id: answer.json.modelscout.request_id,
        correct: true,
        latency_ms: latency,
      });
      expect(feedback.json).toMatchObject({ applied: true, reward: 1, late: latency > 1000 });
    }
    expect(new Set(picks.slice(0, 10))).toContain("echo:slow");
    const late = picks.slice(40).filter((model) => model === "echo:quick").length / 20;
    expect(late).toBeGreaterThanOrEqual(0.75);
    const standings = new Map(
      learner.standings("support/text-generation").map((entry) => [entry.modelId, entry.mean]),
    );
    expect(standings.get("echo:quick")).toBeGreaterThan(0.9);
    expect(standings.get("echo:slow")).toBeLessThan((standings.get("echo:quick") ?? 0) - 0.5);
    // The stored feedback keeps what the client said; the learner's outcomes are failures.
    const slow = learner.outcomes().filter((outcome) => outcome.modelId === "echo:slow");
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.every((outcome) => outcome.reward === 0 && outcome.latencyMs === 3000)).toBe(true);
  }, 60_000);
});

describe("feedbackOutcome with a latency SLO", () => {
  const request: RequestLogRow = requestLogRow("req_1", {
    route: "support",
    task: "text-generation",
    model: "m",
    status: 200,
    modelLatencyMs: 1500,
  });
  const feedback = (fields: Partial<FeedbackInput>): FeedbackInput => ({
    requestId: request.id,
    createdAt: "2026-12-02T00:00:00.000Z",
    rating: null,
    correct: null,
    label: null,
    latencyMs: null,
    reward: null,
    ...fields,
  });

  it("makes a rated answer later than the SLO a failure, by the client's latency or the model's", () => {
    // The model's own 1,500 ms, as the router measured it, when the client says none.
    expect(feedbackOutcome(feedback({ reward: 1 }), request, 1000)?.reward).toBe(0);
    expect(feedbackOutcome(feedback({ reward: 1 }), request, 2000)?.reward).toBe(1);
    // The client's latency wins over the model's.
    expect(feedbackOutcome(feedback({ reward: 0.75, latencyMs: 900 }), request, 1000)?.reward).toBe(
      0.75,
    );
    expect(
      feedbackOutcome(feedback({ reward: 0.75, latencyMs: 1001 }), request, 1000)?.reward,
    ).toBe(0);
    // Without an SLO latency changes nothing.
    expect(feedbackOutcome(feedback({ reward: 1, latencyMs: 9999 }), request)?.reward).toBe(1);
  });

  it("leaves latency-only feedback without a reward, late or not", () => {
    const outcome = feedbackOutcome(feedback({ latencyMs: 5000 }), request, 1000);
    expect(outcome).not.toBeNull();
    expect(outcome?.reward).toBeUndefined();
    expect(outcome?.latencyMs).toBe(5000);
  });
});
