/**
 * @module
 * How much a prior says about the outcomes on the user's data, learned from that data. A prior
 * is any per-arm number believed to rank the arms (a published score, a mean on another split,
 * past decisions), on any scale. It is mapped onto the outcome scale by a weighted straight-line
 * fit over the arms that have both a prior and measurements, and its error is what the fit
 * leaves unexplained beyond sampling noise (a random-effects meta-regression). The error is a
 * robust estimate, floored: the median of the squared residuals less their sampling noise,
 * scaled to a normal variance. One model with a speciality the prior misses (Llama 3 is 12
 * points better at MBPP than its HumanEval score says) would otherwise inflate the error of
 * every arm and leave a prior that ranks the others well with no weight.
 *
 * When the priors are the same metric measured elsewhere (another split of the benchmark,
 * earlier runs on the user's task), the slope is expected near 1, and a slope fitted on a few
 * short runs is noisy: the arms probed least are the ones whose first items went badly. The
 * `slopePrior` option then shrinks the fitted slope towards its mean (a ridge penalty on the
 * slope, i.e. a normal prior on it), so a lucky or unlucky start cannot flatten a prior that
 * has been right before.
 *
 * The fit is what keeps a wrong prior from deciding: a prior that ranks the arms against the
 * data gets a slope <= 0 and is not used; one that agrees only roughly gets a large error and
 * little weight. Fewer than `minArms` arms cannot tell a good prior from a lucky one, so the
 * prior is not used at all.
 */

export interface CalibrationPoint {
  /** The arm's prior, on the prior's own scale. */
  prior: number;
  /** Measured outcome of the arm minus that of the reference arm, on the outcome scale. */
  difference: number;
  /** Sampling variance of `difference` (0 for the reference arm itself). */
  variance: number;
}

export type PriorCalibration =
  | {
      calibrated: true;
      /** Outcome change per unit of prior. Always > 0. */
      slope: number;
      intercept: number;
      /** Variance of one arm's true outcome around the fitted line (>= floor²). */
      errorVariance: number;
      arms: number;
    }
  | { calibrated: false; reason: string; arms: number };

export interface CalibratePriorsOptions {
  /** Arms with a prior and data needed to fit the line and judge its error. Default 5. */
  minArms?: number;
  /** Smallest prior error assumed for one arm, on the outcome scale. Default 0.02 (2 points). */
  errorFloor?: number;
  /**
   * Belief about the slope before the fit: `mean` (1 for priors on the outcome's own scale)
   * and `sd` (how far it may be off). Omit for priors on another scale.
   */
  slopePrior?: SlopePrior;
}

export interface SlopePrior {
  mean: number;
  sd: number;
}

/**
 * The slope prior for priors on the outcome's own scale: near 1, and half of that either way
 * (a related benchmark can halve it: gsm8k-train means predict MATH prealgebra with slope
 * about 0.5). The spread was chosen on the selection benchmark's tuning seeds (7 and 8), among
 * 0.25 and 0.5.
 */
export const SAME_SCALE_SLOPE_PRIOR: SlopePrior = { mean: 1, sd: 0.5 };

/** Median of the squared residuals over that of a standard normal's square (0.4549). */
const MEDIAN_CHI_SQUARE_1 = 0.4549;

export function calibratePriors(
  points: readonly CalibrationPoint[],
  options: CalibratePriorsOptions = {},
): PriorCalibration {
  const minArms = Math.max(3, options.minArms ?? 5);
  const floorVariance = (options.errorFloor ?? 0.02) ** 2;
  const arms = points.length;
  if (arms < minArms) {
    return {
      calibrated: false,
      reason: `${arms} arm(s) have both a prior and measurements; ${minArms} are needed to tell how far the prior can be trusted`,
      arms,
    };
  }
  // Start from a plausible error (1 point) so the first weights are finite even with no noise.
  let errorVariance = Math.max(floorVariance, 1e-4);
  let slope = 0;
  let intercept = 0;
  // Weights depend on the error, the error on the fit: a few fixed-point steps settle both.
  for (let step = 0; step < 6; step++) {
    let weightSum = 0;
    let priorSum = 0;
    let differenceSum = 0;
    for (const point of points) {
      const weight = 1 / (point.variance + errorVariance + 1e-12);
      weightSum += weight;
      priorSum += weight * point.prior;
      differenceSum += weight * point.difference;
    }
    const priorMean = priorSum / weightSum;
    const differenceMean = differenceSum / weightSum;
    let covariance = 0;
    let spread = 0;
    for (const point of points) {
      const weight = 1 / (point.variance + errorVariance + 1e-12);
      covariance += weight * (point.prior - priorMean) * (point.difference - differenceMean);
      spread += weight * (point.prior - priorMean) ** 2;
    }
    if (spread <= 0) return { calibrated: false, reason: "every arm has the same prior", arms };
    const slopePrecision = options.slopePrior === undefined ? 0 : 1 / options.slopePrior.sd ** 2;
    slope =
      (covariance + slopePrecision * (options.slopePrior?.mean ?? 0)) / (spread + slopePrecision);
    intercept = differenceMean - slope * priorMean;
    // Robust error: the median excess of a squared residual over its sampling noise.
    const excess = points
      .map((point) => (point.difference - intercept - slope * point.prior) ** 2 - point.variance)
      .sort((a, b) => a - b);
    const median =
      excess.length % 2 === 1
        ? (excess[(excess.length - 1) / 2] as number)
        : ((excess[excess.length / 2 - 1] as number) + (excess[excess.length / 2] as number)) / 2;
    errorVariance = Math.max(floorVariance, median / MEDIAN_CHI_SQUARE_1);
  }
  if (!(slope > 0)) {
    return {
      calibrated: false,
      reason: "the priors rank the arms against the measurements (slope <= 0)",
      arms,
    };
  }
  return { calibrated: true, slope, intercept, errorVariance, arms };
}
