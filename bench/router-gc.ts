/**
 * Benchmark: what the routing server's young-generation collections (scavenges) have to do
 * per proxied request, from V8's own trace, against the bare proxy (issue 5's p99).
 *
 *   npx tsx bench/router-gc.ts [--rate 1000] [--seconds 6] [--warmup 4] [--model proxy]
 *       [--targets router,floor] [--rounds 1] [--stream]
 *
 * A scavenge's pause grows with what survives it (copied, and on a second survival promoted
 * to old space, which only a mark-compact frees), not with what was allocated. At 1,000/s a
 * request lives well under a millisecond, so next to nothing of it should be alive at a
 * scavenge. This counts what is: each target (this checkout's router from `dist/`, built
 * first, on route `--model`; the bare proxy) runs behind the echo server under `node
 * --trace-gc --trace-gc-nvp`, `--warmup` seconds of open-loop traffic at `--rate` and then
 * `--seconds` whose trace lines are kept. Prints, for the main thread's isolate: scavenges,
 * their median, 90th-percentile, longest and total pause, the median of their copying phase
 * (`scavenge.parallel`: the main thread's share, and its wait for V8's helper threads) and of
 * the milliseconds the helpers worked in them, the median bytes that survived each one, and bytes promoted per
 * answered request; writes bench/results/router-gc.json. The target `router-parallel-gc` is
 * the router with `server.young_gc: parallel`, V8's own parallel scavenges (ADR 0041);
 * `router-monitoring` is the router with what `modelscout serve` adds (monitoring, `/metrics`,
 * the admin API: `loadgen/router-server.mjs --monitoring`).
 * `--rounds` runs the targets that many times, taking turns. `--stream` sends streamed chats
 * (the router only: the bare proxy does not relay streams). `bench/router-alloc.ts
 * --survivors` says which functions allocated what survives.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "6" },
    warmup: { type: "string", default: "4" },
    model: { type: "string", default: "proxy" },
    targets: { type: "string", default: "router,floor" },
    rounds: { type: "string", default: "1" },
    stream: { type: "boolean", default: false },
  },
});
const rate = Number(values.rate);

/** The numeric `key=value` fields of one `--trace-gc-nvp` line. */
function traceFields(line: string): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const [, key, value] of line.matchAll(/([\w.]+)=([\d.]+)/g)) {
    fields[key as string] = Number(value);
  }
  return fields;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

const TARGETS = {
  router: ["--no-health-checks"],
  "router-parallel-gc": ["--no-health-checks", "--young-gc", "parallel"],
  "router-monitoring": ["--no-health-checks", "--monitoring"],
  floor: [],
} as const;
type Target = keyof typeof TARGETS;

async function measure(target: Target, upstreamUrl: string) {
  const server = await startRole(
    target === "floor" ? "bare-proxy" : "router",
    ["--upstream", upstreamUrl, ...TARGETS[target]],
    ["--trace-gc", "--trace-gc-nvp"],
  );
  const trace: string[] = [];
  let keeping = false;
  let pending = "";
  server.child.stdout?.on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    if (keeping) trace.push(...lines);
  });
  try {
    const load = {
      port: server.port,
      path: "/v1/chat/completions",
      body: values.stream
        ? JSON.stringify({ ...JSON.parse(chatBody(values.model as string)), stream: true })
        : chatBody(target === "floor" ? "echo" : (values.model as string)),
      rate,
      warmup: 0,
      connections: 64,
    };
    await runOpenLoop({ ...load, seconds: Number(values.warmup) });
    keeping = true;
    const { latenciesMs } = await runOpenLoop({ ...load, seconds: Number(values.seconds) });
    keeping = false;
    // Worker threads (the request log's writer, the checkpointer) are isolates of their own;
    // the main thread's is the one with the most scavenges.
    const byIsolate = new Map<string, Record<string, number>[]>();
    for (const line of trace) {
      const match = /^\[\d+:(0x[0-9a-f]+)\].* gc=s /.exec(line);
      if (match === null) continue;
      const isolate = match[1] as string;
      byIsolate.set(isolate, [...(byIsolate.get(isolate) ?? []), traceFields(line)]);
    }
    const scavenges = [...byIsolate.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    const answered = latenciesMs.length;
    const pauses = scavenges.map((fields) => fields.pause ?? 0);
    const result = {
      target,
      answered,
      scavenges: scavenges.length,
      pauseMedianMs: median(pauses),
      pauseP90Ms: quantile(pauses, 0.9),
      pauseMaxMs: Math.max(...pauses),
      pauseTotalMs: pauses.reduce((sum, pause) => sum + pause, 0),
      /** The main thread's copying phase, in which it also waits for the helpers it handed work. */
      parallelPhaseMedianMs: median(scavenges.map((fields) => fields["scavenge.parallel"] ?? 0)),
      helpersMedianMs: median(
        scavenges.map((fields) => fields["background.scavenge.parallel"] ?? 0),
      ),
      survivedMedianBytes: median(scavenges.map((fields) => fields.new_space_survived ?? 0)),
      promotedBytesPerRequest:
        scavenges.reduce((sum, fields) => sum + (fields.promoted ?? 0), 0) / answered,
    };
    process.stderr.write(
      `${target}: ${answered} answered, ${result.scavenges} scavenges, pause median ${result.pauseMedianMs} ms (p90 ${result.pauseP90Ms}, max ${result.pauseMaxMs}, total ${result.pauseTotalMs.toFixed(1)}), copying phase ${result.parallelPhaseMedianMs} ms, helpers ${result.helpersMedianMs} ms, survived median ${result.survivedMedianBytes} bytes, promoted ${result.promotedBytesPerRequest.toFixed(0)} bytes/request\n`,
    );
    return result;
  } finally {
    server.child.kill("SIGTERM");
  }
}

async function main(): Promise<void> {
  buildRouter();
  const upstream = await startRole("upstream");
  const results = [];
  try {
    const targets = (values.targets as string).split(",");
    for (const target of targets) {
      if (!(target in TARGETS)) throw new Error(`unknown target ${target}`);
    }
    for (let round = 0; round < Number(values.rounds); round += 1) {
      for (const target of targets as Target[]) {
        if (target === "floor" && values.stream) continue;
        results.push({ round: round + 1, ...(await measure(target, upstream.url)) });
      }
    }
  } finally {
    upstream.child.kill("SIGTERM");
  }
  console.log(
    "| round | target | answered | scavenges | pause median / p90 / max (ms) | pause total (ms) | copying phase, median (ms) | helpers, median (ms) | survived median (bytes) | promoted per request (bytes) |",
  );
  console.log("|---:|---|---:|---:|---|---:|---:|---:|---:|---:|");
  for (const result of results) {
    console.log(
      `| ${result.round} | ${result.target} | ${result.answered} | ${result.scavenges} | ${result.pauseMedianMs} / ${result.pauseP90Ms} / ${result.pauseMaxMs} | ${result.pauseTotalMs.toFixed(1)} | ${result.parallelPhaseMedianMs} | ${result.helpersMedianMs} | ${result.survivedMedianBytes} | ${result.promotedBytesPerRequest.toFixed(0)} |`,
    );
  }
  writeFileSync(
    fileURLToPath(new URL("./results/router-gc.json", import.meta.url)),
    `${JSON.stringify(
      {
        benchmark: "router-gc",
        command: `npx tsx bench/router-gc.ts --rate ${rate} --seconds ${values.seconds} --warmup ${values.warmup} --model ${values.model} --targets ${values.targets} --rounds ${values.rounds}${values.stream ? " --stream" : ""}`,
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        loadAverageAtEnd: loadavg(),
        results,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
