/**
 * @module
 * The two-label output shared by the English sentiment lexicons: P(positive) from a logistic
 * score and its complement, highest first. A tie (exactly 0.5) puts `positive` first so the
 * order never depends on sort stability.
 */
import type { LabelScore } from "../model-backend.js";

export function positiveNegativeLabels(logit: number): LabelScore[] {
  const positive = 1 / (1 + Math.exp(-logit));
  const labels = [
    { label: "positive", score: positive },
    { label: "negative", score: 1 - positive },
  ];
  return positive >= 0.5 ? labels : labels.reverse();
}
