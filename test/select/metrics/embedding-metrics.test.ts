import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import {
  cosineSimilarity,
  embeddingMetrics,
} from "../../../src/select/metrics/embedding-metrics.js";
import { thrownError } from "./thrown-error.js";

const embedding = (vector: number[]): BackendOutput => ({ kind: "embedding", vector });

// Five 2-D points; their angles from the x axis are 0°, 11.31°, 90°, 78.69° and 5.71°, so
// cosine order equals angle-difference order. The last "b" item sits inside the "a" cluster.
const GOLDS = ["a", "a", "b", "b", "b"];
const VECTORS = [
  [1, 0],
  [1, 0.2],
  [0, 1],
  [0.2, 1],
  [1, 0.1],
];

describe("cosineSimilarity", () => {
  it("ignores scale and returns 0 for a zero vector", () => {
    expect(cosineSimilarity([1, 0], [5, 0])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 0], [0, 3])).toBeCloseTo(0, 12);
    expect(cosineSimilarity([1, 1], [-1, -1])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
  });

  it("rejects vectors of different sizes", () => {
    expect(thrownError(() => cosineSimilarity([1, 2], [1, 2, 3]))).toMatch(
      /^INVALID_ARGUMENT: .*different sizes \(2 and 3\)/,
    );
  });
});

describe("embeddingMetrics", () => {
  it("matches hand-worked leave-one-out 1-NN accuracy and MRR", () => {
    // Nearest other item: a0 -> b4 (wrong), a1 -> b4 (wrong), b2 -> b3, b3 -> b2, b4 -> a1 (wrong).
    // First same-label rank: a0 2 (after b4), a1 2, b2 1, b3 1, b4 3 (after a1, a0).
    const result = embeddingMetrics(GOLDS, VECTORS.map(embedding));
    expect(result.k).toBe(1);
    expect(result.knnAccuracy).toBeCloseTo(2 / 5, 12);
    expect(result.mrr).toBeCloseTo((1 / 2 + 1 / 2 + 1 + 1 + 1 / 3) / 5, 12);
    expect(result.perItem.map((item) => item.knnCorrect)).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
  });

  it("caps k at the other items and breaks tied votes by summed similarity", () => {
    // k = 5 is capped at 4. b2's neighbours vote b, a, b, a: the b voters are closer, so b wins.
    const result = embeddingMetrics(GOLDS, VECTORS.map(embedding), { k: 5 });
    expect(result.k).toBe(4);
    expect(result.perItem.map((item) => item.knnCorrect)).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
  });

  it("does not depend on vector length (scale)", () => {
    const scaled = VECTORS.map((vector, index) => vector.map((value) => value * (index + 1) * 10));
    const plain = embeddingMetrics(GOLDS, VECTORS.map(embedding), { k: 1 });
    const result = embeddingMetrics(GOLDS, scaled.map(embedding), { k: 1 });
    expect(result.knnAccuracy).toBe(plain.knnAccuracy);
    expect(result.mrr).toBe(plain.mrr);
  });

  it("separates a good embedding from a bad one", () => {
    const good = embeddingMetrics(
      ["a", "a", "b", "b"],
      [
        [1, 0],
        [0.9, 0.1],
        [0, 1],
        [0.1, 0.9],
      ].map(embedding),
      { k: 1 },
    );
    const bad = embeddingMetrics(
      ["a", "a", "b", "b"],
      [
        [1, 0],
        [0, 1],
        [0.9, 0.1],
        [0.1, 0.9],
      ].map(embedding),
      { k: 1 },
    );
    expect(good.knnAccuracy).toBe(1);
    expect(good.mrr).toBe(1);
    expect(bad.knnAccuracy).toBe(0);
    // a0 and a1 find their partner third (behind both b items), b2 and b3 second: (1/3·2 + 1/2·2) / 4.
    expect(bad.mrr).toBeCloseTo(5 / 12, 12);
  });

  it("leaves out unlabelled items and skips MRR queries whose label occurs once", () => {
    const result = embeddingMetrics(
      ["a", null, "a", "b"],
      [
        [1, 0],
        [0.99, 0.01],
        [0.9, 0.1],
        [0, 1],
      ].map(embedding),
      { k: 1 },
    );
    expect(result.items).toBe(3);
    expect(result.mrrQueries).toBe(2);
    expect(result.perItem.map((item) => item.reciprocalRank)).toEqual([1, 1, null]);
    const singletons = embeddingMetrics(
      ["a", "b"],
      [
        [1, 0],
        [0, 1],
      ].map(embedding),
    );
    expect(singletons.mrr).toBeNaN();
    expect(singletons.knnAccuracy).toBe(0);
  });

  it("rejects too few labelled items, bad k and non-embedding outputs", () => {
    expect(thrownError(() => embeddingMetrics(["a"], [embedding([1])]))).toMatch(
      /at least 2 labelled items/,
    );
    expect(thrownError(() => embeddingMetrics([], []))).toMatch(/no items/);
    expect(thrownError(() => embeddingMetrics(GOLDS, VECTORS.map(embedding), { k: 0 }))).toMatch(
      /k must be a positive integer/,
    );
    expect(thrownError(() => embeddingMetrics(["a"], [{ kind: "text", text: "a" }]))).toMatch(
      /reads "embedding" outputs/,
    );
  });
});
