/**
 * @module
 * Confidence half-widths for bounded outcomes. Empirical Bernstein (Maurer & Pontil 2009)
 * rather than Hoeffding: LLM outcomes on a benchmark are mostly 0/1 with a mean far from 0.5,
 * and pairwise differences between models are often 0, so the sample variance is small and
 * Bernstein bounds shrink much faster than the range-only Hoeffding bound.
 */

/**
 * Half-width of a two-sided interval of level 1 - `delta` around the mean of `count` samples
 * with sample variance `variance` and range `range` (1 for outcomes, 2 for differences).
 */
export function confidenceBounds(
  count: number,
  variance: number,
  range: number,
  delta: number,
): number {
  if (count < 2) return range;
  const logTerm = Math.log(4 / delta);
  return Math.sqrt((2 * variance * logTerm) / count) + (7 * range * logTerm) / (3 * (count - 1));
}
