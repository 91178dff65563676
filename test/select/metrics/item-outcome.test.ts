import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { itemOutcome } from "../../../src/select/metrics/item-outcome.js";
import { thrownError } from "./thrown-error.js";

const positive: BackendOutput = {
  kind: "labels",
  labels: [
    { label: "NEGATIVE", score: 0.2 },
    { label: "POSITIVE", score: 0.8 },
  ],
};
const text = (value: string): BackendOutput => ({ kind: "text", text: value });

describe("itemOutcome", () => {
  it("scores classification 1/0 through the label mapping", () => {
    const labelMapping = { "1": "POSITIVE", "0": "NEGATIVE" };
    expect(itemOutcome({ metric: "accuracy", gold: "1", output: positive, labelMapping })).toBe(1);
    expect(itemOutcome({ metric: "accuracy", gold: "0", output: positive, labelMapping })).toBe(0);
    expect(itemOutcome({ metric: "accuracy", gold: "1", output: positive })).toBe(0);
    expect(itemOutcome({ metric: "macro_f1", gold: "1", output: positive, labelMapping })).toBe(1);
  });

  it("scores generation with the metric's per-item form", () => {
    expect(itemOutcome({ metric: "exact_match", gold: "北京", output: text(" 北京 ") })).toBe(1);
    expect(itemOutcome({ metric: "exact_match", gold: "北京", output: text("北京市") })).toBe(0);
    expect(itemOutcome({ metric: "token_f1", gold: "北京", output: text("北京市") })).toBeCloseTo(
      0.8,
      12,
    );
  });

  it("turns CER and WER into 1 - rate, clipped at 0", () => {
    expect(itemOutcome({ metric: "cer", gold: "sitting", output: text("kitten") })).toBeCloseTo(
      4 / 7,
      12,
    );
    expect(itemOutcome({ metric: "wer", gold: "hello world", output: text("Hello, world!") })).toBe(
      1,
    );
    expect(itemOutcome({ metric: "cer", gold: "ab", output: text("abcdefgh") })).toBe(0);
  });

  it("returns null where there is no per-item outcome", () => {
    const vector: BackendOutput = { kind: "embedding", vector: [1, 0] };
    expect(itemOutcome({ metric: "knn_accuracy", gold: "a", output: vector })).toBeNull();
    expect(itemOutcome({ metric: "mrr", gold: "a", output: vector })).toBeNull();
    expect(itemOutcome({ metric: "accuracy", gold: null, output: positive })).toBeNull();
    expect(itemOutcome({ metric: "agreement", gold: null, output: text("x") })).toBeNull();
  });

  it("scores agreement against the other candidates' outputs on the item", () => {
    expect(
      itemOutcome({
        metric: "agreement",
        gold: null,
        output: text("Paris"),
        otherOutputs: [text("paris"), text("Lyon"), text("PARIS"), null],
      }),
    ).toBeCloseTo(2 / 3, 12);
  });

  it("rejects an output of the wrong kind", () => {
    expect(thrownError(() => itemOutcome({ metric: "cer", gold: "a", output: positive }))).toMatch(
      /^INVALID_ARGUMENT: cer: the output is a "labels" output/,
    );
  });
});
