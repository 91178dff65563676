import { describe, expect, it } from "vitest";
import type { ReplayDataset } from "../../src/backends/replay/replay-dataset.js";
import {
  heldOutItemPriors,
  otherDatasetPriors,
  publishedScorePriors,
} from "../../src/select/bench-priors.js";
import { benchSelection } from "../../src/select/bench-selection.js";

const evaluated: ReplayDataset = {
  source: "test-split",
  models: ["a", "b", "c"],
  items: [
    { question: "q1", scores: { a: 1, b: 0, c: 0 } },
    { question: "q2", scores: { a: 1, b: 1, c: 0 } },
    { question: "q3", scores: { a: 0, b: 1, c: 1 } },
    { question: "q4", scores: { a: 1, b: 0, c: 1 } },
  ],
};

describe("bench prior sources never see the evaluated items", () => {
  it("otherDatasetPriors leaves out questions the evaluated file also has", () => {
    const train: ReplayDataset = {
      source: "train-split",
      models: ["a", "b"],
      items: [
        { question: "q1", scores: { a: 0, b: 1 } },
        { question: "t1", scores: { a: 0.5, b: 1 } },
        { question: "t2", scores: { a: 0.25, b: 0 } },
      ],
    };
    const source = otherDatasetPriors(evaluated, train);
    expect(source.priorsFor([0, 1])).toEqual([0.375, 0.5, null]);
    expect(source.description).toMatch(/2 items, none shared/);
  });

  it("heldOutItemPriors averages only the items outside the trial's sample", () => {
    const source = heldOutItemPriors(evaluated);
    expect(source.priorsFor([0, 1])).toEqual([0.5, 0.5, 1]);
    expect(source.priorsFor([3, 2])).toEqual([1, 0.5, 0]);
    expect(source.priorsFor([0, 1, 2, 3])).toEqual([null, null, null]);
  });

  it("publishedScorePriors scales 0..100 scores and leaves unlisted models unknown", () => {
    const source = publishedScorePriors(evaluated, new Map([["b", 42]]));
    expect(source.priorsFor([])).toEqual([null, 0.42, null]);
  });
});

describe("benchSelection", () => {
  it("runs every strategy on the same trials, with the prior-only pick and the oracle ceiling", async () => {
    const items = Array.from({ length: 200 }, (_, index) => ({
      question: `q${index}`,
      // Model "best" is right on 70% of items, "mid" on 60%, "low" on 30%.
      scores: {
        low: index % 10 < 3 ? 1 : 0,
        mid: index % 10 < 6 ? 1 : 0,
        best: index % 10 < 7 ? 1 : 0,
      },
    }));
    const dataset: ReplayDataset = { source: "synthetic", models: ["low", "mid", "best"], items };
    const result = await benchSelection(dataset, {
      trials: 5,
      budgets: [0.3],
      sampleSize: 100,
      seed: 3,
      priorSources: [heldOutItemPriors(dataset, "held-out")],
    });
    expect(result.results.map((entry) => entry.strategy)).toEqual([
      "budgeted",
      "budgeted+held-out",
      "gap",
      "gap+held-out",
      "naive",
      "oracle-top2",
    ]);
    for (const entry of result.results) expect(entry.maxSpentFraction).toBeLessThanOrEqual(0.3);
    expect(result.priorOnly).toMatchObject([
      { source: "held-out", modelsWithPriors: 3, withinToleranceShare: 1 },
    ]);
    expect(result.topGapPoints).toBeCloseTo(10, 6);
  });
});
