/**
 * Benchmark: what the routing server allocates straight into V8's old space per request, and
 * the garbage collections that follow (issue 5's p99; ADR 0030).
 *
 *   npx tsx bench/router-old-space.ts [--rate 5000] [--seconds 10] [--warmup 10]
 *
 * Two parts:
 * 1. **Object forms** (in this process, run again under `node --expose-gc`): for each way of
 *    building an object, the bytes one call adds to old space with no collection in between
 *    (a minor collection first, then 2,000 calls, six times; the median). On Node.js 20
 *    (V8 11.3), an object made by spreading another and then given a property of its own
 *    (`{ ...a, b: 1 }`, `{ ...a, ...b }`, or an assignment after `{ ...a }`) gets a new
 *    hidden class every time, and hidden classes live in old space, where only a
 *    mark-compact frees them.
 * 2. **The router** under load: for each target, a fresh router process (`dist/`, as
 *    `modelscout serve` runs it, `loadgen/router-server.mjs`) with `loadgen/heap-watch.mjs`
 *    loaded, the open-loop generator at `--rate` (`loadgen/open-loop.c`) for `--warmup`
 *    seconds and then `--seconds` measured, in which the watch counts the bytes allocated
 *    straight into old space, scavenges, mark-compacts and their pauses. Targets: `model:
 *    "auto"` to the in-process echo backend, and `model: "proxy"` to the bare echo server
 *    (`loadgen/echo-server.mjs`).
 *
 * Prints both tables and writes bench/results/router-old-space.json.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics } from "node:v8";
import { percentile } from "../src/profile/profile-model.js";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole } from "./router-roles.js";

const gc = (globalThis as { gc?: (options: { type: "minor" | "major" }) => void }).gc;
if (gc === undefined) {
  // Part 1 needs `gc()`: run again with it exposed, with a young generation large enough
  // that 2,000 calls never fill it.
  const rerun = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--max-semi-space-size=64",
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: "inherit" },
  );
  process.exit(rerun.status ?? 1);
}
const collect = gc as (options: { type: "minor" | "major" }) => void;

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "5000" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "10" },
  },
});

const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_used_size ?? 0;

/** Old-space bytes per call of `make`, with no collection during the calls (the median of six). */
function oldBytesPerCall(make: (index: number) => unknown): number {
  let keep: unknown;
  for (let index = 0; index < 5000; index += 1) keep = make(index);
  const perCall: number[] = [];
  for (let round = 0; round < 6; round += 1) {
    collect({ type: "minor" });
    collect({ type: "minor" });
    const before = oldSpaceUsed();
    for (let index = 0; index < 2000; index += 1) keep = make(index);
    perCall.push((oldSpaceUsed() - before) / 2000);
  }
  void keep;
  perCall.sort((a, b) => a - b);
  return ((perCall[2] as number) + (perCall[3] as number)) / 2;
}

const source = () => ({ model: "auto", messages: [] as unknown[] });
const more = () => ({ extra: 1 });
const FORMS: [string, (index: number) => unknown][] = [
  ["{ ...a }", () => ({ ...source() })],
  ["{ ...a, model } (a has model)", () => ({ ...source(), model: "x" })],
  ["{ ...a, extra } (a has no extra)", () => ({ ...source(), extra: 1 })],
  ["{ ...a, ...b } (b adds a field)", () => ({ ...source(), ...more() })],
  [
    "c = { ...a }; c.extra = 1",
    () => {
      const copy: Record<string, unknown> = { ...source() };
      copy.extra = 1;
      return copy;
    },
  ],
  ["{ extra, ...a }", () => ({ extra: 1, ...source() })],
  ["{ x, ...(flag && { y }), z }", (index) => ({ x: 1, ...(index % 2 === 0 && { y: 1 }), z: 2 })],
  ["Object.assign({}, a, { extra })", () => Object.assign({}, source(), { extra: 1 })],
];

