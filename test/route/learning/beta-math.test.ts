import { describe, expect, it } from "vitest";
import {
  betaCdf,
  logGamma,
  probabilityBelow,
  probabilityBelowApproximate,
  sampleBeta,
} from "../../../src/route/learning/beta-math.js";
import {
  addReward,
  decayTo,
  EMPTY_DECAYED_BETA,
  effectiveCount,
} from "../../../src/route/learning/decayed-beta.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";

describe("beta arithmetic", () => {
  it("computes log-gamma and the Beta CDF at known values", () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
    expect(betaCdf(0.37, 1, 1)).toBeCloseTo(0.37, 12);
    expect(betaCdf(0.5, 3, 3)).toBeCloseTo(0.5, 12);
    // I_0.3(2, 5) = 1 - sum_{j<2} C(6,j) 0.3^j 0.7^(6-j) = 0.579825
    expect(betaCdf(0.3, 2, 5)).toBeCloseTo(0.579825, 6);
    expect(betaCdf(0, 2, 5)).toBe(0);
    expect(betaCdf(1, 2, 5)).toBe(1);
  });

  it("draws Beta variates with the right mean and variance", () => {
    const random = seededRandom(7).next;
    for (const [alpha, beta] of [
      [0.5, 0.5],
      [2, 8],
      [40, 15],
    ] as const) {
      const draws = Array.from({ length: 40_000 }, () => sampleBeta(alpha, beta, random));
      const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
      const variance = draws.reduce((sum, value) => sum + (value - mean) ** 2, 0) / draws.length;
      const total = alpha + beta;
      expect(mean).toBeCloseTo(alpha / total, 2);
      expect(variance).toBeCloseTo((alpha * beta) / (total * total * (total + 1)), 3);
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...draws)).toBeLessThanOrEqual(1);
    }
  });

  it("computes P(X < Y - gap) in agreement with Monte Carlo, on both code paths", () => {
    const random = seededRandom(11).next;
    const cases = [
      { lower: { alpha: 3, beta: 40 }, upper: { alpha: 8, beta: 35 }, gap: 0.02 },
      { lower: { alpha: 30, beta: 20 }, upper: { alpha: 33, beta: 17 }, gap: 0 },
      // Shapes below 1 take the exact-CDF path (densities unbounded at 0).
      { lower: { alpha: 0.5, beta: 60 }, upper: { alpha: 4, beta: 30 }, gap: 0.01 },
    ];
    for (const { lower, upper, gap } of cases) {
      let below = 0;
      const draws = 200_000;
      for (let index = 0; index < draws; index++) {
        if (
          sampleBeta(lower.alpha, lower.beta, random) <
          sampleBeta(upper.alpha, upper.beta, random) - gap
        ) {
          below++;
        }
      }
      expect(Math.abs(probabilityBelow(lower, upper, gap) - below / draws)).toBeLessThan(0.004);
      expect(Math.abs(probabilityBelowApproximate(lower, upper, gap) - below / draws)).toBeLessThan(
        0.05,
      );
    }
    expect(probabilityBelow({ alpha: 10, beta: 10 }, { alpha: 10, beta: 10 })).toBeCloseTo(0.5, 3);
  });
});

describe("decayed evidence", () => {
  const day = 86_400_000;

  it("halves after one half-life and is order independent", () => {
    const one = addReward(EMPTY_DECAYED_BETA, 1, 0, day);
    expect(decayTo(one, day, day).successes).toBeCloseTo(0.5, 12);
    expect(decayTo(one, 3 * day, day).successes).toBeCloseTo(0.125, 12);
    const inOrder = addReward(addReward(EMPTY_DECAYED_BETA, 1, 0, day), 0.25, day, day);
    const reversed = addReward(addReward(EMPTY_DECAYED_BETA, 0.25, day, day), 1, 0, day);
    expect(reversed.successes).toBeCloseTo(inOrder.successes, 12);
    expect(reversed.failures).toBeCloseTo(inOrder.failures, 12);
    expect(effectiveCount(inOrder)).toBeCloseTo(1.5, 12);
    expect(inOrder.observations).toBe(2);
  });

  it("takes a reward out again and keeps everything without decay", () => {
    const both = addReward(addReward(EMPTY_DECAYED_BETA, 0.8, 0, day), 0.3, day, day);
    const removed = addReward(both, 0.8, 0, day, -1);
    expect(removed.successes).toBeCloseTo(0.3, 12);
    expect(removed.failures).toBeCloseTo(0.7, 12);
    expect(removed.observations).toBe(1);
    const forever = addReward(EMPTY_DECAYED_BETA, 1, 0, Number.POSITIVE_INFINITY);
    expect(decayTo(forever, 1e12, Number.POSITIVE_INFINITY).successes).toBe(1);
  });
});
