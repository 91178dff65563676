import { describe, expect, it } from "vitest";
import { createReplayBackend } from "../../../src/backends/replay/replay-backend.js";
import { readReplayDataset } from "../../../src/backends/replay/replay-dataset.js";
import { budgetedSelection } from "../../../src/select/strategies/budgeted-selection.js";
import { exhaustiveSelection } from "../../../src/select/strategies/exhaustive-selection.js";
import { naiveSelection } from "../../../src/select/strategies/naive-selection.js";
import { seededRandom } from "../../../src/select/strategies/seeded-random.js";
import type { SelectionArms } from "../../../src/select/strategies/selection-strategy.js";

/** Bernoulli arms with known means; outcomes are fixed per (arm, item) and probes are counted. */
function syntheticArms(means: readonly number[], itemCount: number, seed: number) {
  const random = seededRandom(seed);
  const difficulty = Array.from({ length: itemCount }, () => random.next());
  // Shared item difficulty makes outcomes correlated across arms, as with real benchmarks.
  const matrix = means.map((mean) => difficulty.map((value) => (value < mean ? 1 : 0)));
  let probes = 0;
  const arms: SelectionArms & { probes(): number } = {
    armCount: means.length,
    itemCount,
    probe: async (arm, item) => {
      probes++;
      return matrix[arm]?.[item] as number;
    },
    probes: () => probes,
  };
  return arms;
}

/** Independent noise per arm: harder for racing than shared difficulty. */
function independentArms(means: readonly number[], itemCount: number, seed: number): SelectionArms {
  const random = seededRandom(seed);
  const matrix = means.map((mean) =>
    Array.from({ length: itemCount }, () => (random.next() < mean ? 1 : 0)),
  );
  return {
    armCount: means.length,
    itemCount,
    probe: async (arm, item) => matrix[arm]?.[item] as number,
  };
}

describe("exhaustiveSelection", () => {
  it("probes everything and picks the best mean", async () => {
    const arms = syntheticArms([0.3, 0.8, 0.5], 50, 1);
    const result = await exhaustiveSelection(arms);
    expect(result.winnerIndex).toBe(1);
    expect(result.probesSpent).toBe(150);
    expect(arms.probes()).toBe(150);
    // 50 draws of a 0.8 Bernoulli: within 0.15 of 0.8 (3.5 standard errors).
    expect(Math.abs((result.perArm[1]?.mean ?? 0) - 0.8)).toBeLessThan(0.15);
    const [low, high] = result.perArm[1]?.ci ?? [0, 0];
    expect(low).toBeLessThanOrEqual(result.perArm[1]?.mean ?? -1);
    expect(high).toBeGreaterThanOrEqual(result.perArm[1]?.mean ?? 2);
  });
});

describe("naiveSelection", () => {
  it("probes every arm on the same floor(budget / arms) items", async () => {
    const arms = syntheticArms([0.2, 0.9, 0.5, 0.4], 100, 2);
    const result = await naiveSelection(arms, { maxProbes: 50, seed: 3 });
    expect(result.probesSpent).toBe(48);
    expect(arms.probes()).toBe(48);
    expect(result.perArm.map((arm) => arm.probes)).toEqual([12, 12, 12, 12]);
    expect(result.winnerIndex).toBe(1);
  });

  it("is reproducible for a seed", async () => {
    const first = await naiveSelection(independentArms([0.5, 0.52], 200, 4), {
      itemsPerArm: 20,
      seed: 9,
    });
    const second = await naiveSelection(independentArms([0.5, 0.52], 200, 4), {
      itemsPerArm: 20,
      seed: 9,
    });
    expect(second).toEqual(first);
  });
});

describe("budgetedSelection", () => {
  it("picks the best arm on a clear gap in nearly every seeded trial, within its budget", async () => {
    let correct = 0;
    for (let trial = 0; trial < 40; trial++) {
      const arms = independentArms([0.4, 0.5, 0.75, 0.45, 0.3], 400, trial);
      const result = await budgetedSelection(arms, { maxProbes: 600, seed: trial });
      expect(result.probesSpent).toBeLessThanOrEqual(600);
      if (result.winnerIndex === 2) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(38);
  });

  it("never exceeds maxProbes, even when no arm can be told apart", async () => {
    for (const maxProbes of [0, 1, 7, 33, 100, 257]) {
      const arms = syntheticArms([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 1000, maxProbes);
      const result = await budgetedSelection(arms, { maxProbes, seed: 1 });
      expect(arms.probes()).toBeLessThanOrEqual(maxProbes);
      expect(result.probesSpent).toBe(arms.probes());
    }
  });

  it("stops early on a clear leader and eliminates the others", async () => {
    const arms = syntheticArms([0.1, 0.95, 0.2, 0.15], 2000, 5);
    const result = await budgetedSelection(arms, { seed: 5 });
    expect(result.winnerIndex).toBe(1);
    expect(result.probesSpent).toBeLessThan(0.05 * 4 * 2000);
    expect(["single-survivor", "leader-clear"]).toContain(result.stopReason);
    for (const arm of [0, 2, 3])
      expect(result.perArm[arm]?.eliminatedAtRound).toBeGreaterThanOrEqual(1);
    expect(result.perArm[1]?.eliminatedAtRound).toBeUndefined();
  });

  it("equals exhaustive evaluation when the budget allows everything and arms tie", async () => {
    const arms = syntheticArms([0.6, 0.6, 0.6], 30, 6);
    const result = await budgetedSelection(arms, { seed: 6 });
    expect(result.stopReason).toBe("exhausted-items");
    expect(result.probesSpent).toBe(90);
  });

  it("with Bernstein bounds still picks the clear winner given enough items", async () => {
    const arms = syntheticArms([0.1, 0.9], 3000, 7);
    const result = await budgetedSelection(arms, { bound: "bernstein", seed: 7 });
    expect(result.winnerIndex).toBe(1);
    expect(result.perArm[0]?.eliminatedAtRound).toBeDefined();
  });
});

describe("strategies on real replayed outcomes", () => {
  it("budgeted selection through replay backends finds gsm8k-train's exhaustive winner with 15% of the probes", async () => {
    const dataset = await readReplayDataset("/work/shared/data/routerdc-7llm/gsm8k-train.json");
    const backends = dataset.models.map((model) => createReplayBackend(dataset, model));
    const arms: SelectionArms = {
      armCount: backends.length,
      itemCount: dataset.items.length,
      probe: async (arm, item) =>
        (backends[arm] as (typeof backends)[number]).scoreFor(
          dataset.items[item]?.question as string,
        ),
    };
    const exhaustive = await exhaustiveSelection(arms);
    const maxProbes = Math.floor(0.15 * exhaustive.probesSpent);
    const budgeted = await budgetedSelection(arms, { maxProbes, seed: 11 });
    expect(budgeted.probesSpent).toBeLessThanOrEqual(maxProbes);
    const regretPoints =
      100 *
      ((exhaustive.perArm[exhaustive.winnerIndex]?.mean ?? 0) -
        (exhaustive.perArm[budgeted.winnerIndex]?.mean ?? 0));
    expect(regretPoints).toBeLessThanOrEqual(1);
  });
});
