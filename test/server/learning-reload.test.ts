/**
 * Reloading the routes config's `learning` section without a restart, with the real Thompson
 * learner: other exploration settings take effect at once; another half-life recomputes the
 * posteriors from the outcome log; the evidence, demotions and decisions stay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import {
  describeReload,
  type RoutingServer,
  startRoutingServer,
} from "../../src/server/start-routing-server.js";
import { postJson } from "./routing-test-support.js";

const routes = (learning: RoutesConfigInput["learning"]): RoutesConfigInput => ({
  models: [
    { id: "echo:a", kind: "echo" },
    { id: "echo:b", kind: "echo" },
  ],
  routes: [
    { name: "desk", targets: { chat: { policy: "bandit", candidates: ["echo:a", "echo:b"] } } },
  ],
  ...(learning !== undefined && { learning }),
});

let server: RoutingServer;
let learner: ThompsonRouteLearner;

beforeAll(async () => {
  const config = parseRoutesConfig(routes({ cap: 0.2 }));
  server = await startRoutingServer({
    config,
    port: 0,
    databasePath: ":memory:",
    createLearner: (database) => {
      learner = new ThompsonRouteLearner({ database, config: config.learning });
      return learner;
    },
  });
});

afterAll(async () => {
  await server?.close();
});

async function rated(correct: boolean) {
  const answer = await postJson(`${server.url}/v1/chat/completions`, {
    model: "desk",
    messages: [{ role: "user", content: "hello" }],
  });
  const feedback = await postJson(`${server.url}/v1/feedback`, {
    request_id: answer.json.modelscout.request_id,
    correct,
  });
  expect(feedback.json).toMatchObject({ applied: true });
}

describe("reloading the learning section", () => {
  it("puts new settings in force, and recomputes the posteriors for a new half-life", async () => {
    for (let index = 0; index < 6; index += 1) await rated(index % 2 === 0);
    const before = learner.standings("desk/text-generation");
    expect(before.reduce((sum, standing) => sum + standing.effectiveCount, 0)).toBeCloseTo(6, 3);

    const applied = await server.reload(parseRoutesConfig(routes({ cap: 0.05, floor: 0 })));
    expect(applied.learning).toBe(true);
    expect(describeReload(applied)).toContain("the learner took the new learning settings");
    expect(learner.config).toMatchObject({ cap: 0.05, floor: 0 });
    // The same settings again: nothing for the learner to take.
    const same = await server.reload(parseRoutesConfig(routes({ floor: 0, cap: 0.05 })));
    expect(same.learning).toBeUndefined();
    // Same half-life: the evidence is as it was.
    expect(learner.standings("desk/text-generation")).toEqual(
      before.map((standing) => expect.objectContaining({ modelId: standing.modelId })),
    );

    // A half-life of a millisecond: the outcomes, 100 ms old and more, weigh nothing any more.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.reload(parseRoutesConfig(routes({ cap: 0.05, floor: 0, halfLifeMs: 1 })));
    expect(learner.config.halfLifeMs).toBe(1);
    const after = learner.standings("desk/text-generation");
    expect(after.every((standing) => standing.effectiveCount < 1e-6)).toBe(true);
    expect(after.map((standing) => standing.modelId).sort()).toEqual(
      before.map((standing) => standing.modelId).sort(),
    );
    expect(learner.verifyAggregates()).toEqual([]);
    // Still learning, with the new half-life.
    await rated(true);
    expect(learner.outcomes()).toHaveLength(7);
  });

  it("refuses an invalid learning section, naming the field, and keeps the settings in force", async () => {
    expect(() => parseRoutesConfig(routes({ cap: 2 }))).toThrow(/learning\.cap/);
    expect(learner.config.cap).toBe(0.05);
  });
});
