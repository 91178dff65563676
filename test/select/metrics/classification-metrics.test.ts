import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { matchLabels } from "../../../src/select/match-labels.js";
import {
  classificationMetrics,
  topLabel,
} from "../../../src/select/metrics/classification-metrics.js";
import { thrownError } from "./thrown-error.js";

/** A labels output whose top label is `top`, with the labels deliberately not sorted by score. */
function predicts(top: string | null, others: string[] = []): BackendOutput {
  if (top === null) return { kind: "labels", labels: [] };
  return {
    kind: "labels",
    labels: [...others.map((label) => ({ label, score: 0.1 })), { label: top, score: 0.7 }],
  };
}

const MAPPING = { pos: "POSITIVE", neg: "NEGATIVE", neu: "NEUTRAL" };

// A 3-class case worked by hand (rows gold, columns predicted, order neg, neu, pos):
//   neg: 2 0 1          support 3, predicted 4, TP 2 -> P 1/2, R 2/3, F1 4/7
//   neu: 1 1 0 (+1 no)  support 3, predicted 2, TP 1 -> P 1/2, R 1/3, F1 2/5
//   pos: 1 1 2          support 4, predicted 3, TP 2 -> P 2/3, R 1/2, F1 4/7
// accuracy 5/10; macro-F1 (4/7 + 2/5 + 4/7) / 3 = 18/35.
const GOLDS = ["pos", "pos", "pos", "pos", "neg", "neg", "neg", "neu", "neu", "neu"];
const OUTPUTS = [
  predicts("POSITIVE", ["NEGATIVE", "NEUTRAL"]),
  predicts("POSITIVE"),
  predicts("NEGATIVE", ["POSITIVE"]),
  predicts("NEUTRAL"),
  predicts("NEGATIVE"),
  predicts("NEGATIVE"),
  predicts("POSITIVE"),
  predicts("NEUTRAL"),
  predicts("NEGATIVE"),
  predicts(null),
];

