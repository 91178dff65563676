import { describe, expect, it } from "vitest";
import {
  paretoFront,
  type ScoringInput,
  scoreCandidates,
} from "../../src/select/score-candidates.js";

const candidate = (
  id: string,
  quality: number | null,
  p50: number | null,
  p95 = p50,
): ScoringInput => ({
  id,
  quality,
  latencyMsP50: p50,
  latencyMsP95: p95,
  memoryBytes: null,
  costPer1kItemsUsd: null,
});

const weights = { quality: 0.7, latency: 0.3, memory: 0, cost: 0 };
const noSlo = { maxP95LatencyMs: null, maxMemoryGb: null };

describe("scoreCandidates", () => {
  it("gives latency utilities that do not depend on the unit", () => {
    const inMs = scoreCandidates(
      [candidate("a", 0.8, 1), candidate("b", 0.8, 10), candidate("c", 0.8, 100)],
      weights,
      noSlo,
    );
    const scaled = scoreCandidates(
      [candidate("a", 0.8, 10), candidate("b", 0.8, 100), candidate("c", 0.8, 1000)],
      weights,
      noSlo,
    );
    expect(inMs.map((entry) => entry.utilities.latency)).toEqual([1, 0.5, 0]);
    // Ten times slower across the board: the same utilities (only ratios count).
    expect(scaled.map((entry) => entry.utilities.latency?.toFixed(6))).toEqual(
      inMs.map((entry) => entry.utilities.latency?.toFixed(6)),
    );
    // 0.7 * 0.8 + 0.3 * 0.5
    expect(inMs[1]?.score).toBeCloseTo(0.71, 10);
  });

  it("treats latencies under the 1 ms floor as equal", () => {
    const scored = scoreCandidates(
      [candidate("afinn", 0.82, 0.02), candidate("vader", 0.86, 0.17), candidate("slow", 0.9, 10)],
      weights,
      noSlo,
    );
    expect(scored.map((entry) => entry.utilities.latency)).toEqual([1, 1, 0]);
    expect(scored[1]?.score).toBeGreaterThan(scored[0]?.score ?? 1);
  });

  it("lets a small latency gap count for little: the spread is at least tenfold", () => {
    // 2.81 and 2.85 ms: measurement noise, which a plain min-max scale turned into 1 and 0.
    const close = scoreCandidates(
      [candidate("right", 1, 2.81), candidate("faster-by-noise", 0.6, 2.76)],
      weights,
      noSlo,
    );
    expect(close[1]?.utilities.latency).toBe(1);
    expect(close[0]?.utilities.latency).toBeCloseTo(1 - Math.log(2.81 / 2.76) / Math.log(10), 10);
    expect(close[0]?.score).toBeGreaterThan(close[1]?.score ?? 1);
    // Twice as slow loses log10(2) of the span; ten times or more, all of it.
    const spread = scoreCandidates(
      [candidate("a", 0.8, 5), candidate("b", 0.8, 10), candidate("c", 0.8, 50)],
      weights,
      noSlo,
    );
    expect(spread.map((entry) => entry.utilities.latency?.toFixed(4))).toEqual([
      "1.0000",
      (1 - Math.log10(2)).toFixed(4),
      "0.0000",
    ]);
  });

  it("trades quality against speed with the spec's weights", () => {
    const inputs = [candidate("accurate", 0.9, 100), candidate("fast", 0.85, 1)];
    const qualityFirst = scoreCandidates(inputs, { ...weights, quality: 1, latency: 0 }, noSlo);
    const balanced = scoreCandidates(inputs, weights, noSlo);
    expect(qualityFirst[0]?.score).toBeGreaterThan(qualityFirst[1]?.score ?? 1);
    // 0.7*0.9 + 0 = 0.63 < 0.7*0.85 + 0.3 = 0.895
    expect(balanced[1]?.score).toBeGreaterThan(balanced[0]?.score ?? 1);
  });

  it("reports SLO breaches and unmeasured candidates", () => {
    const [slow, unmeasured] = scoreCandidates(
      [
        { ...candidate("slow", 0.9, 40, 120), memoryBytes: 3e9 },
        candidate("unmeasured", null, null),
      ],
      weights,
      { maxP95LatencyMs: 100, maxMemoryGb: 2 },
    );
    expect(slow?.sloViolations).toEqual(["p95 latency 120.0 ms > 100 ms", "memory 3.00 GB > 2 GB"]);
    expect(unmeasured?.score).toBeNull();
    expect(unmeasured?.sloViolations).toEqual([]);
  });
});

describe("paretoFront", () => {
  it("keeps only candidates nothing else beats on both quality and latency", () => {
    const front = paretoFront([
      candidate("best-quality", 0.9, 50),
      candidate("fastest", 0.6, 1),
      candidate("middle", 0.8, 10),
      candidate("dominated", 0.7, 20),
      candidate("tie-worse", 0.9, 60),
      candidate("unknown", null, 5),
    ]);
    expect([...front].sort()).toEqual(["best-quality", "fastest", "middle"]);
  });
});
