/**
 * Runs `open-loop.c`, the router benchmarks' open-loop load generator (see its header for why
 * not autocannon), compiling it with the machine's C compiler on first use and whenever the
 * source is newer than the binary (`bench/loadgen/.build/`, not committed).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCProgram } from "./c-program.js";

export function buildOpenLoop(): string {
  return buildCProgram("open-loop", ["-lm"]);
}

export interface OpenLoopOptions {
  /** A server on 127.0.0.1. */
  port: number;
  path: string;
  /** A JSON body, sent as `POST` with `Content-Type: application/json`. */
  body: string;
  /** Requests scheduled per second. */
  rate: number;
  /** The measured period; `warmup` seconds at the same rate come before it, unmeasured. */
  seconds: number;
  warmup: number;
  /** The keep-alive pool: a bound on requests in flight, not a concurrency to keep up. */
  connections: number;
  /** Evenly spaced (the default) or Poisson arrivals at the same mean rate. */
  arrivals?: "uniform" | "poisson";
  seed?: number;
  /**
   * Run the generator under `SCHED_FIFO` (`chrt --fifo 10`), so that on a machine it shares
   * with the servers it sends on time instead of waiting for a CPU behind them: a late send is
   * charged to the server, since latency runs from the scheduled time. Falls back to the
   * normal class, and says so in `OpenLoopSummary.priority`, where `chrt` cannot do it.
   */
  realtime?: boolean;
  /** Also return every answer with its scheduled time (`OpenLoopResult.answers`). */
  keepAnswers?: boolean;
}

/** One answer of the measured period, as `open-loop` wrote it. */
export interface OpenLoopAnswer {
  /** When it was scheduled, on CLOCK_MONOTONIC (ns). */
  scheduledNs: number;
  latencyNs: number;
  status: number;
}

export interface OpenLoopSummary {
  sent: number;
  answered: number;
  measured: number;
  non2xx: number;
  failedConnections: number;
  unanswered: number;
  /** Scheduled requests that found every connection busy and waited (on the clock). */
  waitedForConnection: number;
  /** The latest the generator sent a request after its scheduled time. */
  maxSendLagNs: number;
  arrivals: string;
  /** The measured period's start on CLOCK_MONOTONIC (`process.hrtime.bigint()`'s clock), ns. */
  measureFromNs: number;
  /** The generator's scheduling class: `fifo` or `normal`. */
  priority: "fifo" | "normal";
}

export interface OpenLoopResult {
  summary: OpenLoopSummary;
  /** Latencies of the measured period's answers with a 2xx status, in ms, ascending. */
  latenciesMs: number[];
  /**
   * When the measured period's last answer arrived, in ms from the period's start: past
   * `seconds` when the server fell behind and worked off a queue after the schedule ended.
   */
  lastAnswerMs: number;
  /** With `keepAnswers`: every answer, in the order they came. */
  answers?: OpenLoopAnswer[];
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const binary = buildOpenLoop();
  const directory = mkdtempSync(join(tmpdir(), "ms-open-loop-"));
  try {
    const bodyFile = join(directory, "body.json");
    const latenciesFile = join(directory, "latencies.txt");
    writeFileSync(bodyFile, options.body);
    const args = [
      ["--port", options.port],
      ["--path", options.path],
      ["--body-file", bodyFile],
      ["--rate", options.rate],
      ["--seconds", options.seconds],
      ["--warmup", options.warmup],
      ["--connections", options.connections],
      ["--seed", options.seed ?? 1],
      ["--latencies", latenciesFile],
    ].flatMap(([flag, value]) => [String(flag), String(value)]);
    if (options.arrivals === "poisson") args.push("--poisson");
    const realtime = options.realtime === true && canRunRealtime();
    const command = realtime ? ["chrt", "--fifo", "10", binary, ...args] : [binary, ...args];
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(command[0] as string, command.slice(1), {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
      });
      child.once("error", reject);
      child.once("exit", (code) =>
        code === 0 ? resolve(output) : reject(new Error(`open-loop exited with ${code}`)),
      );
    });
    const summary = {
      ...(JSON.parse(stdout) as Omit<OpenLoopSummary, "priority">),
      priority: realtime ? "fifo" : "normal",
    } satisfies OpenLoopSummary;
    const latenciesMs: number[] = [];
    const answers: OpenLoopAnswer[] = [];
    let lastAnswerMs = 0;
    for (const line of readFileSync(latenciesFile, "utf8").split("\n")) {
      if (line === "") continue;
      const [latencyNs, status, scheduledNs] = line.split(" ").map(Number) as [
        number,
        number,
        number,
      ];
      lastAnswerMs = Math.max(lastAnswerMs, (scheduledNs + latencyNs) / 1e6);
      if (status >= 200 && status < 300) latenciesMs.push(latencyNs / 1e6);
      if (options.keepAnswers === true) {
        answers.push({ scheduledNs: summary.measureFromNs + scheduledNs, latencyNs, status });
      }
    }
    latenciesMs.sort((a, b) => a - b);
    return {
      summary,
      latenciesMs,
      lastAnswerMs,
      ...(options.keepAnswers === true && { answers }),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

let realtimeWorks: boolean | undefined;

/** Whether `chrt --fifo` runs here (Linux, util-linux, and the right to: root or CAP_SYS_NICE). */
function canRunRealtime(): boolean {
  if (realtimeWorks === undefined) {
    try {
      execFileSync("chrt", ["--fifo", "10", "true"], { stdio: "ignore" });
      realtimeWorks = true;
    } catch {
      realtimeWorks = false;
    }
  }
  return realtimeWorks;
}