describe("classificationMetrics", () => {
  it("matches a hand-computed 3-class confusion", () => {
    const result = classificationMetrics(GOLDS, OUTPUTS, MAPPING);
    expect(result.items).toBe(10);
    expect(result.correct).toBe(5);
    expect(result.accuracy).toBe(0.5);
    expect(result.macroF1).toBeCloseTo(18 / 35, 12);
    expect(result.perClassRecall).toEqual({ neg: 2 / 3, neu: 1 / 3, pos: 0.5 });
    expect(result.perClass.neg).toEqual({
      support: 3,
      predicted: 4,
      truePositives: 2,
      precision: 0.5,
      recall: 2 / 3,
      f1: expect.closeTo(4 / 7, 12),
    });
    expect(result.perClass.neu?.f1).toBeCloseTo(2 / 5, 12);
    expect(result.perClass.pos?.precision).toBeCloseTo(2 / 3, 12);
    expect(result.confusion.classes).toEqual(["neg", "neu", "pos"]);
    expect(result.confusion.matrix).toEqual([
      [2, 0, 1],
      [1, 1, 0],
      [1, 1, 2],
    ]);
    expect(result.confusion.noPrediction).toEqual([0, 1, 0]);
    expect(result.confusion.topConfusions).toEqual([
      { gold: "neg", predicted: "pos", count: 1 },
      { gold: "neu", predicted: "neg", count: 1 },
      { gold: "neu", predicted: null, count: 1 },
      { gold: "pos", predicted: "neg", count: 1 },
      { gold: "pos", predicted: "neu", count: 1 },
    ]);
  });

  it("applies the label mapping from matchLabels (1/0 onto POSITIVE/NEGATIVE)", () => {
    const golds = ["1", "0", "1", "0"];
    const outputs = [
      predicts("POSITIVE"),
      predicts("NEGATIVE"),
      predicts("NEGATIVE"),
      predicts("NEGATIVE"),
    ];
    const { mapping } = matchLabels(["0", "1"], ["NEGATIVE", "POSITIVE"]);
    const mapped = classificationMetrics(golds, outputs, mapping);
    expect(mapped.accuracy).toBe(0.75);
    // Classes are reported in the data's vocabulary, so every candidate shares them.
    expect(mapped.perClassRecall).toEqual({ "0": 1, "1": 0.5 });
    expect(mapped.confusion.topConfusions).toEqual([{ gold: "1", predicted: "0", count: 1 }]);
    // Without the mapping nothing matches: the model never says "1" or "0".
    const unmapped = classificationMetrics(golds, outputs);
    expect(unmapped.accuracy).toBe(0);
    expect(unmapped.confusion.classes).toEqual(["0", "1", "NEGATIVE", "POSITIVE"]);
  });

  it("counts predicted-only classes in macro-F1 and leaves out classes that never occur", () => {
    // a: support 2, predicted 1, TP 1 -> F1 2/3; b: F1 1; c (only predicted): F1 0.
    // "d" is in the mapping but neither in the gold labels nor predicted: not averaged.
    const result = classificationMetrics(
      ["a", "a", "b", "b"],
      [predicts("a"), predicts("c"), predicts("b"), predicts("b")],
      { d: "d" },
    );
    expect(result.confusion.classes).toEqual(["a", "b", "c"]);
    expect(result.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    expect(result.perClassRecall).toEqual({ a: 0.5, b: 1 });
    expect(result.perClass.c).toMatchObject({ support: 0, predicted: 1, f1: 0 });
  });

  it("handles several data labels mapped to one model label, and colliding model labels", () => {
    const mapping = { pos: "POSITIVE", positive: "POSITIVE", neg: "NEGATIVE", "1": "LABEL_1" };
    const result = classificationMetrics(
      ["pos", "positive", "neg", "neg"],
      [predicts("POSITIVE"), predicts("POSITIVE"), predicts("POSITIVE"), predicts("1")],
      mapping,
    );
    expect(result.correct).toBe(2);
    expect(result.perClassRecall).toEqual({ neg: 0, pos: 1, positive: 1 });
    // The wrong POSITIVE goes to the first data label in sorted order; a model label "1" that
    // is not what data label "1" maps to keeps its own name, marked as a model label.
    expect(result.confusion.topConfusions).toEqual([
      { gold: "neg", predicted: "pos", count: 1 },
      { gold: "neg", predicted: "1 (model label)", count: 1 },
    ]);
  });

  it("skips items without a gold label and counts them", () => {
    const result = classificationMetrics(
      ["a", null, "b"],
      [predicts("a"), predicts("b"), predicts("a")],
    );
    expect(result.items).toBe(2);
    expect(result.unlabelledItems).toBe(1);
    expect(result.accuracy).toBe(0.5);
    expect(result.predictions).toEqual([
      { gold: "a", predicted: "a", correct: true },
      { gold: "b", predicted: "a", correct: false },
    ]);
  });

  it("rejects empty, misaligned and wrong-kind inputs with INVALID_ARGUMENT", () => {
    expect(thrownError(() => classificationMetrics([], []))).toMatch(
      /^INVALID_ARGUMENT: accuracy: no items to score/,
    );
    expect(thrownError(() => classificationMetrics([null], [predicts("a")]))).toMatch(
      /^INVALID_ARGUMENT: accuracy: no labelled items to score/,
    );
    expect(thrownError(() => classificationMetrics(["a", "b"], [predicts("a")]))).toMatch(
      /1 outputs for 2 gold values/,
    );
    expect(thrownError(() => classificationMetrics(["a"], [{ kind: "text", text: "a" }]))).toMatch(
      /item 0 is a "text" output, but accuracy reads "labels"/,
    );
  });
});

describe("topLabel", () => {
  it("takes the highest score, not the first entry, and the first on ties", () => {
    expect(
      topLabel({
        kind: "labels",
        labels: [
          { label: "x", score: 0.2 },
          { label: "y", score: 0.5 },
          { label: "z", score: 0.5 },
        ],
      }),
    ).toBe("y");
    expect(topLabel({ kind: "labels", labels: [] })).toBeNull();
  });
});
