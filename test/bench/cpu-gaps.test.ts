/**
 * The router benchmarks' CPU-gap probe (`bench/loadgen/cpu-gaps.c`), which the verdict's
 * preflight quotes when a machine cannot judge the target. Shapes and sums are asserted,
 * never how many gaps a machine has.
 */
import { describe, expect, it } from "vitest";
import { describeCpuGaps, measureCpuGaps, parseCpuGaps } from "../../bench/loadgen/cpu-gaps.js";

describe("cpu-gaps", () => {
  it("spins one thread per CPU and reports each CPU's gaps", () => {
    const report = measureCpuGaps(0.2);
    expect(report.seconds).toBe(0.2);
    expect(report.cpus.map((cpu) => cpu.cpu)).toEqual(report.cpus.map((_, index) => index));
    expect(report.cpus.length).toBeGreaterThan(0);
    for (const cpu of report.cpus) {
      expect(cpu.over1ms).toBeLessThanOrEqual(cpu.over100us);
      // Every gap counted is over 0.1 ms, and none is longer than the longest.
      expect(cpu.lostMs).toBeGreaterThanOrEqual(cpu.over100us * 0.1);
      expect(cpu.lostMs).toBeLessThanOrEqual(cpu.over100us * cpu.maxMs + 1e-6);
    }
  });

  it("describes the gaps per CPU, with the share of the time lost", () => {
    const report = parseCpuGaps(
      '{"seconds":2,"cpus":[{"cpu":0,"over100us":20,"over1ms":5,"maxMs":4.617,"lostMs":24.2},{"cpu":1,"over100us":1,"over1ms":1,"maxMs":1.2,"lostMs":1.2}]}',
    );
    expect(describeCpuGaps(report)).toBe(
      "cpu0 5 gaps over 1 ms (max 4.6 ms, 1.2 % of the time lost), cpu1 1 gap over 1 ms (max 1.2 ms, 0.1 % of the time lost)",
    );
    expect(() => parseCpuGaps('{"cpus":"none"}')).toThrow(/unexpected line/);
  });
});
