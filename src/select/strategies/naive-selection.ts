/**
 * @module
 * The baseline: pick `k` random items, probe every arm on them, take the best mean. With a
 * budget, `k = floor(maxProbes / arms)` so it spends what the budgeted strategy may spend.
 */
import { bestMeanIndex } from "./exhaustive-selection.js";
import { seededRandom } from "./seeded-random.js";
import type { SelectionArms, SelectionResult } from "./selection-strategy.js";
import { summarizeArm } from "./summarize-arm.js";

export interface NaiveSelectionOptions {
  /** Items to sample; defaults to what `maxProbes` allows. */
  itemsPerArm?: number;
  maxProbes?: number;
  seed?: number;
}

export async function naiveSelection(
  arms: SelectionArms,
  options: NaiveSelectionOptions = {},
): Promise<SelectionResult> {
  const fromBudget =
    options.maxProbes === undefined
      ? arms.itemCount
      : Math.floor(options.maxProbes / arms.armCount);
  const itemCount = Math.max(
    0,
    Math.min(arms.itemCount, options.itemsPerArm ?? fromBudget, fromBudget),
  );
  const order = seededRandom(options.seed ?? 1).shuffle(
    Array.from({ length: arms.itemCount }, (_, index) => index),
  );
  const items = order.slice(0, itemCount);
  const outcomes: number[][] = [];
  for (let arm = 0; arm < arms.armCount; arm++) {
    const row: number[] = [];
    for (const item of items) row.push(await arms.probe(arm, item));
    outcomes.push(row);
  }
  const perArm = outcomes.map((row) => summarizeArm(row));
  return {
    winnerIndex: bestMeanIndex(perArm.map((arm) => (arm.probes === 0 ? 0 : arm.mean))),
    probesSpent: itemCount * arms.armCount,
    perArm,
    stopReason: itemCount === arms.itemCount ? "exhausted-items" : "budget",
  };
}
