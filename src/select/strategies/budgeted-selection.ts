/**
 * @module
 * The budgeted strategy: paired racing. Each round probes every surviving arm on the same new
 * batch of items (batches grow geometrically, like successive halving's doubling budgets), then
 * compares each arm with the leader on their *paired* differences: models agree on most items
 * (easy items are right for all, hard ones wrong for all), so the difference has far less
 * variance than either mean and a gap shows up with fewer probes. An arm whose upper bound on
 * (arm - leader) falls below 0 is eliminated; the race stops early when every challenger's
 * upper bound is below `epsilon` (the leader is within `epsilon` of the best with confidence),
 * when one arm is left, when the items run out or when `maxProbes` would be exceeded.
 *
 * The bound is a Gaussian (CLT) interval by default with a Bonferroni correction over arms and
 * rounds: at the budgets that matter (tens of items per arm) empirical-Bernstein intervals
 * are still wider than the whole range and never eliminate anything. `bound: "bernstein"`
 * gives the distribution-free version for callers that need a guarantee over speed.
 */
import { confidenceBounds } from "./confidence-bounds.js";
import { seededRandom } from "./seeded-random.js";
import type { ArmSummary, SelectionArms, SelectionResult } from "./selection-strategy.js";
import { summarizeArm } from "./summarize-arm.js";

export interface BudgetedSelectionOptions {
  /** Never spend more probes than this. Default: exhaustive (arms x items). */
  maxProbes?: number;
  /** Error probability shared over all comparisons of the race. Default 0.05. */
  delta?: number;
  /** Indifference zone on the 0..1 scale: stop once no challenger can beat the leader by more. Default 0.01. */
  epsilon?: number;
  /** Items per arm in the first round. Default 10. */
  initialItems?: number;
  /** Factor by which the batch grows each round. Default 1.5. */
  growth?: number;
  bound?: "gaussian" | "bernstein";
  seed?: number;
}

/** Two-sided standard normal quantile for error `delta` (Acklam's rational approximation). */
function normalQuantile(probability: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(probability, 1 - 1e-16);
  const tail = 1 - q;
  // Only the upper tail is needed (probability > 0.5).
  const r = Math.sqrt(-2 * Math.log(tail));
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (tail < 0.02425) {
    return (
      -(((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5) /
      ((((d0 * r + d1) * r + d2) * r + d3) * r + 1)
    );
  }
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const s = q - 0.5;
  const t = s * s;
  return (
    ((((((a0 * t + a1) * t + a2) * t + a3) * t + a4) * t + a5) * s) /
    (((((b0 * t + b1) * t + b2) * t + b3) * t + b4) * t + 1)
  );
}

function differenceHalfWidth(
  differences: readonly number[],
  delta: number,
  bound: "gaussian" | "bernstein",
): { mean: number; halfWidth: number } {
  const count = differences.length;
  const mean = differences.reduce((sum, value) => sum + value, 0) / count;
  const variance =
    count > 1 ? differences.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1) : 4;
  if (bound === "bernstein")
    return { mean, halfWidth: confidenceBounds(count, variance, 2, delta) };
  // The floor keeps a run of identical outcomes (variance 0) from looking like certainty.
  const flooredVariance = Math.max(variance, 1 / count);
  return { mean, halfWidth: normalQuantile(1 - delta / 2) * Math.sqrt(flooredVariance / count) };
}

export async function budgetedSelection(
  arms: SelectionArms,
  options: BudgetedSelectionOptions = {},
): Promise<SelectionResult> {
  const maxProbes = options.maxProbes ?? arms.armCount * arms.itemCount;
  const delta = options.delta ?? 0.05;
  const epsilon = options.epsilon ?? 0.01;
  const growth = options.growth ?? 1.5;
  const bound = options.bound ?? "gaussian";
  let batch = Math.max(1, options.initialItems ?? 10);
  const order = seededRandom(options.seed ?? 1).shuffle(
    Array.from({ length: arms.itemCount }, (_, index) => index),
  );
  const outcomes: number[][] = Array.from({ length: arms.armCount }, () => []);
  const eliminatedAt = new Map<number, number>();
  let survivors = Array.from({ length: arms.armCount }, (_, index) => index);
  let cursor = 0;
  let spent = 0;
  let round = 0;
  let stopReason: SelectionResult["stopReason"] = "budget";

  const meanOf = (arm: number) => {
    const row = outcomes[arm] ?? [];
    return row.length === 0 ? 0 : row.reduce((sum, value) => sum + value, 0) / row.length;
  };
  const leaderOf = () =>
    survivors.reduce(
      (best, arm) => (meanOf(arm) > meanOf(best) ? arm : best),
      survivors[0] as number,
    );

  for (;;) {
    if (survivors.length === 1) {
      stopReason = "single-survivor";
      break;
    }
    if (cursor >= arms.itemCount) {
      stopReason = "exhausted-items";
      break;
    }
    const itemsThisRound = Math.min(
      batch,
      arms.itemCount - cursor,
      Math.floor((maxProbes - spent) / survivors.length),
    );
    if (itemsThisRound <= 0) {
      stopReason = "budget";
      break;
    }
    round++;
    for (const item of order.slice(cursor, cursor + itemsThisRound)) {
      for (const arm of survivors) {
        (outcomes[arm] as number[]).push(await arms.probe(arm, item));
        spent++;
      }
    }
    cursor += itemsThisRound;
    batch = Math.ceil(batch * growth);

    const leader = leaderOf();
    const leaderRow = outcomes[leader] as number[];
    // Union bound: arms x rounds, with sum over rounds of 1/(r(r+1)) = 1.
    const deltaPerTest = delta / ((arms.armCount - 1) * round * (round + 1));
    let leaderClear = true;
    const next: number[] = [];
    for (const arm of survivors) {
      if (arm === leader) {
        next.push(arm);
        continue;
      }
      const row = outcomes[arm] as number[];
      // Survivors were probed on the same items in the same order, so rows align.
      const differences = row.map((value, index) => value - (leaderRow[index] as number));
      const { mean, halfWidth } = differenceHalfWidth(differences, deltaPerTest, bound);
      if (mean + halfWidth < 0) {
        eliminatedAt.set(arm, round);
        continue;
      }
      next.push(arm);
      if (mean + halfWidth >= epsilon) leaderClear = false;
    }
    survivors = next;
    if (survivors.length > 1 && leaderClear) {
      stopReason = "leader-clear";
      break;
    }
  }

  const perArm: ArmSummary[] = outcomes.map((row, arm) => {
    const summary = summarizeArm(row);
    const eliminatedAtRound = eliminatedAt.get(arm);
    return eliminatedAtRound === undefined ? summary : { ...summary, eliminatedAtRound };
  });
  return { winnerIndex: leaderOf(), probesSpent: spent, perArm, stopReason };
}
