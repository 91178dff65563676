import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { agreementMetrics, computeMetrics } from "../../../src/select/metrics/compute-metrics.js";
import { proportionCi } from "../../../src/select/metrics/proportion-ci.js";
import { thrownError } from "./thrown-error.js";

const label = (name: string): BackendOutput => ({
  kind: "labels",
  labels: [{ label: name, score: 1 }],
});
const text = (value: string): BackendOutput => ({ kind: "text", text: value });

describe("computeMetrics", () => {
  const golds = ["pos", "pos", "neg", "neg", "neg"];
  const outputs = ["POSITIVE", "NEGATIVE", "NEGATIVE", "NEGATIVE", "POSITIVE"].map(label);
  const labelMapping = { pos: "POSITIVE", neg: "NEGATIVE" };

  it("reports accuracy with a Wilson interval, macro-F1 beside it, and per-class recall", () => {
    const result = computeMetrics({ metric: "accuracy", golds, outputs, labelMapping });
    // pos: TP 1, support 2, predicted 2 -> F1 1/2; neg: TP 2, support 3, predicted 3 -> F1 2/3.
    expect(result).toEqual({
      metric: "accuracy",
      value: 0.6,
      quality: 0.6,
      qualityCi: proportionCi(3, 5),
      metrics: { accuracy: 0.6, macro_f1: expect.closeTo((1 / 2 + 2 / 3) / 2, 12) },
      perClassRecall: { neg: 2 / 3, pos: 0.5 },
      items: 5,
    });
  });

  it("bootstraps macro-F1 reproducibly", () => {
    const first = computeMetrics({ metric: "macro_f1", golds, outputs, labelMapping });
    const again = computeMetrics({ metric: "macro_f1", golds, outputs, labelMapping });
    expect(first.value).toBeCloseTo(7 / 12, 12);
    expect(first.qualityCi).toEqual(again.qualityCi);
    expect(first.qualityCi[0]).toBeLessThanOrEqual(first.value);
    expect(first.qualityCi[1]).toBeGreaterThanOrEqual(first.value);
  });

  it("keeps CER as an error rate and flips it into quality", () => {
    const result = computeMetrics({
      metric: "cer",
      golds: ["sitting", "abc"],
      outputs: [text("kitten"), text("abc")],
    });
    expect(result.value).toBeCloseTo(0.3, 12);
    expect(result.quality).toBeCloseTo(0.7, 12);
    expect(result.metrics).toEqual({ cer: expect.closeTo(0.3, 12), wer: 0.5 });
    // Resamples are {kitten, kitten} (quality 4/7), mixed (0.7) or {abc, abc} (1).
    expect(result.qualityCi[0]).toBeCloseTo(4 / 7, 12);
    expect(result.qualityCi[1]).toBe(1);
  });

  it("scores Chinese generation with token F1 per character", () => {
    const result = computeMetrics({
      metric: "token_f1",
      golds: ["北京", "上海"],
      outputs: [text("北京市"), text("上海")],
    });
    expect(result.value).toBeCloseTo(0.9, 12);
    expect(result.metrics.exact_match).toBe(0.5);
  });

  it("scores embeddings by k-NN and leaves MRR out when no label repeats", () => {
    const vectors = [
      [1, 0],
      [0.9, 0.1],
      [0, 1],
      [0.1, 0.9],
    ].map((vector): BackendOutput => ({ kind: "embedding", vector }));
    const result = computeMetrics({
      metric: "knn_accuracy",
      golds: ["a", "a", "b", "b"],
      outputs: vectors,
    });
    expect(result.value).toBe(1);
    expect(result.metrics).toEqual({ knn_accuracy: 1, mrr: 1 });
    expect(result.qualityCi).toEqual(proportionCi(4, 4));
    const unique = computeMetrics({
      metric: "knn_accuracy",
      golds: ["a", "b"],
      outputs: vectors.slice(0, 2),
    });
    expect(unique.metrics).toEqual({ knn_accuracy: 0 });
    expect(
      thrownError(() =>
        computeMetrics({ metric: "mrr", golds: ["a", "b"], outputs: vectors.slice(0, 2) }),
      ),
    ).toMatch(/^INVALID_ARGUMENT: mrr: no label occurs on two or more/);
  });

  it("sends agreement to agreementMetrics", () => {
    expect(
      thrownError(() =>
        computeMetrics({ metric: "agreement", golds: [null], outputs: [text("a")] }),
      ),
    ).toMatch(/agreementMetrics/);
  });
});

describe("agreementMetrics", () => {
  it("returns the proxy per candidate with a bootstrap interval", () => {
    const result = agreementMetrics([
      [text("a"), text("b"), text("c")],
      [text("a"), text("b"), text("x")],
      [text("a"), text("y"), text("z")],
    ]);
    expect(result.map((candidate) => candidate.value)).toEqual([
      (1 + 0.5 + 0) / 3,
      (1 + 0.5 + 0) / 3,
      1 / 3,
    ]);
    expect(result[2]?.metrics).toEqual({ agreement: 1 / 3 });
    expect(result[2]?.qualityCi[0]).toBe(0);
    expect(result[2]?.qualityCi[1]).toBe(1);
  });
});
