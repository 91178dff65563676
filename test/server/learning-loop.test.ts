/**
 * The product's loop, end to end over HTTP: the bundled complaint-sentiment route picks
 * between two real npm lexicon models with the real Thompson-sampling learner; feedback says
 * which answers were right; traffic moves to the model the feedback favours.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CUSTOMER_SERVICE_ROUTES } from "../../src/route/bundled/customer-service-routes.js";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { postJson } from "./routing-test-support.js";

let server: RoutingServer;

beforeAll(async () => {
  let seed = 5;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const config = parseRoutesConfig(CUSTOMER_SERVICE_ROUTES);
  server = await startRoutingServer({
    config,
    port: 0,
    databasePath: ":memory:",
    createLearner: (database) =>
      new ThompsonRouteLearner({ database, config: config.learning, random }),
  });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe("feedback-driven routing", () => {
  it("moves complaint-sentiment traffic to the model whose answers are marked correct", async () => {
    const picks: string[] = [];
    for (let index = 0; index < 80; index += 1) {
      const routed = await postJson(`${server.url}/v1/tasks/sentiment`, {
        model: "complaint",
        input: `The parcel arrived late and the box was crushed (${index}).`,
      });
      expect(routed.status).toBe(200);
      const model = routed.json.model as string;
      picks.push(model);
      // The operator's judgement in this test: VADER's answers are right, AFINN's are not.
      const feedback = await postJson(`${server.url}/v1/feedback`, {
        request_id: routed.json.modelscout.request_id,
        correct: model === "npm:vader-sentiment",
      });
      expect(feedback.json).toMatchObject({ stored: true, applied: true });
    }
    const share = (from: number, to: number) =>
      picks.slice(from, to).filter((model) => model === "npm:vader-sentiment").length / (to - from);
    expect(new Set(picks.slice(0, 20))).toEqual(new Set(["npm:vader-sentiment", "npm:sentiment"]));
    expect(share(60, 80)).toBeGreaterThanOrEqual(0.75);
    expect(share(60, 80)).toBeGreaterThan(share(0, 20));
  }, 120_000);
});
