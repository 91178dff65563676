/**
 * Benchmark: instructions the routing server executes per request, counted by valgrind's
 * callgrind (issue 5). Latency and CPU time on this shared 2-core machine move by 5-10 %
 * between runs, more than most single changes to the hot path save; an instruction count
 * does not move with the machine's load, so this is a figure to compare such changes by
 * (run it on both sides of a change). It is not exact: what V8 compiles, and when, and
 * when the request log's batches and the collector run, differ from run to run. On
 * 2026-11-30 five runs of nearly the same code counted 316k-364k main-thread instructions
 * per proxied request (320k and 330k with `--requests 1000`), so a change worth less than
 * about 10 % needs several runs each side, or `router-path.ts`, which times the answer's
 * path with the targets taking turns.
 *
 *   npx tsx bench/router-instructions.ts [--warmup 5000] [--requests 300]
 *       [--targets direct,in-process,proxy,floor,stream] [--keep-text] [--monitoring] [--functions N]
 *       [--callers <regex>] [--message-chars N]
 *       [--variants router,-log,-decision,-route,-backend,-parse-answer,bare-in-router]
 *
 * Builds `dist/`, starts the bare echo server (`loadgen/echo-server.mjs`) and the router
 * (`loadgen/router-server.mjs`) under `valgrind --tool=callgrind --instr-atstart=no
 * --separate-threads=yes`, sends `--warmup` chat completions one after another over one
 * keep-alive connection (so V8 has compiled the hot path: until 2026-11-30 the default was
 * 400, after which most of it still ran in V8's baseline tier, and counts were about twice
 * what optimized code runs, for the floor too; docs/benchmarks.md), switches counting on
 * (`callgrind_control -i on`), sends `--requests` more, switches it off and dumps. Prints the
 * instructions per request of the whole process and of its main thread, and writes
 * bench/results/router-instructions.json. `direct` counts the bare echo server the same way
 * (the floor of the in-process path) and `floor` the bare proxy
 * (`loadgen/bare-proxy.mjs`, the floor of the proxied path); `stream` counts a streamed chat
 * through the router's `proxy` route, per stream (the echo server writes its ten events as
 * fast as it can); `--keep-text` turns off the router's redaction of logged text;
 * `--monitoring` runs the router with what `modelscout serve` adds (`loadgen/router-server.mjs`);
 * `--message-chars N` sends a user message of N characters (`chatBody`), with results in
 * bench/results/router-instructions-message-chars.json.
 *
 * `--functions N` also prints, per target, the N functions that ran the most main-thread
 * instructions per request, each without the functions it called: V8's compiled JavaScript
 * named through the perf map of `node --perf-basic-prof` (`callgrind-functions.ts`). This
 * is how the JSON writing was found to be about a sixth of a proxied request (2026-12-01).
 * With it, the main thread's count is also given without V8's garbage collector
 * (`collectorInstructions`): whether a scavenge falls into the counted requests moves the
 * total by as much as a small change saves (2026-12-01: the collector ran 0.5-8k of a proxied
 * request's instructions in runs of 1,000), so compare that figure, or use `--requests 1000`,
 * where a scavenge weighs less.
 *
 * `--callers <regex>` (with or without `--functions`) prints, per target, the three functions
 * matching the expression with the most instructions of their own, and above each who called
 * it, three levels up, with the instructions per request run under those calls
 * (`callerTree`): where a native cost comes from in the JavaScript. It found that a proxied
 * request's `JSON.parse` calls (20k) were the model's answer (13k) and the client's body (7k),
 * and that V8 flattened concatenated strings for 12.6k (2026-12-04).
 *
 * `--variants` also counts the proxied request through builds of the router with parts left
 * out, one after another: `router-ablation.ts`'s router variants (HEAD in a worktree with
 * `ablation/router-ablation.patch` applied), each a target `proxy:<variant>`. Where
 * `router-ablation.ts` says what a part costs the answer on the client's clock, this says what
 * it costs the main thread, which under load is what the requests queue behind.
 *
 * Requests go one at a time, each under valgrind taking tens of milliseconds, so work driven
 * by timers (the request log's 20 ms batches) lands on fewer requests per batch than under
 * real load: compare counts with each other, not with CPU time. The router's health checks
 * (a `GET /models` round every 15 s, ADR 0028) are turned off here for that reason: with
 * them, a stream counted about 110k instructions more (2026-11-30).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  type CallerNode,
  callerTree,
  collectorInstructions,
  instructionsByFunction,
  readDump,
} from "./callgrind-functions.js";
import { ABLATION_PATCH, chooseVariants } from "./router-ablation.js";
import {
  buildRouter,
  buildWorktree,
  chatBody,
  removeWorktree,
  startRole,
  startScript,
} from "./router-roles.js";

const { values } = parseArgs({
  options: {
    warmup: { type: "string", default: "5000" },
    requests: { type: "string", default: "300" },
    targets: { type: "string", default: "direct,in-process,proxy" },
    "keep-text": { type: "boolean", default: false },
    monitoring: { type: "boolean", default: false },
    functions: { type: "string" },
    callers: { type: "string" },
    variants: { type: "string" },
    "message-chars": { type: "string" },
  },
});
const messageChars =
  values["message-chars"] === undefined ? undefined : Number(values["message-chars"]);
const callers = values.callers === undefined ? null : new RegExp(values.callers);
const topFunctions = values.functions === undefined ? 0 : Number(values.functions);
/** Either view needs V8's perf map and a dump by instruction address. */
const byFunction = topFunctions > 0 || callers !== null;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function chat(port: number, model: string, stream: boolean): Promise<number> {
  const body = stream
    ? JSON.stringify({ ...JSON.parse(chatBody(model, messageChars)), stream })
    : chatBody(model, messageChars);
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: "127.0.0.1",
        port,
        path: "/v1/chat/completions",
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (answer) => {
        answer.resume();
        answer.once("end", () => resolve(answer.statusCode ?? 0));
      },
    );
    call.once("error", reject);
    call.end(body);
  });
}

