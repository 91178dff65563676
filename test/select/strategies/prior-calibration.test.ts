import { describe, expect, it } from "vitest";
import {
  type CalibrationPoint,
  calibratePriors,
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
    // Residuals of +-0.05 around a slope of 1, with no sampling noise.
    const residuals = [0.05, -0.05, 0.05, -0.05, 0.05, -0.05, 0.05, -0.05];
    const points = residuals.map((residual, index) => ({
      prior: index / 10,
      difference: index / 10 + residual,
      variance: 0,
    }));
    const calibration = calibratePriors(points, { errorFloor: 0 });
    expect(calibration.calibrated).toBe(true);
    if (!calibration.calibrated) return;
    // Sum of squared residuals over (arms - 2) degrees of freedom, near 0.05^2 * 8 / 6.
    expect(Math.sqrt(calibration.errorVariance)).toBeGreaterThan(0.045);
    expect(Math.sqrt(calibration.errorVariance)).toBeLessThan(0.065);
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
