import { describe, expect, it } from "vitest";
import { orderCandidates } from "../../src/route/order-candidates.js";
import type { RouteLearner } from "../../src/route/route-learner.js";
import type { RouteTarget } from "../../src/route/routes-config.js";
import { MeanRewardLearner } from "../server/routing-test-support.js";

const target = (policy: RouteTarget["policy"], weights = [1, 1, 1]): RouteTarget => ({
  task: "text-generation",
  policy,
  candidates: ["a", "b", "c"].map((model, index) => ({
    model,
    weight: weights[index] ?? 1,
    languages: null,
  })),
  timeoutMs: 1000,
  retries: 0,
  answerValueUsd: null,
  latencySloMs: null,
  minConfidence: null,
  languageDetector: null,
});

/** Park-Miller, so the weighted test is reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
}

const context = {
  learnerKey: "route/text-generation",
  learner: undefined as RouteLearner | undefined,
  isAvailable: (_model: string) => true,
  random: seeded(7),
  domain: null,
};

describe("route policies", () => {
  it("fallback keeps the listed order and starts at the first available candidate", () => {
    expect(orderCandidates(target("fallback"), context).order).toEqual(["a", "b", "c"]);
    const skipA = orderCandidates(target("fallback"), {
      ...context,
      isAvailable: (model) => model !== "a",
    });
    expect(skipA.order).toEqual(["b", "a", "c"]);
    expect(skipA.reason).toContain("1 skipped (circuit open or at max_in_flight)");
  });

  it("weighted picks in proportion to the weights, then falls back in listed order", () => {
    const counts = new Map<string, number>();
    const random = seeded(42);
    for (let index = 0; index < 6000; index += 1) {
      const { order } = orderCandidates(target("weighted", [1, 2, 3]), { ...context, random });
      counts.set(order[0] as string, (counts.get(order[0] as string) ?? 0) + 1);
      expect([...order].sort()).toEqual(["a", "b", "c"]);
    }
    expect((counts.get("a") ?? 0) / 6000).toBeCloseTo(1 / 6, 1);
    expect((counts.get("b") ?? 0) / 6000).toBeCloseTo(2 / 6, 1);
    expect((counts.get("c") ?? 0) / 6000).toBeCloseTo(3 / 6, 1);
    const onlyC = orderCandidates(target("weighted", [100, 1, 1]), {
      ...context,
      isAvailable: (model) => model === "c",
    });
    expect(onlyC.order).toEqual(["c", "a", "b"]);
  });

  it("bandit asks the learner among available candidates; a failing or confused learner falls back to the listed order", () => {
    const learner = new MeanRewardLearner();
    learner.record({
      requestId: "1",
      route: "route/text-generation",
      modelId: "a",
      reward: 0,
      at: "2026-01-01T00:00:00Z",
    });
    const chosen = orderCandidates(target("bandit"), {
      ...context,
      learner,
      isAvailable: (model) => model !== "b",
    });
    expect(chosen.order).toEqual(["c", "a", "b"]);
    expect(chosen.reason).toContain("best mean reward");
    const throwing: RouteLearner = {
      choose: () => {
        throw new Error("posterior table locked");
      },
      record: () => {},
      standings: () => [],
    };
    const failed = orderCandidates(target("bandit"), { ...context, learner: throwing });
    expect(failed.order).toEqual(["a", "b", "c"]);
    expect(failed.reason).toContain("learner failed (posterior table locked)");
    const confused: RouteLearner = {
      choose: () => ({ modelId: "z", reason: "?", explored: true }),
      record: () => {},
      standings: () => [],
    };
    expect(orderCandidates(target("bandit"), { ...context, learner: confused }).reason).toContain(
      "learner chose z, not a candidate",
    );
  });

  it("bandit gives the learner the request's domain and the target's answer value", () => {
    const seen: unknown[] = [];
    const recording: RouteLearner = {
      choose: (_route, candidates, chooseContext) => {
        seen.push(chooseContext);
        return { modelId: candidates[1] as string, reason: "recorded", explored: false };
      },
      record: () => {},
      standings: () => [],
    };
    const valued = { ...target("bandit"), answerValueUsd: 0.25 };
    orderCandidates(valued, { ...context, learner: recording });
    orderCandidates(valued, { ...context, learner: recording, domain: "refunds" });
    orderCandidates(target("bandit"), { ...context, learner: recording, domain: "refunds" });
    orderCandidates(target("bandit"), { ...context, learner: recording });
    expect(seen).toEqual([
      { answerValueUsd: 0.25 },
      { domain: "refunds", answerValueUsd: 0.25 },
      { domain: "refunds" },
      undefined,
    ]);
  });
});
