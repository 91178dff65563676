/**
 * The hypervisor's share of this machine's CPUs over a span of a benchmark run: steal time,
 * the time a virtual CPU had work but the host ran something else. On the shared VMs the
 * router benchmarks run on it is the one kind of noise the guest can count. The ninth
 * session's quiet machine counted 1 jiffy of it in a whole run (docs/benchmarks.md); on a
 * noisy one a 10 ms timeslice lost now and then is enough to move a p99 by milliseconds.
 *
 * `StealRecorder` reads the first line of `/proc/stat` every `intervalMs` on
 * `process.hrtime.bigint()`'s clock (the load generator's, `OpenLoopSummary.measureFromNs`),
 * and gives the steal share between two instants from the samples that lie between them.
 * `/proc/stat` counts in jiffies (10 ms on Linux), summed over the CPUs; where it cannot be read
 * (not Linux), every figure is null.
 */
import { readFileSync } from "node:fs";
import type { OpenLoopResult } from "./open-loop.js";

/** The CPUs' time so far, in jiffies summed over every CPU. */
export interface CpuTimes {
  steal: number;
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is in user). */
  total: number;
}

/** The first (`cpu `) line of `/proc/stat`, or null if `text` has none. */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split("\n").find((candidate) => candidate.startsWith("cpu "));
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((field) => !Number.isFinite(field))) return null;
  return { steal: fields[7] as number, total: fields.reduce((sum, field) => sum + field, 0) };
}

export interface CpuSample extends CpuTimes {
  atNs: number;
}

export interface StealShare {
  /** Steal jiffies over all jiffies between the first and the last sample inside the span. */
  share: number;
  /** The same over the worst stretch of about a second within the span. */
  worstSecondShare: number;
  /** Milliseconds of CPU taken, summed over the CPUs. */
  stolenMs: number;
}

const JIFFY_MS = 10;

/** A share as a percentage with two decimals: steal is worth reading at 0.05 %. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

/** `, steal 1.25 % (worst second 2.21 %)` for a run's log line, or "" without a figure. */
export function stealText(stolen: StealShare | null): string {
  return stolen === null
    ? ""
    : `, steal ${formatShare(stolen.share)} (worst second ${formatShare(stolen.worstSecondShare)})`;
}

/** The steal share between `fromNs` and `toNs`, from `samples` in time order (null: too few). */
export function stealBetween(
  samples: readonly CpuSample[],
  fromNs: number,
  toNs: number,
): StealShare | null {
  const inside = samples.filter((sample) => sample.atNs >= fromNs && sample.atNs <= toNs);
  const first = inside[0];
  const last = inside.at(-1);
  if (first === undefined || last === undefined || last.total <= first.total) return null;
  let worstSecondShare = 0;
  let end = 0;
  for (let start = 0; start < inside.length; start += 1) {
    const from = inside[start] as CpuSample;
    while (end < inside.length - 1 && (inside[end] as CpuSample).atNs - from.atNs < 1e9) end += 1;
    const to = inside[end] as CpuSample;
    if (to.atNs - from.atNs < 0.9e9) break; // the tail is shorter than a second
    if (to.total > from.total) {
      worstSecondShare = Math.max(
        worstSecondShare,
        (to.steal - from.steal) / (to.total - from.total),
      );
    }
  }
  return {
    share: (last.steal - first.steal) / (last.total - first.total),
    worstSecondShare,
    stolenMs: (last.steal - first.steal) * JIFFY_MS,
  };
}

function readCpuTimes(): CpuTimes | null {
  try {
    return parseProcStat(readFileSync("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}

/** Samples `/proc/stat` from `start()` until `stop()`. */
export class StealRecorder {
  readonly #intervalMs: number;
  readonly #samples: CpuSample[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs = 100) {
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer !== undefined || readCpuTimes() === null) return;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sample();
  }

  /** The steal share between two instants on `process.hrtime.bigint()`'s clock. */
  between(fromNs: number, toNs: number): StealShare | null {
    return stealBetween(this.#samples, fromNs, toNs);
  }

  /**
   * The steal share over an open-loop run's measured period: `seconds` from its start, or until
   * its last answer when the server fell behind and answered later.
   */
  duringRun(
    run: Pick<OpenLoopResult, "summary" | "lastAnswerMs">,
    seconds: number,
  ): StealShare | null {
    const fromNs = run.summary.measureFromNs;
    return this.between(fromNs, fromNs + Math.max(seconds * 1000, run.lastAnswerMs) * 1e6);
  }

  #sample(): void {
    const times = readCpuTimes();
    if (times !== null) this.#samples.push({ atNs: Number(process.hrtime.bigint()), ...times });
  }
}
