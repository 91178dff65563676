import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import type { RouteLearner } from "../../src/route/route-learner.js";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { startRoutingServer } from "../../src/server/start-routing-server.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { getJson, MeanRewardLearner, postJson } from "./routing-test-support.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const ROUTES: RoutesConfigInput = {
  classification: [{ kind: "rules", rules: [{ route: "refunds", keywords: ["refund"] }] }],
  models: [
    { id: "echo:refunds", kind: "echo", template: "refunds: {{input}}" },
    { id: "echo:other", kind: "echo", template: "other: {{input}}" },
  ],
  routes: [
    { name: "other", targets: { chat: { policy: "fixed", candidates: ["echo:other"] } } },
    {
      name: "refunds",
      targets: { chat: { policy: "bandit", candidates: ["echo:refunds", "echo:other"] } },
    },
  ],
};

const running: ServeProcess[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(killHard));
});

describe("feedback durability", () => {
  it("an acknowledged feedback survives SIGKILL of `modelscout serve` and a restart", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ms-durable-"));
    const configPath = join(directory, "routes.json");
    writeFileSync(configPath, JSON.stringify(ROUTES));
    const state = join(directory, "state.db");
    const home = join(directory, "home");
    const first = await startServeProcess(["--config", configPath, "--state", state], {
      MODELSCOUT_HOME: home,
    });
    running.push(first);
    const routed = await postJson(`${first.url}/v1/chat/completions`, {
      model: "auto",
      messages: [{ role: "user", content: "where is my refund?" }],
    });
    expect(routed.status).toBe(200);
    const requestId = routed.json.modelscout.request_id as string;
    const feedback = await postJson(`${first.url}/v1/feedback`, {
      request_id: requestId,
      rating: 5,
      latency_ms: 40,
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json.stored).toBe(true);
    await killHard(first);

    const second = await startServeProcess(["--config", configPath, "--state", state], {
      MODELSCOUT_HOME: home,
    });
    running.push(second);
    const logged = await getJson(`${second.url}/v1/requests/${requestId}`);
    expect(logged.status).toBe(200);
    expect(logged.json.route).toBe("refunds");
    expect(logged.json.feedback).toEqual([
      expect.objectContaining({ rating: 5, latency_ms: 40, reward: 1, applied: true }),
    ]);
    await killHard(second);

    // The learner `modelscout serve` attaches recorded it durably too, in the same file.
    const learner = ThompsonRouteLearner.open({ path: state });
    try {
      const standing = learner
        .standings("refunds/text-generation")
        .find((entry) => entry.modelId === routed.json.model && entry.domain === null);
      expect(standing?.effectiveCount).toBeGreaterThan(0);
      expect(standing?.mean).toBeGreaterThan(0.5);
    } finally {
      learner.close();
    }
  }, 120_000);

  it("feedback stored while the learner failed (or was absent) reaches the learner after a restart", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-replay-")), "state.db");
    const config = parseRoutesConfig(ROUTES);
    const firstLearner = new MeanRewardLearner();
    const first = await startRoutingServer({
      config,
      port: 0,
      databasePath: path,
      learner: firstLearner,
    });
    const routed = await postJson(`${first.url}/v1/chat/completions`, {
      messages: [{ role: "user", content: "refund please" }],
    });
    expect(routed.json.modelscout.route).toBe("refunds");
    firstLearner.failNextRecord = true;
    const feedback = await postJson(`${first.url}/v1/feedback`, {
      request_id: routed.json.modelscout.request_id,
      correct: false,
    });
    expect(feedback.json).toMatchObject({ stored: true, applied: false });
    await first.close();

    const secondLearner = new MeanRewardLearner();
    const second = await startRoutingServer({
      config,
      port: 0,
      databasePath: path,
      learner: secondLearner,
    });
    try {
      expect(second.startup.replayedFeedback).toBe(1);
      expect(secondLearner.outcomes).toEqual([
        expect.objectContaining({
          requestId: routed.json.modelscout.request_id,
          route: "refunds/text-generation",
          modelId: routed.json.modelscout.model,
          reward: 0,
        }),
      ]);
      const logged = await getJson(
        `${second.url}/v1/requests/${routed.json.modelscout.request_id}`,
      );
      expect(logged.json.feedback[0].applied).toBe(true);
    } finally {
      await second.close();
    }
    const third = await startRoutingServer({
      config,
      port: 0,
      databasePath: path,
      learner: new MeanRewardLearner(),
    });
    expect(third.startup.replayedFeedback).toBe(0);
    await third.close();
  });

  it("stores a feedback once, on its own, when the learner's transaction that took it along rolled back", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-along-")), "state.db");
    const database = openStateDatabase({ path });
    const thompson = new ThompsonRouteLearner({ database });
    let failAfterFeedback = false;
    // The Thompson learner, whose transaction fails after the feedback's row went in.
    const learner: RouteLearner = {
      choose: (route, candidates, context) => thompson.choose(route, candidates, context),
      standings: (route) => thompson.standings(route),
      record: (outcome, alongside) =>
        thompson.record(outcome, () => {
          alongside?.();
          if (failAfterFeedback) throw new Error("disk full");
        }),
    };
    const server = await startRoutingServer({
      config: parseRoutesConfig(ROUTES),
      port: 0,
      database,
      learner,
    });
    try {
      const routed = await postJson(`${server.url}/v1/chat/completions`, {
        messages: [{ role: "user", content: "refund please" }],
      });
      const requestId = routed.json.modelscout.request_id as string;
      failAfterFeedback = true;
      const refused = await postJson(`${server.url}/v1/feedback`, {
        request_id: requestId,
        correct: true,
      });
      expect(refused.json).toMatchObject({ stored: true, applied: false });
      expect(refused.json.apply_error).toContain("disk full");
      expect(thompson.outcomes({ requestId })).toEqual([]);
      failAfterFeedback = false;
      const taken = await postJson(`${server.url}/v1/feedback`, {
        request_id: requestId,
        correct: true,
      });
      expect(taken.json).toMatchObject({ stored: true, applied: true });
      expect(thompson.outcomes({ requestId })).toHaveLength(1);
      const logged = await getJson(`${server.url}/v1/requests/${requestId}`);
      expect(logged.json.feedback).toEqual([
        expect.objectContaining({ id: refused.json.id, applied: false }),
        expect.objectContaining({ id: taken.json.id, applied: true }),
      ]);
    } finally {
      await server.close();
      database.close();
    }
  });
});
