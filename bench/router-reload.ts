/**
 * Benchmark: what reloading the routes config (SIGHUP, ADR 0046) does to the requests a
 * routing server is answering, against the same load with no reload (issue 5).
 *
 *   npx tsx bench/router-reload.ts [--rate 1000] [--seconds 20] [--warmup 10]
 *       [--every 2] [--connections 64] [--rounds 2] [--routes proxy|bundled|bundled-examples]
 *
 * Starts the bare echo server (`loadgen/echo-server.mjs`) and `modelscout serve` from the
 * built package (`dist/cli/main.js`, monitoring and redaction on, as deployed) with a config
 * whose one route sends chat completions to the echo server as an OpenAI-compatible model.
 * The open-loop generator (`loadgen/open-loop.c`) sends `--rate` requests/s through it twice:
 * once untouched (`steady`), then while the config file is rewritten and the server sent
 * SIGHUP every `--every` seconds (`reloading`), the two taking turns `--rounds` times (this
 * shared machine's noise moves from minute to minute). Each reload changes the model's declaration
 * (`max_tokens` 64 or 65), so the server builds a new backend for it and checks that the echo
 * server answers, sends new requests to it, and unloads the old one once its calls in flight
 * end: the most a reload of a config does to a proxied route. (Sockets are pooled per process,
 * not per backend, so the connections to the echo server stay.)
 *
 * Prints, per run, the requests answered and not (non-2xx, failed connections, unanswered),
 * p50/p99/max latency over the run and over the 500 ms after each SIGHUP, and how long each
 * reload took (SIGHUP to the server's `Reloaded` line). Writes bench/results/router-reload.json
 * (`router-reload-<routes>.json` for the bundled configs).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { CUSTOMER_SERVICE_ROUTES } from "../src/route/bundled/customer-service-routes.js";
import { writeBenchResult } from "./bench-result.js";
import { type OpenLoopAnswer, runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "20" },
    warmup: { type: "string", default: "10" },
    every: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
    rounds: { type: "string", default: "2" },
    routes: { type: "string", default: "proxy" },
  },
});
if (
  values.routes !== "proxy" &&
  values.routes !== "bundled" &&
  values.routes !== "bundled-examples"
) {
  throw new Error(`--routes takes proxy, bundled or bundled-examples, not ${values.routes}`);
}
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const everySeconds = Number(values.every);
/** The window after a SIGHUP whose requests are counted as the reload's. */
const WINDOW_MS = 500;

const MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

/**
 * The config each reload writes, `variant` 0 or 1: with `--routes proxy`, the proxied model's
 * `max_tokens` is 64 or 65; with `bundled`, the customer-service example (its classification
 * steps embed about 600 example utterances) with one echo model's template changed; with
 * `bundled-examples`, that and one example utterance more or less, so the step's examples are
 * embedded again.
 */
function routesConfig(upstream: string, variant: 0 | 1): string {
  if (values.routes !== "proxy") {
    const config = structuredClone(CUSTOMER_SERVICE_ROUTES);
    const echo = config.models?.[0] as { template?: string };
    echo.template = `${echo.template ?? ""}${variant === 1 ? " (v2)" : ""}`;
    if (values.routes === "bundled-examples" && variant === 1) {
      const step = config.classification?.find((entry) => entry.kind === "nearest-neighbour") as {
        examples: Record<string, string[]>;
      };
      step.examples.delivery = [
        ...(step.examples.delivery ?? []),
        "has my order left the warehouse",
      ];
    }
    return JSON.stringify(config);
  }
  const maxTokens = variant === 0 ? 64 : 65;
  return JSON.stringify({
    default_route: "proxy",
    models: [
      {
        id: "upstream",
        kind: "openai",
        base_url: `${upstream}/v1`,
        api_model: "echo",
        max_tokens: maxTokens,
        health_check: false,
      },
    ],
    routes: [{ name: "proxy", targets: { chat: { policy: "fixed", candidates: ["upstream"] } } }],
  });
}

interface Serve {
  url: string;
  child: ChildProcess;
  /** Resolves at the next `Reloaded` line (or rejects at a `was not reloaded` line). */
  nextReload(): Promise<void>;
}

function startServe(configPath: string, home: string): Promise<Serve> {
  const child = spawn(process.execPath, [MAIN, "serve", "--config", configPath, "--port", "0"], {
    env: { ...process.env, MODELSCOUT_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  let stdout = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const line of chunk.split("\n")) {
      if (line.includes("was not reloaded")) waiting.shift()?.reject(new Error(line));
    }
  });
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split("\n")) {
        if (line.startsWith("Reloaded ")) waiting.shift()?.resolve();
      }
      const match = /Routing server at (http:\/\/\S+)/.exec(stdout);
      if (match?.[1] !== undefined) {
        resolve({
          url: match[1],
          child,
          nextReload: () =>
            new Promise((done, fail) => waiting.push({ resolve: done, reject: fail })),
        });
      }
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

