import { describe, expect, it } from "vitest";
import { baselineWarning } from "../../src/select/baseline-warning.js";
import type { CandidateOutcome } from "../../src/select/decision.js";

const winner = (low: number, high: number) =>
  ({ id: "npm:weak", qualityCi: [low, high] }) as CandidateOutcome;
const labels = [...Array(60).fill("negative"), ...Array(40).fill("positive")] as string[];

describe("baselineWarning", () => {
  it("warns when the accuracy's interval reaches the most common label's share", () => {
    expect(baselineWarning(winner(0.55, 0.74), "accuracy", labels)).toBe(
      'Warning: npm:weak is not clearly better than answering "negative" to every item (60.0% of the items are labelled so): its accuracy\'s 95% interval reaches down to 55.0. Try other candidates before relying on it (name them in candidates.ids, or fill the catalog with modelscout catalog sync).',
    );
  });

  it("says nothing of a winner clearly above it, of other metrics or of unlabelled data", () => {
    expect(baselineWarning(winner(0.61, 0.8), "accuracy", labels)).toBeNull();
    expect(baselineWarning(winner(0.4, 0.6), "macro_f1", labels)).toBeNull();
    expect(baselineWarning(winner(0.4, 0.6), "accuracy", [null, null])).toBeNull();
  });
});
