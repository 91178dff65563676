/**
 * Benchmark: the routing server's CPU per request (issue 5), the steadier companion of
 * `router-overhead.ts`. Latency percentiles on a shared 2-core machine move with whatever
 * else runs; the CPU a process spends per request does not, so this is the figure to compare
 * code changes by.
 *
 *   npx tsx bench/router-cpu.ts [--rate 5000] [--seconds 10] [--repeats 3] [--connections 64]
 *       [--targets direct,in-process,proxy,floor] [--keep-text] [--monitoring] [--cpu-prof DIR]
 *       [--cpu-prof-interval US] [--message-chars N]
 *
 * `floor` adds the bare proxy (`loadgen/bare-proxy.mjs`), whose CPU is what one
 * more hop costs in Node.js without any of the router's work.
 *
 * Starts the same two processes as `router-overhead.ts` (`router-roles.ts`: a bare `node:http`
 * echo server and `startRoutingServer` from the built package, with its defaults), drives
 * each target with the same open-loop generator at a fixed rate, and reads each server's CPU
 * time (user + system, every thread, and the main thread alone) from `/proc/<pid>/stat`
 * before and after, and each other thread's from `/proc/<pid>/task/<tid>/stat`. Prints
 * microseconds of CPU per request served, per target and repeat (each other thread's on
 * stderr, by thread id in creation order), and writes bench/results/router-cpu.json. `--cpu-prof DIR` starts the router with
 * `node --cpu-prof` (profile written to DIR when it exits), sampling every
 * `--cpu-prof-interval` microseconds.
 *
 * `--message-chars N` sends a user message of N characters instead of the one-line question
 * (`chatBody`: a support thread with an email address and a phone number every 1,000
 * characters), which the echo server sends back: what the router's work on the text (the
 * request log's redaction and clipping, JSON in and out) costs as prompts and answers grow.
 * Its results go to bench/results/router-cpu-message-chars.json.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, cpuMicros, startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "5000" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    repeats: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
    "keep-text": { type: "boolean", default: false },
    /** The router with what `modelscout serve` adds (`loadgen/router-server.mjs --monitoring`). */
    monitoring: { type: "boolean", default: false },
    "cpu-prof": { type: "string" },
    /** Microseconds between samples (Node's default: 1000). */
    "cpu-prof-interval": { type: "string" },
    /** Comma-separated subset of direct, in-process, proxy. */
    targets: { type: "string", default: "direct,in-process,proxy" },
    "message-chars": { type: "string" },
  },
});

const messageChars =
  values["message-chars"] === undefined ? undefined : Number(values["message-chars"]);

async function load(
  port: number,
  model: string,
  rate: number,
  seconds: number,
  connections: number,
): Promise<{ ok: number; failed: number }> {
  const { summary, latenciesMs } = await runOpenLoop({
    port,
    path: "/v1/chat/completions",
    body: chatBody(model, messageChars),
    rate,
    seconds,
    warmup: 0,
    connections,
  });
  return {
    ok: latenciesMs.length,
    failed: summary.non2xx + summary.failedConnections + summary.unanswered,
  };
}

interface CpuResult {
  target: string;
  repeat: number;
  requests: number;
  failed: number;
  cpuMicrosPerRequest: number;
  mainThreadMicrosPerRequest: number;
  threads: number;
  /**
   * Threads other than the main one, as `<name>:<tid>` in creation order: V8's helpers first,
   * then worker threads (the background checkpointer, the request log's writer).
   */
  otherThreadsMicrosPerRequest: Record<string, number>;
}

