import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { budgetedSelection } from "../../../src/select/strategies/budgeted-selection.js";
import { gapSelection, normalCdf } from "../../../src/select/strategies/gap-selection.js";
import { naiveSelection } from "../../../src/select/strategies/naive-selection.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";
import type { SelectionArms } from "../../../src/select/strategies/selection-strategy.js";

/**
 * 0/1 outcomes driven partly by a shared item difficulty (models agree on easy and hard
 * items, as on real benchmarks) and partly by per-arm luck; probes are counted.
 */
function benchmarkArms(strengths: readonly number[], itemCount: number, seed: number) {
  const random = seededRandom(seed);
  const difficulty = Array.from({ length: itemCount }, () => random.next());
  const matrix: number[][] = strengths.map((strength) =>
    difficulty.map((value) => (0.6 * value + 0.4 * random.next() < strength ? 1 : 0)),
  );
  const means = matrix.map((row) => row.reduce((sum, value) => sum + value, 0) / itemCount);
  let probes = 0;
  const probed = new Set<string>();
  const arms: SelectionArms & { probes(): number; repeats(): number; means: number[] } = {
    armCount: strengths.length,
    itemCount,
    probe: async (arm, item) => {
      probes++;
      probed.add(`${arm}:${item}`);
      return matrix[arm]?.[item] as number;
    },
    probes: () => probes,
    /** Probes that asked for an (arm, item) outcome already seen. */
    repeats: () => probes - probed.size,
    means,
  };
  return arms;
}

const regretPoints = (means: readonly number[], winner: number) =>
  100 * (Math.max(...means) - (means[winner] as number));

const strengths = [0.3, 0.4, 0.45, 0.5, 0.55, 0.61, 0.64];

describe("normalCdf", () => {
  it("matches known values of the standard normal distribution", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 6);
    expect(normalCdf(-12)).toBe(0);
    expect(normalCdf(12)).toBe(1);
  });
});