async function sequential(
  port: number,
  target: { model: string; stream?: boolean },
  count: number,
): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const status = await chat(port, target.model, target.stream === true);
    if (status !== 200) throw new Error(`request ${index} answered ${status}`);
  }
}

/**
 * `totals:` of each thread's part of the `callgrind_control -d` dump
 * (`callgrind.out.1-<thread>`; the files written at exit cover nothing: counting was off).
 */
function readCounts(directory: string): { thread: number; instructions: number }[] {
  const counts: { thread: number; instructions: number }[] = [];
  for (const name of readdirSync(directory)) {
    const thread = /\.1-(\d+)$/.exec(name)?.[1];
    if (thread === undefined) continue;
    const text = readFileSync(join(directory, name), "utf8");
    const total = /^totals: (\d+)/m.exec(text)?.[1];
    counts.push({ thread: Number(thread), instructions: Number(total ?? 0) });
  }
  return counts.sort((a, b) => a.thread - b.thread);
}

interface Target {
  key: string;
  model: string;
  stream?: boolean;
  /** A `--variants` router: the parts left out, in the ablation build at `tree`. */
  ablated?: { ablate: readonly string[]; tree: string };
}

async function measure(target: Target, upstreamUrl: string, warmup: number, requests: number) {
  const directory = mkdtempSync(join(tmpdir(), "ms-callgrind-"));
  try {
    return await measureIn(directory, target, upstreamUrl, warmup, requests);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function measureIn(
  directory: string,
  target: Target,
  upstreamUrl: string,
  warmup: number,
  requests: number,
) {
  // `direct`: the bare echo server itself under valgrind, the floor of the in-process path;
  // `floor`: the bare proxy, the floor of the proxied path.
  const role =
    target.key === "direct" ? "upstream" : target.key === "floor" ? "bare-proxy" : "router";
  const start: typeof startRole = (name, extra, nodeFlags, wrapper) =>
    target.ablated === undefined
      ? startRole(name, extra, nodeFlags, wrapper)
      : startScript(join(target.ablated.tree, "bench/loadgen/router-server.mjs"), {
          extra,
          nodeFlags,
          wrapper,
          env: { ABLATE: target.ablated.ablate.join(","), ABLATE_UPSTREAM: upstreamUrl },
        });
  const router = await start(
    role,
    role === "upstream"
      ? []
      : role === "bare-proxy"
        ? ["--upstream", upstreamUrl]
        : [
            "--upstream",
            upstreamUrl,
            // Checks run on a timer, not per request: under valgrind requests are ~50 times
            // slower, so rounds would land on few requests and inflate each one's count.
            "--no-health-checks",
            ...(values["keep-text"] ? ["--keep-text"] : []),
            ...(values.monitoring ? ["--monitoring"] : []),
          ],
    !byFunction
      ? []
      : [
          "--perf-basic-prof",
          // --perf-basic-prof also turns on V8's log; keep it out of the working directory.
          "--no-logfile-per-isolate",
          `--logfile=${join(directory, "v8.log")}`,
        ],
    [
      "valgrind",
      "--tool=callgrind",
      "--instr-atstart=no",
      "--separate-threads=yes",
      ...(!byFunction
        ? []
        : ["--dump-instr=yes", "--dump-line=no", "--compress-pos=no", "--compress-strings=no"]),
      `--callgrind-out-file=${join(directory, "callgrind.out")}`,
    ],
  );
  const pid = router.child.pid as number;
  try {
    await sequential(router.port, target, warmup);
    execFileSync("callgrind_control", ["-i", "on", String(pid)], { stdio: "ignore" });
    await sequential(router.port, target, requests);
    execFileSync("callgrind_control", ["-i", "off", String(pid)], { stdio: "ignore" });
    execFileSync("callgrind_control", ["-d", String(pid)], { stdio: "ignore" });
  } finally {
    const exited = new Promise((resolve) => router.child.once("exit", resolve));
    router.child.kill("SIGTERM");
    await exited;
  }
  let collector: number | null = null;
  if (byFunction) {
    // valgrind runs node in its own process: the perf map is named by the child's pid.
    const dump = readDump(join(directory, "callgrind.out.1-01"), `/tmp/perf-${pid}.map`);
    const functions = instructionsByFunction(dump);
    if (callers !== null) {
      process.stderr.write(`${target.key}: main-thread instructions per request, by caller\n`);
      const tree = callerTree(dump, callers, { minimum: requests * 50 });
      const print = (nodes: readonly CallerNode[], indent: string) => {
        for (const node of nodes) {
          process.stderr.write(
            `${String(Math.round(node.instructions / requests)).padStart(8)}  ${indent}${indent === "" ? "" : "<- "}${node.name.slice(0, 140)}\n`,
          );
          print(node.callers, `${indent}  `);
        }
      };
      print(tree, "");
    }
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
    collector = collectorInstructions(functions);
    if (topFunctions > 0) {
      process.stderr.write(`${target.key}: main-thread instructions per request, by function\n`);
      for (const { name, instructions } of functions.slice(0, topFunctions)) {
        process.stderr.write(
          `${String(Math.round(instructions / requests)).padStart(8)}  ${name.slice(0, 160)}\n`,
        );
      }
    }
  }
  const counts = readCounts(directory);
  const total = counts.reduce((sum, count) => sum + count.instructions, 0);
  const main = counts.find((count) => count.thread === 1)?.instructions ?? 0;
  return {
    target: target.key,
    requests,
    instructionsPerRequest: Math.round(total / requests),
    mainThreadInstructionsPerRequest: Math.round(main / requests),
    /** With `--functions`: the main thread's count without V8's garbage collector. */
    mainThreadWithoutCollectorPerRequest:
      collector === null ? null : Math.round((main - collector) / requests),
    threads: counts.length,
  };
}

async function main(): Promise<void> {
  const warmup = Number(values.warmup);
  const requests = Number(values.requests);
  const wanted = new Set((values.targets ?? "").split(","));
  buildRouter();
  // Streamed answers come as fast as the echo server can write them (`stream` target).
  const upstream = await startRole("upstream", ["--first-ms", "0", "--piece-ms", "0"]);
  // `--variants`: the proxied request through each named build of `router-ablation.ts`.
  const variants =
    values.variants === undefined
      ? []
      : chooseVariants(values.variants).flatMap((variant) =>
          variant.kind === "router" ? [variant] : [],
        );
  const work = variants.length === 0 ? undefined : mkdtempSync(join(tmpdir(), "ms-ablation-"));
  const tree =
    work === undefined ? undefined : buildWorktree(join(work, "ablation"), "HEAD", ABLATION_PATCH);
  const results = [];
  try {
    const targets: Target[] = [
      { key: "direct", model: "echo" },
      { key: "in-process", model: "auto" },
      { key: "proxy", model: "proxy" },
      { key: "floor", model: "echo" },
      { key: "stream", model: "proxy", stream: true },
    ].filter((candidate) => wanted.has(candidate.key));
    for (const variant of variants) {
      if (variant.kind !== "router" || tree === undefined) continue;
      targets.push({
        key: `proxy:${variant.name}`,
        model: "proxy",
        ablated: { ablate: variant.ablate, tree },
      });
    }
    for (const target of targets) {
      const result = await measure(target, upstream.url, warmup, requests);
      results.push(result);
      process.stderr.write(
        `${result.target}: ${result.instructionsPerRequest} instructions/request (main thread ${result.mainThreadInstructionsPerRequest}${result.mainThreadWithoutCollectorPerRequest === null ? "" : `, without the garbage collector ${result.mainThreadWithoutCollectorPerRequest}`})\n`,
      );
    }
  } finally {
    upstream.child.kill("SIGTERM");
    if (tree !== undefined) removeWorktree(tree);
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }
  console.log(
    "| target | requests | instructions/request | main thread | main thread without the garbage collector |",
  );
  console.log("|---|---:|---:|---:|---:|");
  for (const result of results) {
    console.log(
      `| ${result.target} | ${result.requests} | ${result.instructionsPerRequest} | ${result.mainThreadInstructionsPerRequest} | ${result.mainThreadWithoutCollectorPerRequest ?? "(with --functions)"} |`,
    );
  }
  writeFileSync(
    fileURLToPath(
      new URL(
        messageChars === undefined
          ? "./results/router-instructions.json"
          : "./results/router-instructions-message-chars.json",
        import.meta.url,
      ),
    ),
    `${JSON.stringify(
      {
        benchmark: "router-instructions",
        command: `npx tsx bench/router-instructions.ts --warmup ${warmup} --requests ${requests} --targets ${values.targets}${topFunctions > 0 ? ` --functions ${topFunctions}` : ""}${values.variants === undefined ? "" : ` --variants ${values.variants}`}${values["keep-text"] ? " --keep-text" : ""}${values.monitoring ? " --monitoring" : ""}${messageChars === undefined ? "" : ` --message-chars ${messageChars}`}`,
        messageChars: messageChars ?? null,
        date: new Date().toISOString(),
        node: process.version,
        results,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
