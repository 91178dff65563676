/**
 * Benchmark: what `modelscout serve --workers N` (ADR 0061) does for a server's capacity.
 * Starts the built CLI (`dist/`, built first) with `--workers 1` and then `--workers 2`, in
 * turn `--repeats` times, each on a fresh state file, serving one route whose model is the
 * in-process `echo` backend (so the server's own work is what is measured, with its request
 * log, monitoring and redaction as `modelscout serve` runs them). Each is warmed up for 10 s
 * at 2,000 requests/s, then loaded by the open-loop generator (`loadgen/open-loop.c`, 64
 * keep-alive connections, which the cluster hands to the workers in turn) at each of
 * `--rates` for `--seconds`: the answered rate, the p50 and p99 latency, and how long past
 * the schedule the last answer came (a server that cannot keep up works off a queue).
 *
 *   npx tsx bench/serve-workers.ts [--rates 2000,4000,6000,8000] [--seconds 10]
 *       [--repeats 1] [--workers 1,2] [--proxied]
 *
 * `--proxied` serves the route from the bare echo server over loopback instead
 * (`loadgen/echo-server.mjs` as an OpenAI-compatible model), as `router-overhead.ts`'s
 * proxied row does, and in each repeat also loads the echo server directly and the bare
 * proxy (`loadgen/bare-proxy.mjs`) at each rate, so that a row says what a second worker does
 * to the proxied route's added latency (results: bench/results/serve-workers-proxied.json).
 *
 * On a machine with as many cores as workers plus the generator's, two workers should carry
 * about twice what one does; on this project's 2-CPU machines the generator takes part of a
 * CPU, so the figures say what a second worker gives there, not on a larger machine.
 * Results: bench/results/serve-workers.json.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeBenchResult } from "./bench-result.js";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    rates: { type: "string", default: "2000,4000,6000,8000" },
    seconds: { type: "string", default: "10" },
    repeats: { type: "string", default: "1" },
    workers: { type: "string", default: "1,2" },
    proxied: { type: "boolean", default: false },
  },
});
const proxied = values.proxied;
const rates = values.rates.split(",").map(Number);
const seconds = Number(values.seconds);
const repeats = Number(values.repeats);
const workerCounts = values.workers.split(",").map(Number);

const root = fileURLToPath(new URL("..", import.meta.url));
execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
const main = join(root, "dist/cli/main.js");

const home = mkdtempSync(join(tmpdir(), "ms-bench-workers-"));
const configPath = join(home, "routes.json");
// `--proxied`: the echo server, and the bare proxy in front of it, for the comparison rows.
const upstream = proxied ? await startRole("upstream") : undefined;
const bareProxy =
  upstream === undefined ? undefined : await startRole("bare-proxy", ["--upstream", upstream.url]);
writeFileSync(
  configPath,
  JSON.stringify({
    models: [
      upstream === undefined
        ? { id: "echo:desk", kind: "echo", template: "desk: {{input}}" }
        : { id: "echo:desk", kind: "openai", base_url: `${upstream.url}/v1`, api_model: "echo" },
    ],
    routes: [{ name: "desk", targets: { chat: { policy: "fixed", candidates: ["echo:desk"] } } }],
  }),
);
const body = JSON.stringify({
  model: "desk",
  messages: [{ role: "user", content: "Where is my parcel? It was due on Monday." }],
});

/** Starts `serve --workers N` and resolves with its port once every worker listens. */
async function startServe(workers: number, run: number) {
  const child = spawn(
    process.execPath,
    [
      main,
      "serve",
      "--config",
      configPath,
      "--state",
      join(home, `state-${run}.db`),
      "--port",
      "0",
      "--workers",
      String(workers),
    ],
    { env: { ...process.env, MODELSCOUT_HOME: home }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const line =
    workers === 1
      ? /Routing server at http:\/\/127\.0\.0\.1:(\d+) \(/
      : new RegExp(`Routing server at http://127\\.0\\.0\\.1:(\\d+) with ${workers} workers`);
  for (let waited = 0; !line.test(output); waited += 100) {
    if (waited > 60_000 || child.exitCode !== null) {
      child.kill("SIGKILL");
      throw new Error(`serve --workers ${workers} did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, port: Number(line.exec(output)?.[1]) };
}

interface Row {
  repeat: number;
  /** Server processes; 0 for the comparison rows of `--proxied` (`target`). */
  workers: number;
  target: "serve" | "direct" | "bare proxy";
  rate: number;
  answeredPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  lastAnswerPastScheduleMs: number;
  non2xx: number;
  unanswered: number;
}

const percentile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

const rows: Row[] = [];
let run = 0;

/** Loads `port` at each rate after 10 s of warm-up at 2,000/s, a row per rate. */
async function measure(port: number, repeat: number, workers: number, target: Row["target"]) {
  const load = { port, path: "/v1/chat/completions", body, connections: 64 };
  await runOpenLoop({ ...load, rate: 2000, seconds: 10, warmup: 0, realtime: true });
  for (const rate of rates) {
    const result = await runOpenLoop({ ...load, rate, seconds, warmup: 3, realtime: true });
    const row: Row = {
      repeat,
      workers,
      target,
      rate,
      answeredPerSecond: Math.round(result.latenciesMs.length / seconds),
      p50Ms: Number(percentile(result.latenciesMs, 0.5).toFixed(3)),
      p99Ms: Number(percentile(result.latenciesMs, 0.99).toFixed(3)),
      lastAnswerPastScheduleMs: Math.max(0, Math.round(result.lastAnswerMs - seconds * 1000)),
      non2xx: result.summary.non2xx,
      unanswered: result.summary.unanswered,
    };
    rows.push(row);
    process.stdout.write(
      `repeat ${repeat}, ${target === "serve" ? `--workers ${workers}` : target}, ${rate}/s: answered ${row.answeredPerSecond}/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, last answer ${row.lastAnswerPastScheduleMs} ms past the schedule, non-2xx ${row.non2xx}, unanswered ${row.unanswered}\n`,
    );
  }
}

try {
  for (let repeat = 1; repeat <= repeats; repeat++) {
    if (upstream !== undefined && bareProxy !== undefined) {
      await measure(upstream.port, repeat, 0, "direct");
      await measure(bareProxy.port, repeat, 0, "bare proxy");
    }
    for (const workers of workerCounts) {
      run += 1;
      const { child, port } = await startServe(workers, run);
      try {
        await measure(port, repeat, workers, "serve");
      } finally {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
  }
} finally {
  upstream?.child.kill("SIGTERM");
  bareProxy?.child.kill("SIGTERM");
  rmSync(home, { recursive: true, force: true });
}

writeBenchResult(
  proxied ? "serve-workers-proxied" : "serve-workers",
  `npx tsx bench/serve-workers.ts --rates ${values.rates} --seconds ${seconds} --repeats ${repeats} --workers ${values.workers}${proxied ? " --proxied" : ""}`,
  { rows },
);