describe("gapSelection", () => {
  it("says every item was probed when a budget of exactly that ran out", async () => {
    // Two arms that tie on every item: nothing tells them apart before the last item.
    const arms: SelectionArms = { armCount: 2, itemCount: 30, probe: async () => 1 };
    const exact = await gapSelection(arms, { maxProbes: 60, seed: 1 });
    expect(exact.probesSpent).toBe(60);
    expect(exact.stopReason).toBe("exhausted-items");
    const short = await gapSelection(arms, { maxProbes: 40, seed: 1 });
    expect(short.stopReason).toBe("budget");
  });

  it("never exceeds maxProbes, never re-probes an item, and spends the budget it is given", async () => {
    for (const maxProbes of [0, 1, 7, 33, 100, 257, 1000]) {
      for (const priors of [undefined, strengths.map((s, i) => (i % 2 === 0 ? s : null))]) {
        const arms = benchmarkArms(strengths, 200, maxProbes);
        const result = await gapSelection(arms, {
          maxProbes,
          seed: 1,
          ...(priors ? { priors } : {}),
        });
        expect(arms.probes()).toBeLessThanOrEqual(maxProbes);
        expect(result.probesSpent).toBe(arms.probes());
        expect(arms.repeats()).toBe(0);
        // Racing may stop early; this strategy uses the budget (an odd last probe can be left).
        if (maxProbes >= 7 * 20) expect(result.probesSpent).toBeGreaterThanOrEqual(maxProbes - 1);
      }
    }
  });

  it("finds the best arm of the items with an exhaustive budget", async () => {
    for (let trial = 0; trial < 5; trial++) {
      const arms = benchmarkArms(strengths, 120, 50 + trial);
      const result = await gapSelection(arms, { seed: trial });
      expect(result.probesSpent).toBeLessThanOrEqual(7 * 120);
      expect(regretPoints(arms.means, result.winnerIndex)).toBeLessThanOrEqual(1);
    }
  });

  it("picks within 1 point of the best more often than naive and racing at the same budget", async () => {
    let gap = 0;
    let naive = 0;
    let racing = 0;
    for (let trial = 0; trial < 60; trial++) {
      const arms = benchmarkArms(strengths, 500, 300 + trial);
      const maxProbes = Math.floor(0.15 * 7 * 500);
      const picked = await gapSelection(arms, { maxProbes, seed: trial });
      expect(picked.probesSpent).toBeLessThanOrEqual(maxProbes);
      if (regretPoints(arms.means, picked.winnerIndex) <= 1) gap++;
      const baseline = await naiveSelection(arms, { maxProbes, seed: trial });
      if (regretPoints(arms.means, baseline.winnerIndex) <= 1) naive++;
      const raced = await budgetedSelection(arms, { maxProbes, seed: trial });
      if (regretPoints(arms.means, raced.winnerIndex) <= 1) racing++;
    }
    expect(gap).toBeGreaterThan(naive);
    expect(gap).toBeGreaterThanOrEqual(racing);
    expect(gap).toBeGreaterThanOrEqual(50);
  });

  it("gains from a prior measured on other items, and combines it", async () => {
    let withPriors = 0;
    let without = 0;
    for (let trial = 0; trial < 40; trial++) {
      const arms = benchmarkArms(strengths, 500, 100 + trial);
      const priors = benchmarkArms(strengths, 1000, 900 + trial).means;
      const maxProbes = Math.floor(0.1 * 7 * 500);
      const informed = await gapSelection(arms, { maxProbes, seed: trial, priors });
      const plain = await gapSelection(arms, { maxProbes, seed: trial });
      expect(informed.priors?.combined).toBe(true);
      if (regretPoints(arms.means, informed.winnerIndex) <= 1) withPriors++;
      if (regretPoints(arms.means, plain.winnerIndex) <= 1) without++;
    }
    expect(withPriors).toBeGreaterThan(without);
    expect(withPriors).toBeGreaterThanOrEqual(38);
  });

  it("does not combine a prior that ranks the arms backwards", async () => {
    for (let trial = 0; trial < 10; trial++) {
      const arms = benchmarkArms(strengths, 500, 200 + trial);
      const backwards = strengths.map((strength) => 1 - strength);
      const misled = await gapSelection(arms, {
        maxProbes: Math.floor(0.25 * 7 * 500),
        seed: trial,
        priors: backwards,
      });
      expect(misled.priors).toMatchObject({ combined: false, armsWithPriors: 7, notProbed: [] });
      expect(misled.priors?.reason).toMatch(/against the measurements/);
      expect(regretPoints(arms.means, misled.winnerIndex)).toBeLessThanOrEqual(5);
    }
  });

  it("races only the best-prior arms when the budget cannot cover them all", async () => {
    const many = Array.from({ length: 60 }, (_, index) => 0.2 + index * 0.01);
    const arms = benchmarkArms(many, 40, 4);
    const priors = benchmarkArms(many, 400, 5).means;
    const maxProbes = Math.floor(0.2 * 60 * 40);
    const result = await gapSelection(arms, { maxProbes, seed: 4, priors });
    expect(arms.probes()).toBeLessThanOrEqual(maxProbes);
    // Half of 480 probes gives 20-item first batches to 12 arms; the other 48 are never probed.
    expect(result.priors?.notProbed).toHaveLength(48);
    for (const arm of result.priors?.notProbed ?? []) expect(result.perArm[arm]?.probes).toBe(0);
    const raced = many.map((_, index) => index).filter((i) => (result.perArm[i]?.probes ?? 0) > 0);
    const lowestRacedPrior = Math.min(...raced.map((index) => priors[index] as number));
    for (const arm of result.priors?.notProbed ?? [])
      expect(priors[arm] as number).toBeLessThanOrEqual(lowestRacedPrior);
    expect(raced).toContain(result.winnerIndex);
  });

  it("with nothing probed, picks the highest prior", async () => {
    const arms = benchmarkArms(strengths, 100, 7);
    const priors = [null, null, null, 0.2, 0.9, null, 0.5];
    const blind = await gapSelection(arms, { maxProbes: 0, priors });
    expect(blind.winnerIndex).toBe(4);
    expect(blind.probesSpent).toBe(0);
  });

  it("rejects priors of the wrong length or non-finite values", async () => {
    const arms = benchmarkArms(strengths, 50, 6);
    await expect(gapSelection(arms, { priors: [0.1, 0.2] })).rejects.toThrow(
      /priors has 2 entries for 7 arms/,
    );
    await expect(
      gapSelection(arms, { priors: [0.1, 0.2, Number.NaN, null, null, null, null] }),
    ).rejects.toBeInstanceOf(ModelScoutError);
  });
});
