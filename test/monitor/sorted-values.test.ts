/**
 * `SortedValues` (latency_p95's sorted copy of its window) against a plain sorted array, on a
 * seeded sliding window with repeated values: the same order, ranks and percentiles.
 */
import { describe, expect, it } from "vitest";
import { BLOCK_VALUES, SortedValues } from "../../src/monitor/conditions/sorted-values.js";
import { seededRandom } from "../../src/select/strategies/seeded-random.js";

/** Nearest-rank percentile of an ascending array, as `latency_p95` defines it. */
function nearestRank(sorted: readonly number[], percentile: number): number {
  return sorted[Math.max(1, Math.ceil((percentile / 100) * sorted.length)) - 1] as number;
}

describe("SortedValues", () => {
  it("holds a sliding window's values in order, as a sorted array would", () => {
    const random = seededRandom(11).next;
    // Latencies rounded to a millisecond, so many repeat; windows shorter and longer than a block.
    for (const windowLength of [1, 7, 300, 5_000]) {
      const window: number[] = [];
      const reference: number[] = [];
      const sorted = new SortedValues();
      for (let index = 0; index < 12_000; index++) {
        // Halfway, every latency jumps above all before it: the older blocks take no new
        // values and shrink together as their values leave.
        const shift = index >= 6_000 ? 10_000 : 0;
        const value = shift + Math.round(Math.exp(Math.log(120) + 0.6 * (random() - 0.5) * 4));
        window.push(value);
        sorted.add(value);
        const at = reference.findIndex((known) => known >= value);
        reference.splice(at === -1 ? reference.length : at, 0, value);
        if (window.length > windowLength) {
          const left = window.shift() as number;
          expect(sorted.remove(left)).toBe(true);
          reference.splice(reference.indexOf(left), 1);
        }
        if (index % 97 === 0 || index === 11_999) {
          expect(sorted.size).toBe(reference.length);
          expect(sorted.percentile(95)).toBe(nearestRank(reference, 95));
          expect(sorted.percentile(50)).toBe(nearestRank(reference, 50));
          expect(sorted.at(0)).toBe(reference[0]);
          expect(sorted.at(reference.length - 1)).toBe(reference.at(-1));
          // Every block but one holds at least half a block's values, so few are walked.
          const small = sorted.blockSizes().filter((size) => size < BLOCK_VALUES / 2);
          expect(small.length).toBeLessThanOrEqual(1);
        }
      }
      expect(sorted.values()).toEqual(reference);
    }
  });

  it("says when a value to remove is not there, and rebuilds from any order", () => {
    const sorted = SortedValues.from([5, 1, 3, 3]);
    expect(sorted.values()).toEqual([1, 3, 3, 5]);
    expect(sorted.remove(4)).toBe(false);
    expect(sorted.remove(3)).toBe(true);
    expect([sorted.values(), sorted.size]).toEqual([[1, 3, 5], 3]);
    expect(new SortedValues().percentile(95)).toBeNaN();
    const large = SortedValues.from(Array.from({ length: 3_000 }, (_, index) => 2_999 - index));
    expect(large.percentile(95)).toBe(2_849);
    expect(large.at(1_000)).toBe(1_000);
  });
});
