/**
 * @module
 * Which arms a budget can race. When the budget cannot give every arm two first batches,
 * only the best-prior arms are raced: as many as half the budget can give a first batch,
 * never fewer than it takes to check the priors against the measurements. Many arms on a
 * few items each would hand the pick to whichever arm was luckiest on those items. An arm
 * without a prior is neither favoured nor dropped: it ranks as the median prior. Shared by
 * the racing and gap strategies so both cut the field the same way.
 */

export function chooseRacedArms(options: {
  armCount: number;
  priors: readonly (number | null)[] | undefined;
  maxProbes: number;
  /** Items per arm in the first batch. */
  firstBatch: number;
  minPriorArms: number;
}): { raced: number[]; notProbed: number[] } {
  const { armCount, priors, maxProbes, firstBatch, minPriorArms } = options;
  const all = Array.from({ length: armCount }, (_, index) => index);
  const known = (priors ?? []).filter((prior): prior is number => prior !== null);
  if (known.length === 0 || maxProbes >= armCount * firstBatch * 2) {
    return { raced: all, notProbed: [] };
  }
  const count = Math.max(minPriorArms, 2, Math.floor(maxProbes / (2 * firstBatch)));
  if (count >= armCount) return { raced: all, notProbed: [] };
  const sorted = [...known].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const priorOf = (arm: number) => priors?.[arm] ?? median;
  const ranked = [...all].sort((a, b) => priorOf(b) - priorOf(a) || a - b);
  return {
    raced: ranked.slice(0, count).sort((a, b) => a - b),
    notProbed: ranked.slice(count).sort((a, b) => a - b),
  };
}