async function main(): Promise<void> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const warmup = Number(values.warmup);
  const repeats = Number(values.repeats);
  const connections = Number(values.connections);
  const keepText = values["keep-text"] === true;
  const profileDir = values["cpu-prof"];
  buildRouter();
  const upstream = await startRole("upstream", []);
  const router = await startRole(
    "router",
    [
      "--upstream",
      upstream.url,
      ...(keepText ? ["--keep-text"] : []),
      ...(values.monitoring ? ["--monitoring"] : []),
    ],
    profileDir === undefined
      ? []
      : [
          "--cpu-prof",
          "--cpu-prof-dir",
          profileDir,
          ...(values["cpu-prof-interval"] === undefined
            ? []
            : ["--cpu-prof-interval", values["cpu-prof-interval"]]),
        ],
  );
  const wanted = new Set((values.targets ?? "").split(","));
  const bareProxy = wanted.has("floor")
    ? await startRole("bare-proxy", ["--upstream", upstream.url])
    : undefined;
  const targets = [
    { key: "direct", name: "direct (echo server)", port: upstream.port, model: "echo" },
    { key: "in-process", name: "router, in-process echo", port: router.port, model: "auto" },
    { key: "proxy", name: "router -> echo server", port: router.port, model: "proxy" },
    ...(bareProxy === undefined
      ? []
      : [
          {
            key: "floor",
            name: "floor: bare proxy",
            port: bareProxy.port,
            model: "echo",
          },
        ]),
  ]
    .filter((target) => wanted.has(target.key))
    .map((target) => ({
      ...target,
      pid: (target.key === "direct" ? upstream : target.key === "floor" ? bareProxy : router)?.child
        .pid,
    }));
  const results: CpuResult[] = [];
  try {
    for (const target of targets) {
      await load(target.port, target.model, rate, warmup, connections);
    }
    for (let repeat = 1; repeat <= repeats; repeat += 1) {
      for (const target of targets) {
        const pid = target.pid as number;
        const before = cpuMicros(pid);
        const { ok, failed } = await load(target.port, target.model, rate, seconds, connections);
        const after = cpuMicros(pid);
        const entry: CpuResult = {
          target: target.name,
          repeat,
          requests: ok,
          failed,
          cpuMicrosPerRequest: (after.process - before.process) / ok,
          mainThreadMicrosPerRequest: (after.mainThread - before.mainThread) / ok,
          threads: after.threads,
          otherThreadsMicrosPerRequest: Object.fromEntries(
            Object.entries(after.byThread).map(([thread, micros]) => [
              thread,
              (micros - (before.byThread[thread] ?? 0)) / ok,
            ]),
          ),
        };
        results.push(entry);
        const others = Object.entries(entry.otherThreadsMicrosPerRequest)
          .filter(([, micros]) => micros > 0)
          .map(([name, micros]) => `${name} ${micros.toFixed(1)}`)
          .join(", ");
        process.stderr.write(
          `${target.name} #${repeat}: ${entry.cpuMicrosPerRequest.toFixed(1)} us/request (main thread ${entry.mainThreadMicrosPerRequest.toFixed(1)}; others: ${others}), ${ok} ok, ${failed} failed\n`,
        );
      }
    }
  } finally {
    // The router exits on SIGTERM through process.exit, which writes a --cpu-prof profile.
    const routerExit = new Promise((resolve) => router.child.once("exit", resolve));
    router.child.kill("SIGTERM");
    bareProxy?.child.kill("SIGTERM");
    upstream.child.kill("SIGTERM");
    await routerExit;
  }
  console.log("| target | repeat | requests | failed | CPU us/request | main thread us/request |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const entry of results) {
    console.log(
      `| ${entry.target} | ${entry.repeat} | ${entry.requests} | ${entry.failed} | ${entry.cpuMicrosPerRequest.toFixed(1)} | ${entry.mainThreadMicrosPerRequest.toFixed(1)} |`,
    );
  }
  const output = {
    benchmark: "router-cpu",
    command: `npx tsx bench/router-cpu.ts --rate ${rate} --seconds ${seconds} --repeats ${repeats} --connections ${connections} --targets ${values.targets}${keepText ? " --keep-text" : ""}${values.monitoring ? " --monitoring" : ""}${messageChars === undefined ? "" : ` --message-chars ${messageChars}`}`,
    messageChars: messageChars ?? null,
    redaction: keepText ? "off (--keep-text)" : "default (personal data removed from logged text)",
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverageAtEnd: loadavg(),
    results,
  };
  if (profileDir === undefined) {
    writeFileSync(
      fileURLToPath(
        new URL(
          messageChars === undefined
            ? "./results/router-cpu.json"
            : "./results/router-cpu-message-chars.json",
          import.meta.url,
        ),
      ),
      `${JSON.stringify(output, null, 2)}\n`,
    );
  }
}

await main();
