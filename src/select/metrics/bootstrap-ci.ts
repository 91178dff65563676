/**
 * @module
 * Percentile-bootstrap 95% intervals for quality figures that are not a plain proportion:
 * mean token F1, corpus CER/WER (a ratio of sums), macro-F1 (a mean over classes), MRR.
 * Items are resampled with replacement and the statistic recomputed; the seed is fixed so a
 * decision replays to the same interval. For 0/1 outcomes use `proportionCi` (Wilson) instead.
 */
import { seededRandom } from "../strategies/seeded-random.js";

export interface BootstrapOptions {
  /** Resamples drawn (default 1000). */
  resamples?: number;
  /** Seed of the resampling (default 1). */
  seed?: number;
}

/**
 * 95% interval of `statistic` over `itemCount` items, clipped to [0, 1]. The statistic gets
 * the resampled item indices. Zero items give [0, 1] (nothing is known).
 */
export function bootstrapCi(
  itemCount: number,
  statistic: (indices: readonly number[]) => number,
  options: BootstrapOptions = {},
): [number, number] {
  if (itemCount === 0) return [0, 1];
  const resamples = options.resamples ?? 1000;
  const random = seededRandom(options.seed ?? 1);
  const values = new Float64Array(resamples);
  const indices = new Array<number>(itemCount).fill(0);
  for (let resample = 0; resample < resamples; resample++) {
    for (let draw = 0; draw < itemCount; draw++) {
      indices[draw] = Math.floor(random.next() * itemCount);
    }
    values[resample] = statistic(indices);
  }
  values.sort();
  const at = (quantile: number) =>
    values[Math.min(resamples - 1, Math.floor(quantile * resamples))] as number;
  return [Math.max(0, at(0.025)), Math.min(1, at(0.975))];
}

/** 95% bootstrap interval of the mean of 0..1 `values`. */
export function bootstrapMeanCi(
  values: readonly number[],
  options: BootstrapOptions = {},
): [number, number] {
  return bootstrapCi(
    values.length,
    (indices) =>
      indices.reduce((sum, index) => sum + (values[index] as number), 0) / indices.length,
    options,
  );
}
