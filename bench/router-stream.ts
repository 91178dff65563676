/**
 * Benchmark: what the routing server adds to a streamed chat answer (ADR 0021): time to the
 * first word, time to the last, and the gaps between words, through the router against
 * straight from the model server.
 *
 *   npx tsx bench/router-stream.ts [--streams 300] [--concurrency 20] [--words 32]
 *       [--first-ms 50] [--piece-ms 20] [--rounds 2] [--cpu-prof DIR]
 *
 * Starts the bare echo server (`loadgen/echo-server.mjs`), which streams like a language
 * model server: the first word `--first-ms` after the request, then one every `--piece-ms`
 * (an answer asked for without streaming comes whole after as long as its last word would);
 * and the router from the built package (`loadgen/router-server.mjs`), whose `proxy` route
 * sends to that server as an OpenAI-compatible model. `--concurrency` clients (`node:http`,
 * keep-alive) each run streamed chat completions of a `--words`-word message back to back
 * until `--streams` have finished, first straight to the echo server (`direct`), then
 * through the router; `--rounds` alternates the two, after a warm-up of 50 streams each. The
 * router's CPU per stream (all threads, `/proc/<pid>/stat`) is read around each router run;
 * `--cpu-prof DIR` starts the router with `node --cpu-prof` (written to DIR when it exits).
 * Every answer is checked word for word. Added = router - direct, per percentile. Prints a
 * table and writes bench/results/router-stream.json.
 */
import { writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { buildRouter, cpuMicros, startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    streams: { type: "string", default: "300" },
    concurrency: { type: "string", default: "20" },
    words: { type: "string", default: "32" },
    "first-ms": { type: "string", default: "50" },
    "piece-ms": { type: "string", default: "20" },
    rounds: { type: "string", default: "2" },
    "cpu-prof": { type: "string" },
  },
});
const streams = Number(values.streams);
const concurrency = Number(values.concurrency);
const words = Number(values.words);
const message = Array.from({ length: words }, (_, index) => `word${index}`).join(" ");

interface StreamTiming {
  firstMs: number;
  totalMs: number;
  /** Time between consecutive words as the client received them. */
  gapsMs: number[];
}

/** One streamed chat completion; rejects unless the words arrive complete and in order. */
function streamOnce(url: URL, model: string, agent: Agent): Promise<StreamTiming> {
  const body = JSON.stringify({
    model,
    stream: true,
    messages: [{ role: "user", content: message }],
  });
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const arrivals: number[] = [];
    let text = "";
    let buffered = "";
    const call = request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    call.on("response", (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`${url.host}: HTTP ${response.statusCode}`));
        response.resume();
        return;
      }
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        const now = performance.now();
        buffered += chunk;
        let end = buffered.indexOf("\n\n");
        while (end !== -1) {
          const data = buffered.slice(0, end).replace(/^data: /, "");
          buffered = buffered.slice(end + 2);
          end = buffered.indexOf("\n\n");
          if (data === "[DONE]") continue;
          const event = JSON.parse(data) as {
            choices?: { delta?: { content?: string } }[];
            error?: { message: string };
          };
          if (event.error !== undefined) {
            reject(new Error(event.error.message));
            return;
          }
          const content = event.choices?.[0]?.delta?.content;
          if (content) {
            text += content;
            arrivals.push(now);
          }
        }
      });
      response.on("end", () => {
        if (text !== message) {
          reject(new Error(`${url.host}: the answer was "${text.slice(0, 80)}..."`));
          return;
        }
        resolve({
          firstMs: (arrivals[0] as number) - startedAt,
          totalMs: performance.now() - startedAt,
          gapsMs: arrivals.slice(1).map((at, index) => at - (arrivals[index] as number)),
        });
      });
    });
    call.on("error", reject);
    call.end(body);
  });
}

