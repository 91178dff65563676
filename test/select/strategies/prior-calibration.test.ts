import { describe, expect, it } from "vitest";
import {
  type CalibrationPoint,
  calibratePriors,
  SAME_SCALE_SLOPE_PRIOR,
} from "../../../src/select/strategies/prior-calibration.js";

describe("calibratePriors", () => {
  it("maps priors onto the outcome scale and keeps the error at its floor when they fit exactly", () => {
    // Differences from the reference (prior 0.6) follow 0.5 * prior - 0.3 exactly.
    const points: CalibrationPoint[] = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((prior) => ({
      prior,
      difference: 0.5 * prior - 0.3,
      variance: prior === 0.6 ? 0 : 0.0001,
    }));
    const calibration = calibratePriors(points);
    expect(calibration.calibrated).toBe(true);
    if (!calibration.calibrated) return;
    expect(calibration.slope).toBeCloseTo(0.5, 6);
    expect(calibration.intercept).toBeCloseTo(-0.3, 6);
    expect(calibration.errorVariance).toBeCloseTo(0.02 ** 2, 10);
  });

  it("estimates the prior's error from what the line leaves unexplained beyond sampling noise", () => {
    // Residuals at the normal quantiles (i - 0.5) / 9, scaled to a 5-point spread, in an order
    // unrelated to the prior; no sampling noise.
    const quantiles = [-1.593, 0.282, -0.967, 0.589, 0, -0.589, 0.967, -0.282, 1.593];
    const points = quantiles.map((quantile, index) => ({
      prior: index / 10,
      difference: index / 10 + 0.05 * quantile,
      variance: 0,
    }));
    const calibration = calibratePriors(points, { errorFloor: 0 });
    expect(calibration.calibrated).toBe(true);
    if (!calibration.calibrated) return;
    expect(Math.sqrt(calibration.errorVariance)).toBeGreaterThan(0.035);
    expect(Math.sqrt(calibration.errorVariance)).toBeLessThan(0.065);
    // Sampling noise explains part of what the line leaves: the error shrinks by that much.
    const noisy = calibratePriors(
      points.map((point) => ({ ...point, variance: 0.03 ** 2 })),
      { errorFloor: 0 },
    );
    if (!noisy.calibrated) throw new Error("expected a calibrated fit");
    expect(noisy.errorVariance).toBeLessThan(calibration.errorVariance);
  });

  it("keeps one arm the prior misses from taking the weight away from every other arm", () => {
    // Six arms one point off the line, one arm 12 points better than its prior says (a
    // speciality, as Llama 3 at MBPP against its HumanEval score).
    const offsets = [0.01, -0.01, 0.01, 0.12, -0.01, 0.01, -0.01];
    const points = offsets.map((offset, index) => ({
      prior: 0.3 + index / 50,
      difference: index / 50 + offset,
      variance: 0.0001,
    }));
    const calibration = calibratePriors(points);
    expect(calibration.calibrated).toBe(true);
    if (!calibration.calibrated) return;
    // The mean of the squared residuals (the estimator used before) put the error at 5.0
    // points; the median keeps it near 3, where the one outlier's pull on the line leaves it.
    expect(Math.sqrt(calibration.errorVariance)).toBeLessThan(0.035);
  });

  it("shrinks the slope towards a slope prior when the priors are on the outcome's scale", () => {
    // True slope 1, but one arm measured on a bad start sits 6 points low and flattens the fit.
    const points = [0.2, 0.25, 0.3, 0.35, 0.4, 0.45].map((prior, index) => ({
      prior,
      difference: prior - 0.4 + (index === 5 ? -0.06 : 0),
      variance: index === 3 ? 0 : 0.0004,
    }));
    const free = calibratePriors(points);
    const anchored = calibratePriors(points, { slopePrior: SAME_SCALE_SLOPE_PRIOR });
    if (!free.calibrated || !anchored.calibrated) throw new Error("expected calibrated fits");
    expect(free.slope).toBeLessThan(0.9);
    expect(anchored.slope).toBeGreaterThan(free.slope);
    expect(anchored.slope).toBeLessThanOrEqual(1);
    // A very tight slope prior holds the slope at its mean.
    const pinned = calibratePriors(points, { slopePrior: { mean: 1, sd: 1e-4 } });
    if (!pinned.calibrated) throw new Error("expected a calibrated fit");
    expect(pinned.slope).toBeCloseTo(1, 3);
  });

  it("rejects a prior that ranks the arms against the measurements", () => {
    const points = [0.1, 0.2, 0.3, 0.4, 0.5].map((prior) => ({
      prior,
      difference: -prior,
      variance: 0.0001,
    }));
    const calibration = calibratePriors(points);
    expect(calibration).toMatchObject({ calibrated: false, arms: 5 });
    if (calibration.calibrated) return;
    expect(calibration.reason).toMatch(/against the measurements/);
  });

  it("needs enough arms to judge the prior, and priors that differ", () => {
    const four = [0.1, 0.2, 0.3, 0.4].map((prior) => ({ prior, difference: prior, variance: 0 }));
    const tooFew = calibratePriors(four);
    expect(tooFew.calibrated).toBe(false);
    if (!tooFew.calibrated) expect(tooFew.reason).toMatch(/4 arm\(s\).*5 are needed/);
    expect(calibratePriors(four, { minArms: 4 }).calibrated).toBe(true);
    const flat = calibratePriors(
      [0, 1, 2, 3, 4].map((index) => ({ prior: 0.5, difference: index / 10, variance: 0 })),
    );
    expect(flat).toMatchObject({ calibrated: false, reason: "every arm has the same prior" });
  });
});
