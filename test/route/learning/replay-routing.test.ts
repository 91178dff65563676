import { describe, expect, it } from "vitest";
import { parseReplayDataset } from "../../../src/backends/replay/replay-dataset.js";
import {
  replayRouting,
  routingStreams,
  withPrices,
} from "../../../src/route/learning/replay-routing.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";

/** Items whose per-model scores are Bernoulli draws with the given rates (and fixed costs). */
function synthetic(
  name: string,
  rates: Record<string, number>,
  items: number,
  seed: number,
  costs?: Record<string, number>,
) {
  const random = seededRandom(seed).next;
  const raw = Array.from({ length: items }, (_, index) => ({
    question: `${name} ${index}`,
    scores: Object.fromEntries(
      Object.entries(rates).map(([model, rate]) => [model, random() < rate ? 1 : 0]),
    ),
    ...(costs ? { costs } : {}),
  }));
  return parseReplayDataset(raw, `${name}.json`);
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

describe("replayRouting", () => {
  it("measures policies against the oracle and the best single model, with costs", () => {
    const dataset = synthetic("support", { cheap: 0.5, mid: 0.6, big: 0.8 }, 1500, 3, {
      cheap: 0.1,
      mid: 0.5,
      big: 2,
    });
    const [stream] = routingStreams([dataset]);
    expect(stream?.route).toBe("support");
    if (!stream) return;
    const result = replayRouting(stream, { trials: 3, seed: 5, windows: 5 });
    const itemMax = dataset.items.map((item) => Math.max(...Object.values(item.scores)));
    expect(result.oracle.quality).toBeCloseTo(mean(itemMax), 10);
    expect(result.bestSingle.modelId).toBe("big");
    expect(result.bestSingle.quality).toBeCloseTo(
      mean(dataset.items.map((item) => item.scores.big as number)),
      10,
    );
    expect(result.bestSingle.cost).toBeCloseTo(2, 10);
    expect(result.bestPerDomain).toBeNull();
    const byPolicy = new Map(result.policies.map((policy) => [policy.policy, policy]));
    expect([...byPolicy.keys()]).toEqual([
      "thompson",
      "thompson-uncapped",
      "thompson-best-baseline",
      "epsilon-greedy",
      "uniform",
    ]);
    const thompson = byPolicy.get("thompson");
    const uniform = byPolicy.get("uniform");
    expect(thompson?.curve).toHaveLength(5);
    expect(thompson?.qualityPerTrial).toHaveLength(3);
    // Uniform is the mean of the three rates; the learner ends close to the best model.
    expect(uniform?.quality).toBeGreaterThan(0.58);
    expect(uniform?.quality).toBeLessThan(0.68);
    expect(thompson?.quality).toBeGreaterThan((uniform?.quality ?? 1) + 0.08);
    expect(thompson?.finalGapToBestSinglePoints).toBeLessThan(5);
    expect(thompson?.finalGapToBestSinglePoints).toBeCloseTo(
      100 * ((result.bestSingle.curve.at(-1) ?? 0) - (thompson?.curve.at(-1) ?? 0)),
      10,
    );
    expect(thompson?.exploredShare).toBeLessThanOrEqual(0.2 + 0.01);
    // Costs follow the picks: the learner moves to the expensive good model.
    expect(thompson?.cost).toBeGreaterThan(uniform?.cost ?? 0);
    expect(uniform?.cost).toBeCloseTo((0.1 + 0.5 + 2) / 3, 1);
    // "cheap" and "mid" are confidently worse than "big"; with "big" as baseline they go.
    const best = byPolicy.get("thompson-best-baseline");
    expect(best?.demotions).toBeGreaterThan(0);
    expect(best?.falseDemotions).toBe(0);
  });

  it("routes by domain on a mixed stream and beats every single model", () => {
    const delivery = synthetic("delivery", { m1: 0.85, m2: 0.3, m3: 0.5 }, 1200, 8);
    const complaints = synthetic("complaints", { m1: 0.3, m2: 0.85, m3: 0.5 }, 1200, 9);
    const [stream] = routingStreams([delivery, complaints], { mixed: true });
    expect(stream?.route).toBe("mixed");
    expect(new Set(stream?.items.map((item) => item.domain))).toEqual(
      new Set(["delivery", "complaints"]),
    );
    if (!stream) return;
    const result = replayRouting(stream, {
      trials: 2,
      seed: 1,
      policies: ["thompson", "epsilon-greedy"],
    });
    expect(result.bestPerDomain?.models).toEqual({ delivery: "m1", complaints: "m2" });
    const thompson = result.policies.find((policy) => policy.policy === "thompson");
    // Best single is ~0.58; routing each domain to its own best gets ~0.85 less exploration.
    expect(thompson?.quality).toBeGreaterThan(result.bestSingle.quality + 0.1);
    expect(thompson?.finalGapToBestSinglePoints).toBeLessThan(-15);
  });

  it("refuses to mix files that score different models", () => {
    const first = synthetic("a", { m1: 0.5, m2: 0.5 }, 10, 1);
    const second = synthetic("b", { m1: 0.5, m3: 0.5 }, 10, 2);
    expect(() => routingStreams([first, second], { mixed: true })).toThrow(/same models/);
  });

  it("weighs cost with an answer value, against the oracle and the best single model by net value", () => {
    const dataset = synthetic("support", { cheap: 0.5, mid: 0.6, big: 0.8 }, 1500, 3);
    const [plain] = routingStreams([dataset]);
    if (!plain) throw new Error("no stream");
    expect(() => replayRouting(plain, { trials: 1, answerValue: 2 })).toThrow(
      /has no cost for every model on every item; give each model a price per request/,
    );
    expect(() => withPrices(plain, new Map([["huge", 1]]))).toThrow(
      /Prices for huge, which support\.json does not score/,
    );
    // `cheap` costs nothing: a model without a price is free.
    const stream = withPrices(
      plain,
      new Map([
        ["mid", 0.5],
        ["big", 2],
      ]),
    );
    expect(stream.items[0]?.costs).toEqual({ cheap: 0, mid: 0.5, big: 2 });
    // Worth 2 an answer: net 2 x 0.5 - 0 = 1.0 (cheap), 1.2 - 0.5 = 0.7 (mid), 1.6 - 2 = -0.4 (big).
    const result = replayRouting(stream, { trials: 3, seed: 5, answerValue: 2 });
    expect(result.bestSingle.modelId).toBe("big");
    expect(result.bestSingleNet?.modelId).toBe("cheap");
    const netOf = (item: (typeof stream.items)[number], model: string) =>
      2 * (item.scores[model] as number) - (item.costs?.[model] as number);
    expect(result.bestSingleNet?.netValue).toBeCloseTo(
      mean(stream.items.map((item) => netOf(item, "cheap"))),
      10,
    );
    // The best-quality model's own net value, for the table's "best single" row.
    expect(result.bestSingle.netValue).toBeCloseTo(
      mean(stream.items.map((item) => netOf(item, "big"))),
      10,
    );
    expect(replayRouting(stream, { trials: 1 }).bestSingle.netValue).toBeNull();
    expect(result.oracle.netValue).toBeCloseTo(
      mean(
        stream.items.map((item) => Math.max(...["cheap", "mid", "big"].map((m) => netOf(item, m)))),
      ),
      10,
    );
    const byPolicy = new Map(result.policies.map((policy) => [policy.policy, policy]));
    expect([...byPolicy.keys()]).toContain("thompson-cost-blind");
    const weighed = byPolicy.get("thompson");
    const blind = byPolicy.get("thompson-cost-blind");
    // Blind to cost, the learner moves to `big` and loses money on every answer; weighing
    // cost, it stays on `cheap` and ends near the best single model by net value.
    expect(blind?.cost).toBeGreaterThan(1);
    expect(weighed?.cost).toBeLessThan(0.5);
    expect(weighed?.netValue).toBeGreaterThan((blind?.netValue ?? 0) + 0.5);
    expect(weighed?.netValue).toBeGreaterThan((result.bestSingleNet?.netValue ?? 0) - 0.1);
    expect(weighed?.netValue).toBeLessThanOrEqual(result.oracle.netValue ?? 0);
    // Without an answer value the cost-blind policy is not replayed (it would be `thompson`).
    expect(replayRouting(stream, { trials: 1 }).policies.map((p) => p.policy)).not.toContain(
      "thompson-cost-blind",
    );
  });
});
