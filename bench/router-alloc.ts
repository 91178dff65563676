/**
 * Benchmark: how many bytes of JavaScript heap the router allocates per proxied request, and
 * in which functions, against the bare proxy (issue 5). Young-generation garbage is what the
 * scavenges behind the router's tail work through, and unlike a timing on a shared machine
 * the count moves little from run to run (a sampled count: a few per cent), so it shows what
 * a change to the answer's path adds or saves.
 *
 *   npx tsx bench/router-alloc.ts [--rate 1000] [--seconds 5] [--warmup 5] [--top 25]
 *       [--interval 1024] [--survivors]
 *
 * Each target (the bare proxy `loadgen/bare-proxy.mjs`, then this checkout's router,
 * `loadgen/router-server.mjs` on its `proxy` route, built first) runs behind the echo server
 * with `loadgen/heap-sampler.mjs` preloaded: `--warmup` seconds of traffic at `--rate`
 * unsampled, then `--seconds` sampled (V8's sampling heap profiler, one sample per
 * `--interval` bytes on average, collected objects included). Prints bytes per answered
 * request for each target and the `--top` functions by bytes allocated per request (their own
 * allocations and those of what V8 inlined into them); writes bench/results/router-alloc.json.
 * `--survivors` counts only what survived a young-generation collection (what scavenges
 * copy, and on a second survival promote to old space, where only a mark-compact frees it),
 * and writes router-alloc-survivors.json instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole, startScript, waitForFile } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "5" },
    top: { type: "string", default: "25" },
    interval: { type: "string", default: "1024" },
    survivors: { type: "boolean", default: false },
  },
});

const SAMPLER = fileURLToPath(new URL("./loadgen/heap-sampler.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes per function (`name file:line`, the file relative to the checkout) over the tree. */
function bytesByFunction(head: ProfileNode): Map<string, number> {
  const totals = new Map<string, number>();
  const stack = [head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const frame = node.callFrame;
    const file = frame.url.replace(`file://${ROOT}`, "").replace(/^.*node_modules\//, "");
    const key = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
    stack.push(...node.children);
  }
  return totals;
}

async function main(): Promise<void> {
  buildRouter();
  const work = mkdtempSync(join(tmpdir(), "ms-router-alloc-"));
  const upstream = await startRole("upstream");
  const rate = Number(values.rate);
  const top = Number(values.top);
  const results = [];
  try {
    for (const [name, script, extra, model] of [
      ["floor", "bare-proxy.mjs", ["--upstream", upstream.url], "echo"],
      ["router", "router-server.mjs", ["--upstream", upstream.url, "--no-health-checks"], "proxy"],
    ] as const) {
      const out = join(work, `${name}.heapprofile`);
      const server = await startScript(
        fileURLToPath(new URL(`./loadgen/${script}`, import.meta.url)),
        {
          extra: [...extra],
          nodeFlags: ["--import", SAMPLER],
          env: {
            HEAP_SAMPLER_OUT: out,
            HEAP_SAMPLER_INTERVAL: values.interval,
            ...(values.survivors && { HEAP_SAMPLER_KEEP: "survivors" }),
          },
        },
      );
      try {
        const load = { port: server.port, path: "/v1/chat/completions", body: chatBody(model) };
        const common = { rate, connections: 64, arrivals: "uniform" as const, realtime: true };
        await runOpenLoop({ ...load, ...common, seconds: Number(values.warmup), warmup: 0 });
        server.child.kill("SIGUSR1");
        await new Promise((resolve) => setTimeout(resolve, 200));
        const { summary } = await runOpenLoop({
          ...load,
          ...common,
          seconds: Number(values.seconds),
          warmup: 0,
        });
        server.child.kill("SIGUSR2");
        const profile = JSON.parse(await waitForFile(out)) as { head: ProfileNode };
        const byFunction = [...bytesByFunction(profile.head)].sort((a, b) => b[1] - a[1]);
        const total = byFunction.reduce((sum, [, bytes]) => sum + bytes, 0);
        const answered = summary.answered;
        const perRequest = total / answered;
        console.log(`\n${name}: ${perRequest.toFixed(0)} bytes per request (${answered} answered)`);
        console.log("| bytes/request | function |\n|---:|---|");
        for (const [key, bytes] of byFunction.slice(0, top)) {
          console.log(`| ${(bytes / answered).toFixed(0)} | ${key} |`);
        }
        results.push({
          target: name,
          answered,
          bytesPerRequest: Math.round(perRequest),
          top: byFunction.slice(0, top).map(([key, bytes]) => ({
            function: key,
            bytesPerRequest: Math.round(bytes / answered),
          })),
        });
      } finally {
        server.child.kill("SIGTERM");
      }
    }
    writeFileSync(
      fileURLToPath(
        new URL(
          `./results/router-alloc${values.survivors ? "-survivors" : ""}.json`,
          import.meta.url,
        ),
      ),
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model },
          rate,
          seconds: Number(values.seconds),
          interval: Number(values.interval),
          counted: values.survivors ? "survivors of the young generation" : "every allocation",
          results,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    upstream.child.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
