/**
 * Benchmark: what the slow answers of a run fell beside (issue 5). `router-overhead.ts` says
 * how slow the tail is; this says what it is made of, by laying each answer slower than
 * `--slow-ms` beside the pauses the two Node.js servers recorded in the same run.
 *
 *   npx tsx bench/router-timeline.ts [--target proxy|in-process|floor] [--rate 5000]
 *       [--seconds 10] [--warmup 10] [--repeats 1] [--slow-ms 1] [--keep-text]
 *
 * Starts the echo server and the router (or the bare proxy, `--target floor`) as
 * `router-overhead.ts` does, each with `loadgen/event-recorder.mjs` preloaded: it records every
 * GC pause of the main thread and every time the event loop ran a 1 ms timer more than 0.5 ms
 * late (busy, or without a CPU), on the load generator's clock. Drives the target with the
 * same open-loop generator and keeps every answer with its scheduled time. An answer is put
 * beside an event of either process that overlaps the span from 2 ms before it was scheduled
 * (a backlog takes that long to clear at this load) to its last byte; one answer can be beside
 * several events, and "beside nothing" counts the rest. Prints, per repeat, the slow share and
 * a table of event kinds (count, mean and total pause, slow answers beside them), and writes
 * bench/results/router-timeline.json.
 *
 * The router's health checks are off (`--no-health-checks`), as in `router-instructions.ts`:
 * their rounds would be events of their own.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { type OpenLoopAnswer, runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "proxy" },
    rate: { type: "string", default: "5000" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "10" },
    repeats: { type: "string", default: "1" },
    connections: { type: "string", default: "64" },
    "slow-ms": { type: "string", default: "1" },
    "keep-text": { type: "boolean", default: false },
  },
});

const RECORDER = fileURLToPath(new URL("./loadgen/event-recorder.mjs", import.meta.url));
/** How far before a slow answer's schedule an event still counts as beside it. */
const BEFORE_NS = 2e6;

type ServerEvent = [kind: string, startNs: number, durationNs: number];

interface KindSummary {
  kind: string;
  events: number;
  meanMs: number;
  maxMs: number;
  totalMs: number;
  slowBeside: number;
}

/** Starts `role` with the recorder, writing its events to `file` with `prefix` on each kind. */
async function startRecorded(
  role: "upstream" | "router" | "bare-proxy",
  extra: string[],
  file: string,
  prefix: string,
) {
  process.env.EVENT_RECORDER_OUT = file;
  process.env.EVENT_RECORDER_PREFIX = prefix;
  try {
    return await startRole(role, extra, ["--import", RECORDER]);
  } finally {
    delete process.env.EVENT_RECORDER_OUT;
    delete process.env.EVENT_RECORDER_PREFIX;
  }
}

/** Asks a recorded process for its events since the last ask. */
async function collect(child: { kill(signal: NodeJS.Signals): boolean }, file: string) {
  rmSync(file, { force: true });
  child.kill("SIGUSR2");
  for (let waited = 0; waited < 5000; waited += 50) {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as ServerEvent[];
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`no events from ${file}`);
}

export function attribute(
  answers: readonly OpenLoopAnswer[],
  events: readonly ServerEvent[],
  slowNs: number,
  fromNs: number,
): { slow: number; besideNothing: number; kinds: KindSummary[] } {
  const inPeriod = events.filter(([, start, duration]) => start + duration >= fromNs);
  const kinds = new Map<string, KindSummary>();
  for (const [kind, , duration] of inPeriod) {
    const summary = kinds.get(kind) ?? {
      kind,
      events: 0,
      meanMs: 0,
      maxMs: 0,
      totalMs: 0,
      slowBeside: 0,
    };
    summary.events += 1;
    summary.totalMs += duration / 1e6;
    summary.maxMs = Math.max(summary.maxMs, duration / 1e6);
    kinds.set(kind, summary);
  }
  const sorted = [...inPeriod].sort((a, b) => a[1] - b[1]);
  const longest = sorted.reduce((most, [, , duration]) => Math.max(most, duration), 0);
  let slow = 0;
  let besideNothing = 0;
  for (const answer of answers) {
    if (answer.latencyNs <= slowNs) continue;
    slow += 1;
    const from = answer.scheduledNs - BEFORE_NS;
    const to = answer.scheduledNs + answer.latencyNs;
    const beside = new Set<string>();
    // Events starting after `to` cannot overlap; those starting long before `from` end before it.
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((sorted[middle] as ServerEvent)[1] < from - longest) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < sorted.length; index += 1) {
      const [kind, start, duration] = sorted[index] as ServerEvent;
      if (start > to) break;
      if (start + duration >= from) beside.add(kind);
    }
    if (beside.size === 0) besideNothing += 1;
    for (const kind of beside) (kinds.get(kind) as KindSummary).slowBeside += 1;
  }
  for (const summary of kinds.values()) summary.meanMs = summary.totalMs / summary.events;
  return {
    slow,
    besideNothing,
    kinds: [...kinds.values()].sort((a, b) => b.slowBeside - a.slowBeside),
  };
}

