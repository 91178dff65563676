/**
 * Runs `cpu-gaps.c`: for `seconds`, one busy thread pinned to each CPU counts the gaps in its
 * own clock, the time it did not run. On this project's virtual machines the hypervisor's
 * steal time in `/proc/stat` (`cpu-steal.ts`) can read 0.00 % while the host still takes a
 * CPU away for milliseconds at a time (2026-12-01: 5-12 gaps over 1 ms, up to 4.6 ms, per CPU
 * in 5 s on an idle guest); such a gap is a late answer for every request in flight on it.
 */
import { execFileSync } from "node:child_process";
import { buildCProgram } from "./c-program.js";

export interface CpuGaps {
  cpu: number;
  /** Gaps over 0.1 ms, and over 1 ms. */
  over100us: number;
  over1ms: number;
  maxMs: number;
  /** The gaps over 0.1 ms, summed. */
  lostMs: number;
}

export interface CpuGapsReport {
  seconds: number;
  cpus: CpuGaps[];
}

/** The program's one JSON line, checked. */
export function parseCpuGaps(line: string): CpuGapsReport {
  const report = JSON.parse(line) as CpuGapsReport;
  if (!Array.isArray(report.cpus) || typeof report.seconds !== "number") {
    throw new Error(`cpu-gaps printed an unexpected line: ${line}`);
  }
  return report;
}

/** `cpu0 12 gaps over 1 ms (max 4.6 ms, 1.2 % of the time lost), cpu1 1 gap ...`. */
export function describeCpuGaps(report: CpuGapsReport): string {
  return report.cpus
    .map(
      (cpu) =>
        `cpu${cpu.cpu} ${cpu.over1ms} ${cpu.over1ms === 1 ? "gap" : "gaps"} over 1 ms (max ${cpu.maxMs.toFixed(1)} ms, ${((cpu.lostMs / (report.seconds * 1000)) * 100).toFixed(1)} % of the time lost)`,
    )
    .join(", ");
}

/** Busy-spins every CPU for `seconds`: run it when nothing else is running. */
export function measureCpuGaps(seconds: number): CpuGapsReport {
  const binary = buildCProgram("cpu-gaps", ["-pthread"]);
  return parseCpuGaps(execFileSync(binary, [String(seconds)], { encoding: "utf8" }).trim());
}
