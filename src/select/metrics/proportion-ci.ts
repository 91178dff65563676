/**
 * @module
 * Confidence intervals for 0..1 quality figures on the probed items. `proportionCi` is the
 * Wilson score interval for a proportion (accuracy, exact match, kNN accuracy): unlike the
 * normal "p ± 1.96·sqrt(p(1-p)/n)" interval it stays inside [0, 1] and does not collapse to
 * zero width at 10/10 correct, which matters with the few probes a budgeted run spends.
 * Graded figures (token F1, CER, macro-F1) use `bootstrap-ci.ts`.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";

/** Two-sided 95% normal quantile. */
const Z_95 = 1.959963984540054;

/**
 * Wilson 95% interval for `successes` out of `n`. Zero items give [0, 1] (nothing is known).
 * Fractional successes (a sum of 0..1 outcomes) are accepted and give an approximate interval.
 */
export function proportionCi(successes: number, n: number): [number, number] {
  if (!Number.isFinite(successes) || !Number.isFinite(n) || n < 0 || successes < 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `proportionCi: successes and n must be finite numbers >= 0 (got ${successes} of ${n}).`,
    );
  }
  if (successes > n) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `proportionCi: successes (${successes}) cannot exceed n (${n}).`,
    );
  }
  if (n === 0) return [0, 1];
  const proportion = successes / n;
  const zSquared = Z_95 * Z_95;
  const denominator = 1 + zSquared / n;
  const centre = (proportion + zSquared / (2 * n)) / denominator;
  const halfWidth =
    (Z_95 * Math.sqrt((proportion * (1 - proportion)) / n + zSquared / (4 * n * n))) / denominator;
  // At 0/n and n/n the bound is exactly 0 or 1; rounding would otherwise leave 0.9999999999999999.
  return [
    successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    successes === n ? 1 : Math.min(1, centre + halfWidth),
  ];
}
