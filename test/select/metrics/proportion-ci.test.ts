import { describe, expect, it } from "vitest";
import { bootstrapCi, bootstrapMeanCi } from "../../../src/select/metrics/bootstrap-ci.js";
import { proportionCi } from "../../../src/select/metrics/proportion-ci.js";
import { thrownError } from "./thrown-error.js";

describe("proportionCi (Wilson 95%)", () => {
  it("matches hand-computed Wilson intervals", () => {
    // 8/10: centre (0.8 + 1.96²/20) / (1 + 1.96²/10) = 0.7167, half-width 0.2266.
    const [low, high] = proportionCi(8, 10);
    expect(low).toBeCloseTo(0.4902, 4);
    expect(high).toBeCloseTo(0.9433, 4);
    // 10/10 keeps a width: [0.7225, 1].
    expect(proportionCi(10, 10)[0]).toBeCloseTo(0.7225, 4);
    expect(proportionCi(10, 10)[1]).toBe(1);
    expect(proportionCi(0, 10)[0]).toBe(0);
    expect(proportionCi(0, 10)[1]).toBeCloseTo(0.2775, 4);
  });

  it("narrows as items grow and says nothing about zero items", () => {
    const small = proportionCi(5, 10);
    const large = proportionCi(500, 1000);
    expect(large[1] - large[0]).toBeLessThan((small[1] - small[0]) / 5);
    expect(proportionCi(0, 0)).toEqual([0, 1]);
  });

  it("rejects impossible counts", () => {
    expect(thrownError(() => proportionCi(11, 10))).toMatch(/^INVALID_ARGUMENT: .*cannot exceed/);
    expect(thrownError(() => proportionCi(-1, 10))).toMatch(/^INVALID_ARGUMENT/);
    expect(thrownError(() => proportionCi(Number.NaN, 10))).toMatch(/^INVALID_ARGUMENT/);
  });
});

describe("bootstrapMeanCi", () => {
  it("agrees with Wilson on 0/1 outcomes and is reproducible from its seed", () => {
    const values = Array.from({ length: 100 }, (_, index) => (index % 2 === 0 ? 1 : 0));
    const bootstrap = bootstrapMeanCi(values, { seed: 7 });
    const wilson = proportionCi(50, 100);
    expect(Math.abs(bootstrap[0] - wilson[0])).toBeLessThan(0.03);
    expect(Math.abs(bootstrap[1] - wilson[1])).toBeLessThan(0.03);
    expect(bootstrapMeanCi(values, { seed: 7 })).toEqual(bootstrap);
  });

  it("has no width without spread and knows nothing without items", () => {
    expect(bootstrapMeanCi([0.6, 0.6, 0.6])).toEqual([0.6, 0.6]);
    expect(bootstrapMeanCi([])).toEqual([0, 1]);
  });

  it("bootstraps any statistic of resampled items", () => {
    // A ratio of sums, like corpus CER: always between the smallest and largest item ratio.
    const edits = [1, 4, 0];
    const lengths = [10, 8, 5];
    const [low, high] = bootstrapCi(3, (indices) => {
      const sum = (values: number[]) =>
        indices.reduce((total, index) => total + (values[index] as number), 0);
      return sum(edits) / sum(lengths);
    });
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThanOrEqual(0.5);
    expect(low).toBeLessThanOrEqual(5 / 23);
    expect(high).toBeGreaterThanOrEqual(5 / 23);
  });
});
