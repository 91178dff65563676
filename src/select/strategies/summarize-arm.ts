/**
 * @module
 * Mean and confidence interval of one arm's outcomes, shared by all strategies so their
 * reports are comparable.
 */
import { confidenceBounds } from "./confidence-bounds.js";
import type { ArmSummary } from "./selection-strategy.js";

export function summarizeArm(outcomes: readonly number[], delta = 0.05): ArmSummary {
  const count = outcomes.length;
  if (count === 0) return { mean: Number.NaN, ci: [0, 1], probes: 0 };
  const mean = outcomes.reduce((sum, value) => sum + value, 0) / count;
  const variance =
    count > 1 ? outcomes.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1) : 0;
  const halfWidth = confidenceBounds(count, variance, 1, delta);
  return {
    mean,
    ci: [Math.max(0, mean - halfWidth), Math.min(1, mean + halfWidth)],
    probes: count,
  };
}
