/**
 * @module
 * The reference strategy: probe every arm on every item and pick the best mean. Its cost
 * (arms x items probes) is the 100% that budgets are expressed against.
 */

import type { SelectionArms, SelectionResult } from "./selection-strategy.js";
import { summarizeArm } from "./summarize-arm.js";

export async function exhaustiveSelection(arms: SelectionArms): Promise<SelectionResult> {
  const outcomes: number[][] = [];
  for (let arm = 0; arm < arms.armCount; arm++) {
    const row: number[] = [];
    for (let item = 0; item < arms.itemCount; item++) row.push(await arms.probe(arm, item));
    outcomes.push(row);
  }
  const perArm = outcomes.map((row) => summarizeArm(row));
  return {
    winnerIndex: bestMeanIndex(perArm.map((arm) => arm.mean)),
    probesSpent: arms.armCount * arms.itemCount,
    perArm,
    stopReason: "exhausted-items",
  };
}

/** Index of the highest mean; the lowest index wins ties so results are deterministic. */
export function bestMeanIndex(means: readonly number[]): number {
  let best = 0;
  for (let index = 1; index < means.length; index++) {
    if ((means[index] ?? Number.NEGATIVE_INFINITY) > (means[best] ?? Number.NEGATIVE_INFINITY))
      best = index;
  }
  return best;
}
