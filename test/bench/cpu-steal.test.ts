/**
 * Steal time as the router benchmarks report it (`bench/loadgen/cpu-steal.ts`): the parse of
 * `/proc/stat`, the share over a span and its worst second, and a recorder that reads this
 * machine's real `/proc/stat`.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type CpuSample,
  parseProcStat,
  StealRecorder,
  stealBetween,
} from "../../bench/loadgen/cpu-steal.js";

describe("parseProcStat", () => {
  it("reads steal and the total from the all-CPU line", () => {
    // This machine's /proc/stat on 2026-12-01, during a noisy benchmark session.
    const text = [
      "cpu  69205 0 19554 500253 1394 0 8059 6636 0 0",
      "cpu0 34602 0 9777 250126 697 0 4030 3318 0 0",
      "intr 123456",
    ].join("\n");
    expect(parseProcStat(text)).toEqual({
      steal: 6636,
      total: 69205 + 19554 + 500253 + 1394 + 8059 + 6636,
    });
  });

  it("gives null for text without a usable cpu line", () => {
    expect(parseProcStat("cpu0 1 2 3\nintr 5")).toBeNull();
    expect(parseProcStat("cpu  1 2 3")).toBeNull();
    expect(parseProcStat("cpu  1 2 3 4 5 6 7 x 0 0")).toBeNull();
  });
});

/** 2 CPUs at 100 jiffies a second, sampled every 100 ms; `stolen(i)` jiffies of interval i. */
function samples(count: number, stolen: (interval: number) => number): CpuSample[] {
  const out: CpuSample[] = [{ atNs: 0, steal: 0, total: 0 }];
  for (let i = 1; i < count; i += 1) {
    const previous = out[i - 1] as CpuSample;
    out.push({ atNs: i * 1e8, steal: previous.steal + stolen(i), total: previous.total + 20 });
  }
  return out;
}

describe("stealBetween", () => {
  it("gives the share over the span and over its worst second", () => {
    // 3 s; the host takes 10 of every 20 jiffies for the 5 intervals ending at 1.1-1.5 s.
    const record = samples(31, (i) => (i >= 11 && i <= 15 ? 10 : 0));
    const whole = stealBetween(record, 0, 3e9);
    expect(whole?.share).toBeCloseTo(50 / 600, 10);
    expect(whole?.stolenMs).toBe(500);
    // Any second that holds the burst has 50 of its 200 jiffies stolen.
    expect(whole?.worstSecondShare).toBeCloseTo(0.25, 10);
    // From 2 s on, nothing was taken.
    expect(stealBetween(record, 2e9, 3e9)).toEqual({ share: 0, worstSecondShare: 0, stolenMs: 0 });
  });

  it("counts only the samples inside the span", () => {
    const record = samples(31, (i) => (i <= 5 ? 20 : 0));
    expect(stealBetween(record, 0.5e9, 3e9)?.share).toBe(0);
    expect(stealBetween(record, 0, 3e9)?.share).toBeCloseTo(100 / 600, 10);
  });

  it("gives null where fewer than two samples fall in the span", () => {
    const record = samples(31, () => 1);
    expect(stealBetween(record, 0.55e9, 0.65e9)).toBeNull();
    expect(stealBetween([], 0, 1e9)).toBeNull();
  });

  it("reports no worst second for a span shorter than a second", () => {
    const record = samples(31, () => 5);
    const short = stealBetween(record, 0, 0.5e9);
    expect(short?.share).toBeCloseTo(0.25, 10);
    expect(short?.worstSecondShare).toBe(0);
  });
});

describe.runIf(existsSync("/proc/stat"))("StealRecorder on this machine", () => {
  it("samples /proc/stat between start and stop on the generator's clock", async () => {
    const recorder = new StealRecorder(20);
    const from = Number(process.hrtime.bigint());
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    recorder.stop();
    const to = Number(process.hrtime.bigint());
    const stolen = recorder.between(from, to);
    expect(stolen).not.toBeNull();
    expect(stolen?.share).toBeGreaterThanOrEqual(0);
    expect(stolen?.share).toBeLessThanOrEqual(1);
    // Nothing was sampled before start.
    expect(recorder.between(0, from)).toBeNull();
  });
});