async function main(): Promise<void> {
  const target = values.target ?? "proxy";
  if (!["proxy", "in-process", "floor"].includes(target)) {
    throw new Error(`--target must be proxy, in-process or floor, not "${target}"`);
  }
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const repeats = Math.max(1, Number(values.repeats));
  const slowNs = Number(values["slow-ms"]) * 1e6;
  buildRouter();
  const upstreamFile = join(tmpdir(), `ms-timeline-upstream-${process.pid}.json`);
  const serverFile = join(tmpdir(), `ms-timeline-server-${process.pid}.json`);
  const upstream = await startRecorded("upstream", [], upstreamFile, "echo server ");
  const server =
    target === "floor"
      ? await startRecorded("bare-proxy", ["--upstream", upstream.url], serverFile, "bare proxy ")
      : await startRecorded(
          "router",
          [
            "--upstream",
            upstream.url,
            "--no-health-checks",
            ...(values["keep-text"] ? ["--keep-text"] : []),
          ],
          serverFile,
          "router ",
        );
  const model = target === "floor" ? "echo" : target === "proxy" ? "proxy" : "auto";
  const runs = [];
  try {
    for (let repeat = 1; repeat <= repeats; repeat += 1) {
      const { summary, latenciesMs, answers } = await runOpenLoop({
        port: server.port,
        path: "/v1/chat/completions",
        body: chatBody(model),
        rate,
        seconds,
        // The first repeat warms V8 up; later ones only let the previous run's backlog clear.
        warmup: repeat === 1 ? warmup : 2,
        connections: Number(values.connections),
        realtime: true,
        keepAnswers: true,
      });
      const events = [
        ...(await collect(server.child, serverFile)),
        ...(await collect(upstream.child, upstreamFile)),
      ];
      const found = attribute(answers ?? [], events, slowNs, summary.measureFromNs);
      const run = {
        repeat,
        answers: latenciesMs.length,
        errors: summary.non2xx + summary.failedConnections + summary.unanswered,
        p50Ms: percentile(latenciesMs, 0.5),
        p99Ms: percentile(latenciesMs, 0.99),
        slow: found.slow,
        slowShare: found.slow / Math.max(1, latenciesMs.length),
        besideNothing: found.besideNothing,
        kinds: found.kinds,
      };
      runs.push(run);
      console.log(
        `\n#${repeat}: ${run.answers} answers, ${run.errors} failed, p50 ${run.p50Ms.toFixed(3)} ms, p99 ${run.p99Ms.toFixed(3)} ms; ${run.slow} slower than ${values["slow-ms"]} ms (${(100 * run.slowShare).toFixed(2)} %), ${run.besideNothing} beside no event`,
      );
      console.log("| event | count | mean ms | longest ms | total ms | slow answers beside it |");
      console.log("|---|---:|---:|---:|---:|---:|");
      for (const kind of run.kinds) {
        console.log(
          `| ${kind.kind} | ${kind.events} | ${kind.meanMs.toFixed(3)} | ${kind.maxMs.toFixed(3)} | ${kind.totalMs.toFixed(1)} | ${kind.slowBeside} |`,
        );
      }
    }
  } finally {
    server.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
  }
  writeFileSync(
    fileURLToPath(new URL("./results/router-timeline.json", import.meta.url)),
    `${JSON.stringify(
      {
        benchmark: "router-timeline",
        command: `npx tsx bench/router-timeline.ts --target ${target} --rate ${rate} --seconds ${seconds} --warmup ${warmup} --repeats ${repeats} --slow-ms ${values["slow-ms"]}${values["keep-text"] ? " --keep-text" : ""}`,
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        loadavg: loadavg(),
        runs,
      },
      null,
      2,
    )}\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