interface RouterRun {
  target: string;
  rate: number;
  answered: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  oldDirectBytesPerRequest: number;
  scavenges: number;
  markCompacts: number;
  gcPauseMs: number;
  maxGcPauseMs: number;
}

async function runRouter(target: string, model: string): Promise<RouterRun> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const out = join(mkdtempSync(join(tmpdir(), "ms-heap-watch-")), "watch.json");
  process.env.HEAP_WATCH_OUT = out;
  const upstream = await startRole("upstream");
  const router = await startRole(
    "router",
    ["--upstream", upstream.url, "--no-health-checks"],
    ["--import", fileURLToPath(new URL("./loadgen/heap-watch.mjs", import.meta.url))],
  );
  const pid = router.child.pid as number;
  // The generator starts 50 ms after it is spawned (its connections open first).
  const toggles = [50 + warmup * 1000, 50 + (warmup + seconds) * 1000].map((delay) =>
    setTimeout(() => process.kill(pid, "SIGUSR2"), delay),
  );
  try {
    const { summary, latenciesMs } = await runOpenLoop({
      port: router.port,
      path: "/v1/chat/completions",
      body: chatBody(model),
      rate,
      seconds,
      warmup,
      connections: 64,
      realtime: true,
    });
    const exited = new Promise((resolve) => router.child.once("exit", resolve));
    router.child.kill("SIGTERM");
    await exited;
    const watch = JSON.parse(readFileSync(out, "utf8")) as {
      oldDirectBytes: number;
      sampledMs: number;
      scavenges: number;
      markCompacts: number;
      gcPauseMs: number;
      maxGcPauseMs: number;
    };
    return {
      target,
      rate,
      answered: summary.measured - summary.non2xx,
      p50Ms: percentile(latenciesMs, 0.5),
      p99Ms: percentile(latenciesMs, 0.99),
      maxMs: latenciesMs.at(-1) ?? Number.NaN,
      oldDirectBytesPerRequest: watch.oldDirectBytes / ((rate * watch.sampledMs) / 1000),
      scavenges: watch.scavenges,
      markCompacts: watch.markCompacts,
      gcPauseMs: watch.gcPauseMs,
      maxGcPauseMs: watch.maxGcPauseMs,
    };
  } finally {
    for (const toggle of toggles) clearTimeout(toggle);
    router.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
  }
}

async function main(): Promise<void> {
  console.log("Old-space bytes per call, by object form (median of six rounds of 2,000 calls):");
  console.log("| form | old-space bytes per call |\n|---|---:|");
  const forms = FORMS.map(([form, make]) => ({ form, oldBytesPerCall: oldBytesPerCall(make) }));
  for (const { form, oldBytesPerCall: bytes } of forms) {
    console.log(`| \`${form}\` | ${bytes.toFixed(0)} |`);
  }

  buildRouter();
  const runs = [
    await runRouter("router, in-process echo", "auto"),
    await runRouter("router -> echo server", "proxy"),
  ];
  console.log(
    `\nThe router at ${values.rate}/s, ${values.seconds} s measured after ${values.warmup} s of warm-up:`,
  );
  console.log(
    "| target | answered | p50 ms | p99 ms | max ms | old-space bytes allocated directly per request | scavenges | mark-compacts | GC pause ms (total / longest) |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const run of runs) {
    console.log(
      `| ${run.target} | ${run.answered} | ${run.p50Ms.toFixed(3)} | ${run.p99Ms.toFixed(3)} | ${run.maxMs.toFixed(1)} | ${run.oldDirectBytesPerRequest.toFixed(0)} | ${run.scavenges} | ${run.markCompacts} | ${run.gcPauseMs.toFixed(1)} / ${run.maxGcPauseMs.toFixed(1)} |`,
    );
  }
  writeFileSync(
    fileURLToPath(new URL("./results/router-old-space.json", import.meta.url)),
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        rate: Number(values.rate),
        seconds: Number(values.seconds),
        warmup: Number(values.warmup),
        forms,
        runs,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