async function run(url: URL, model: string, count: number): Promise<StreamTiming[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const timings: StreamTiming[] = [];
  let started = 0;
  const client = async () => {
    while (started < count) {
      started += 1;
      timings.push(await streamOnce(url, model, agent));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  agent.destroy();
  return timings;
}

const summary = (timings: StreamTiming[]) => {
  const first = timings.map((timing) => timing.firstMs).sort((a, b) => a - b);
  const total = timings.map((timing) => timing.totalMs).sort((a, b) => a - b);
  const gaps = timings.flatMap((timing) => timing.gapsMs).sort((a, b) => a - b);
  return {
    streams: timings.length,
    firstP50Ms: percentile(first, 0.5),
    firstP99Ms: percentile(first, 0.99),
    totalP50Ms: percentile(total, 0.5),
    totalP99Ms: percentile(total, 0.99),
    gapP50Ms: percentile(gaps, 0.5),
    gapP99Ms: percentile(gaps, 0.99),
  };
};

buildRouter();
const upstream = await startRole("upstream", [
  "--first-ms",
  String(values["first-ms"]),
  "--piece-ms",
  String(values["piece-ms"]),
  "--pace-whole",
]);
const profileDir = values["cpu-prof"];
const router = await startRole(
  "router",
  ["--upstream", upstream.url],
  profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir],
);
const targets = [
  { name: "direct", url: new URL("/v1/chat/completions", upstream.url), model: "echo" },
  {
    name: "router -> echo server",
    url: new URL("/v1/chat/completions", router.url),
    model: "proxy",
  },
];
const rows: (ReturnType<typeof summary> & {
  target: string;
  round: number;
  /** The router process's CPU (all threads) per stream; null for `direct`. */
  routerCpuMsPerStream: number | null;
})[] = [];
const routerPid = router.child.pid as number;
try {
  for (const target of targets) await run(target.url, target.model, 50);
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    for (const target of targets) {
      const before = cpuMicros(routerPid).process;
      const timings = await run(target.url, target.model, streams);
      const spentMs = (cpuMicros(routerPid).process - before) / 1000;
      const row = {
        target: target.name,
        round,
        ...summary(timings),
        routerCpuMsPerStream: target.name === "direct" ? null : spentMs / streams,
      };
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    }
  }
} finally {
  router.child.kill("SIGTERM");
  upstream.child.kill("SIGTERM");
}

const fixed = (value: number) => value.toFixed(2);
console.log(
  "| target | round | streams | first word p50 ms | p99 | last word p50 ms | p99 | gap p50 ms | p99 | added first p50 / p99 ms | added last p50 / p99 ms | router CPU ms/stream |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const row of rows) {
  const direct = rows.find((other) => other.target === "direct" && other.round === row.round);
  const added =
    row.target === "direct" || direct === undefined
      ? ["", ""]
      : [
          `${fixed(row.firstP50Ms - direct.firstP50Ms)} / ${fixed(row.firstP99Ms - direct.firstP99Ms)}`,
          `${fixed(row.totalP50Ms - direct.totalP50Ms)} / ${fixed(row.totalP99Ms - direct.totalP99Ms)}`,
        ];
  console.log(
    `| ${row.target} | ${row.round} | ${row.streams} | ${fixed(row.firstP50Ms)} | ${fixed(row.firstP99Ms)} | ${fixed(row.totalP50Ms)} | ${fixed(row.totalP99Ms)} | ${fixed(row.gapP50Ms)} | ${fixed(row.gapP99Ms)} | ${added[0]} | ${added[1]} | ${row.routerCpuMsPerStream === null ? "" : fixed(row.routerCpuMsPerStream)} |`,
  );
}
writeFileSync(
  fileURLToPath(new URL("./results/router-stream.json", import.meta.url)),
  `${JSON.stringify(
    {
      benchmark: "router-stream",
      command: `npx tsx bench/router-stream.ts ${process.argv.slice(2).join(" ")}`.trim(),
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverageAtEnd: loadavg(),
      settings: {
        streams,
        concurrency,
        words,
        firstMs: Number(values["first-ms"]),
        pieceMs: Number(values["piece-ms"]),
      },
      results: rows,
    },
    null,
    2,
  )}\n`,
);
