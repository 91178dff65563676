/**
 * A bandit route that weighs cost (ADR 0053), end to end over HTTP: two models behind a fake
 * OpenAI-compatible server, declared at prices 100 times apart; every answer is marked
 * correct, so the two are equally good; the route's `answer_value_usd` makes the learner move
 * traffic to the cheaper one, learning each model's cost from the request log's `cost_usd`
 * that each feedback carries.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { getJson, postJson } from "./routing-test-support.js";

let upstream: FakeOpenAIServer;
let server: RoutingServer;
let learner: ThompsonRouteLearner;

beforeAll(async () => {
  upstream = await startFakeOpenAIServer();
  let seed = 11;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const model = (id: string, perMillion: number) => ({
    id,
    kind: "openai",
    base_url: `${upstream.url}/v1`,
    api_model: "gpt-fake",
    price: { input_per_million_tokens: perMillion, output_per_million_tokens: 2 * perMillion },
  });
  const config = parseRoutesConfig({
    models: [model("dear", 1000), model("cheap", 10)],
    routes: [
      {
        name: "support",
        targets: {
          chat: { policy: "bandit", candidates: ["dear", "cheap"], answer_value_usd: 0.05 },
        },
      },
    ],
  });
  server = await startRoutingServer({
    config,
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-cost-routing-")), "state.db"),
    createLearner: (database) => {
      learner = new ThompsonRouteLearner({ database, config: config.learning, random });
      return learner;
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe("a bandit route with an answer value", () => {
  it("moves traffic to the cheaper of two equally good models, learning costs from feedback", async () => {
    const picks: string[] = [];
    const costs = new Map<string, number[]>();
    for (let index = 0; index < 60; index += 1) {
      const answer = await postJson(`${server.url}/v1/chat/completions`, {
        model: "support",
        messages: [{ role: "user", content: `Where is parcel number ${index}?` }],
      });
      expect(answer.status).toBe(200);
      const requestId = answer.json.modelscout.request_id as string;
      const model = answer.json.modelscout.model as string;
      picks.push(model);
      server.store.flush();
      const logged = await getJson(`${server.url}/v1/requests/${requestId}`);
      const cost = logged.json.cost_usd as number;
      expect(cost).toBeGreaterThan(0);
      costs.set(model, [...(costs.get(model) ?? []), cost]);
      const feedback = await postJson(`${server.url}/v1/feedback`, {
        request_id: requestId,
        correct: true,
      });
      expect(feedback.json).toMatchObject({ stored: true, applied: true });
      // The learner's outcome carries what the request cost.
      expect(learner.outcomes({ requestId }).map((outcome) => outcome.costUsd)).toEqual([cost]);
    }
    // Both were tried, and the cheap one took over.
    expect(new Set(picks)).toEqual(new Set(["dear", "cheap"]));
    const lateCheap = picks.slice(40).filter((model) => model === "cheap").length / 20;
    expect(lateCheap).toBeGreaterThanOrEqual(0.75);
    const mean = (values: readonly number[]) =>
      values.reduce((sum, value) => sum + value, 0) / values.length;
    for (const standing of learner.standings("support/text-generation")) {
      const paid = costs.get(standing.modelId) ?? [];
      // A decayed mean over seconds: within a part in a million of the plain mean.
      expect(standing.meanCostUsd).toBeCloseTo(mean(paid), 8);
    }
    const routed = await postJson(`${server.url}/v1/chat/completions`, {
      model: "support",
      messages: [{ role: "user", content: "And my refund?" }],
    });
    expect(routed.json.modelscout.reason).toMatch(/net/);
  }, 60_000);
});
