import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { budgetedSelection } from "../../../src/select/strategies/budgeted-selection.js";
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
  const arms: SelectionArms & { probes(): number; means: number[] } = {
    armCount: strengths.length,
    itemCount,
    probe: async (arm, item) => {
      probes++;
      return matrix[arm]?.[item] as number;
    },
    probes: () => probes,
    means,
  };
  return arms;
}

const regretPoints = (means: readonly number[], winner: number) =>
  100 * (Math.max(...means) - (means[winner] as number));

describe("budgetedSelection with priors", () => {
  const strengths = [0.3, 0.4, 0.45, 0.5, 0.55, 0.61, 0.64];

  it("picks within 1 point of the best more often with a prior measured on other items", async () => {
    let withPriors = 0;
    let without = 0;
    for (let trial = 0; trial < 40; trial++) {
      const arms = benchmarkArms(strengths, 500, 100 + trial);
      // The same models on another 1,000 items: a "train split", never the items raced.
      const priors = benchmarkArms(strengths, 1000, 900 + trial).means;
      const maxProbes = Math.floor(0.1 * 7 * 500);
      const informed = await budgetedSelection(arms, { maxProbes, seed: trial, priors });
      const plain = await budgetedSelection(arms, { maxProbes, seed: trial });
      expect(informed.probesSpent).toBeLessThanOrEqual(maxProbes);
      expect(informed.priors?.combined).toBe(true);
      if (regretPoints(arms.means, informed.winnerIndex) <= 1) withPriors++;
      if (regretPoints(arms.means, plain.winnerIndex) <= 1) without++;
    }
    expect(withPriors).toBeGreaterThanOrEqual(without + 6);
    expect(withPriors).toBeGreaterThanOrEqual(37);
  });

  it("does not combine a prior that ranks the arms backwards, and then picks as without priors", async () => {
    for (let trial = 0; trial < 10; trial++) {
      const arms = benchmarkArms(strengths, 500, 200 + trial);
      const backwards = strengths.map((strength) => 1 - strength);
      const maxProbes = Math.floor(0.25 * 7 * 500);
      const misled = await budgetedSelection(arms, { maxProbes, seed: trial, priors: backwards });
      const plain = await budgetedSelection(arms, { maxProbes, seed: trial });
      expect(misled.priors).toMatchObject({ combined: false, armsWithPriors: 7, notProbed: [] });
      expect(misled.priors?.reason).toMatch(/against the measurements/);
      expect(misled.winnerIndex).toBe(plain.winnerIndex);
      expect(misled.probesSpent).toBe(plain.probesSpent);
    }
  });

  it("uses priors known for too few arms only to break exact ties, and says why", async () => {
    const arms = benchmarkArms(strengths, 300, 3);
    const priors = [null, null, null, 0.2, 0.9, null, 0.5];
    const result = await budgetedSelection(arms, { maxProbes: 300, seed: 3, priors });
    expect(result.priors).toMatchObject({ combined: false, armsWithPriors: 3 });
    expect(result.priors?.reason).toMatch(/5 are needed/);
    // With nothing probed, the highest prior is the only evidence.
    const blind = await budgetedSelection(arms, { maxProbes: 0, priors });
    expect(blind.winnerIndex).toBe(4);
    expect(blind.probesSpent).toBe(0);
  });

  it("races only the best-prior arms when the budget cannot cover them all, within maxProbes", async () => {
    const many = Array.from({ length: 60 }, (_, index) => 0.2 + index * 0.01);
    const arms = benchmarkArms(many, 40, 4);
    const priors = benchmarkArms(many, 400, 5).means;
    const maxProbes = Math.floor(0.1 * 60 * 40);
    const result = await budgetedSelection(arms, { maxProbes, seed: 4, priors });
    expect(arms.probes()).toBeLessThanOrEqual(maxProbes);
    expect(result.probesSpent).toBe(arms.probes());
    // Half of 240 probes gives 10-item first batches to 12 arms; the other 48 are never probed.
    expect(result.priors?.notProbed).toHaveLength(48);
    for (const arm of result.priors?.notProbed ?? []) expect(result.perArm[arm]?.probes).toBe(0);
    const raced = many
      .map((_, index) => index)
      .filter((index) => (result.perArm[index]?.probes ?? 0) > 0);
    const lowestRacedPrior = Math.min(...raced.map((index) => priors[index] as number));
    for (const arm of result.priors?.notProbed ?? [])
      expect(priors[arm] as number).toBeLessThanOrEqual(lowestRacedPrior);
    expect(raced).toContain(result.winnerIndex);
    expect(regretPoints(arms.means, result.winnerIndex)).toBeLessThanOrEqual(10);
  });

  it("never exceeds maxProbes with priors, whatever the budget", async () => {
    for (const maxProbes of [0, 1, 7, 33, 100, 257, 1000]) {
      const arms = benchmarkArms(strengths, 200, maxProbes);
      const priors = strengths.map((strength, index) => (index % 2 === 0 ? strength : null));
      const result = await budgetedSelection(arms, { maxProbes, seed: 1, priors });
      expect(arms.probes()).toBeLessThanOrEqual(maxProbes);
      expect(result.probesSpent).toBe(arms.probes());
    }
  });

  it("rejects priors of the wrong length or non-finite values", async () => {
    const arms = benchmarkArms(strengths, 50, 6);
    await expect(budgetedSelection(arms, { priors: [0.1, 0.2] })).rejects.toThrow(
      /priors has 2 entries for 7 arms/,
    );
    await expect(
      budgetedSelection(arms, { priors: [0.1, 0.2, Number.NaN, null, null, null, null] }),
    ).rejects.toBeInstanceOf(ModelScoutError);
  });
});