interface Latencies {
  requests: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

function latencies(answers: readonly OpenLoopAnswer[]): Latencies {
  const sorted = answers.map((answer) => answer.latencyNs / 1e6).sort((a, b) => a - b);
  const at = (q: number) => (sorted.length === 0 ? null : percentile(sorted, q));
  return {
    requests: sorted.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.length === 0 ? null : (sorted[sorted.length - 1] as number),
  };
}

async function main(): Promise<void> {
  buildRouter();
  const upstream = await startRole("upstream");
  const home = mkdtempSync(join(tmpdir(), "ms-reload-bench-"));
  const configPath = join(home, "routes.json");
  writeFileSync(configPath, routesConfig(upstream.url, 0));
  const serve = await startServe(configPath, home);
  const port = Number(new URL(serve.url).port);
  const load = {
    port,
    path: "/v1/chat/completions",
    body: chatBody("auto"),
    rate,
    seconds,
    warmup: Number(values.warmup),
    connections: Number(values.connections),
    realtime: true,
    keepAnswers: true,
  };
  const runs: Record<string, unknown>[] = [];
  try {
    const order = Array.from({ length: Number(values.rounds) }, (_, round) =>
      (["steady", "reloading"] as const).map((name) => ({ name, round: round + 1 })),
    ).flat();
    let variant: 0 | 1 = 0;
    for (const { name, round } of order) {
      const sighups: bigint[] = [];
      const reloadMs: number[] = [];
      let stop = false;
      let reloads: Promise<void> = Promise.resolve();
      if (name === "reloading") {
        // Reloads start once the warm-up is over, one every `--every` seconds, each after the
        // last has finished.
        reloads = (async () => {
          await new Promise((resolve) => setTimeout(resolve, load.warmup * 1000));
          while (!stop) {
            await new Promise((resolve) => setTimeout(resolve, everySeconds * 1000));
            if (stop) break;
            variant = variant === 0 ? 1 : 0;
            writeFileSync(configPath, routesConfig(upstream.url, variant));
            const reloaded = serve.nextReload();
            const sent = process.hrtime.bigint();
            sighups.push(sent);
            serve.child.kill("SIGHUP");
            await reloaded;
            reloadMs.push(Number(process.hrtime.bigint() - sent) / 1e6);
          }
        })();
      }
      const result = await runOpenLoop(load);
      stop = true;
      await reloads;
      const answers = result.answers ?? [];
      const from = BigInt(result.summary.measureFromNs);
      // Requests scheduled within WINDOW_MS after a SIGHUP in the measured period.
      const windows = sighups
        .map((at) => Number(at - from) / 1e6)
        .filter((ms) => ms >= 0 && ms < seconds * 1000);
      const measured = answers.map((answer) => ({
        ...answer,
        atMs: (answer.scheduledNs - result.summary.measureFromNs) / 1e6,
      }));
      const afterReload = measured.filter((answer) =>
        windows.some((start) => answer.atMs >= start && answer.atMs < start + WINDOW_MS),
      );
      const run = {
        name,
        round,
        sent: result.summary.sent,
        answered: result.summary.answered,
        non2xx: result.summary.non2xx,
        failedConnections: result.summary.failedConnections,
        unanswered: result.summary.unanswered,
        reloads: windows.length,
        reloadMs,
        all: latencies(measured.filter((answer) => answer.status >= 200 && answer.status < 300)),
        afterReload: latencies(afterReload),
        afterReloadNon2xx: afterReload.filter(
          (answer) => answer.status < 200 || answer.status > 299,
        ).length,
        priority: result.summary.priority,
      };
      runs.push(run);
      const fmt = (value: number | null) => (value === null ? "-" : value.toFixed(3));
      console.log(
        `${name} (round ${round}): sent ${run.sent}, answered ${run.answered}, non-2xx ${run.non2xx}, failed connections ${run.failedConnections}, unanswered ${run.unanswered}; ` +
          `p50/p99/max ${fmt(run.all.p50Ms)}/${fmt(run.all.p99Ms)}/${fmt(run.all.maxMs)} ms` +
          (run.reloads > 0
            ? `; ${run.reloads} reloads (${reloadMs.map((ms) => ms.toFixed(0)).join(", ")} ms each), the ${run.afterReload.requests} requests in the ${WINDOW_MS} ms after one: p50/p99/max ${fmt(run.afterReload.p50Ms)}/${fmt(run.afterReload.p99Ms)}/${fmt(run.afterReload.maxMs)} ms, ${run.afterReloadNon2xx} not 2xx`
            : ""),
      );
    }
  } finally {
    serve.child.kill("SIGTERM");
    upstream.child.kill();
    rmSync(home, { recursive: true, force: true });
  }
  writeBenchResult(
    values.routes === "proxy" ? "router-reload" : `router-reload-${values.routes}`,
    `npx tsx bench/router-reload.ts --rate ${rate} --seconds ${seconds} --warmup ${values.warmup} --every ${everySeconds} --connections ${values.connections} --rounds ${values.rounds} --routes ${values.routes}`,
    { rate, seconds, everySeconds, windowMs: WINDOW_MS, runs },
  );
}

await main();
