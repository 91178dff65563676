/**
 * Benchmark: how long the router's own work holds each answer (issue 5), before the model is
 * called and after it answers, against the bare proxy and, with `--base`, against another
 * build of the router, in one run.
 *
 *   npx tsx bench/router-path.ts [--base <git ref>] [--rate 1000] [--seconds 5] [--rounds 4]
 *
 * At a low rate an answer rarely waits for another, so the added p50 of `router-overhead.ts`
 * is mostly this path. But that p50 moves by tens of microseconds between runs on a shared
 * machine, and `router-instructions.ts` by 5-15 % (2026-11-30), more than most single changes
 * to the path save. Here every target's path is timed inside its process
 * (`loadgen/path-recorder.mjs`: Node's and undici's diagnostics channels, no change to the
 * code measured), requests that overlapped another are left out, and the targets take turns
 * round by round (every other round in the reverse order), so the machine's drift falls on
 * all of them alike.
 *
 * Targets, each an open-loop run of `--seconds` at `--rate` per round (the first round warms
 * up 8 s, the others 1 s), the echo server (`loadgen/echo-server.mjs`) behind all of them:
 * - `floor`: the bare proxy (`loadgen/bare-proxy.mjs`);
 * - `base`: with `--base`, the router of that git ref, built in a temporary worktree (its
 *   `bench/loadgen/router-server.mjs`, which must take `--upstream` and `--no-health-checks`);
 * - `router`: this checkout's router (`dist/`, built first), on its `proxy` route.
 * Prints per round and target the median and p90 in microseconds of the time before the
 * model (request head parsed -> outbound request made) and after it (model's answer complete
 * -> the answer's `end()` has written it; the round's warm-up requests included), and the
 * median over rounds; writes bench/results/router-path.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { runOpenLoop } from "./loadgen/open-loop.js";
import {
  buildRouter,
  buildWorktree,
  chatBody,
  removeWorktree,
  startRole,
  startScript,
  waitForFile,
} from "./router-roles.js";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "4" },
    connections: { type: "string", default: "64" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

const RECORDER = fileURLToPath(new URL("./loadgen/path-recorder.mjs", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "ms-router-path-"));

interface Target {
  name: string;
  model: string;
  port: number;
  out: string;
  child: { kill(signal: NodeJS.Signals): boolean };
}

interface RoundResult {
  round: number;
  target: string;
  requests: number;
  alone: number;
  beforeP50: number;
  beforeP90: number;
  afterP50: number;
  afterP90: number;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

async function main(): Promise<void> {
  buildRouter();
  const baseTree =
    values.base === undefined ? undefined : buildWorktree(join(work, "base"), values.base);
  const upstream = await startRole("upstream");
  const recorded = (name: string) => {
    const out = join(work, `${name}.json`);
    return { out, options: { nodeFlags: ["--import", RECORDER], env: { PATH_RECORDER_OUT: out } } };
  };
  const targets: Target[] = [];
  const started: { kill(signal: NodeJS.Signals): boolean }[] = [upstream.child];
  const add = async (name: string, script: string, extra: string[], model: string) => {
    const { out, options } = recorded(name);
    const server = await startScript(script, { ...options, extra });
    started.push(server.child);
    targets.push({ name, model, port: server.port, out, child: server.child });
  };
  try {
    await add(
      "floor",
      fileURLToPath(new URL("./loadgen/bare-proxy.mjs", import.meta.url)),
      ["--upstream", upstream.url],
      "echo",
    );
    const routerArgs = ["--upstream", upstream.url, "--no-health-checks"];
    if (baseTree !== undefined) {
      await add("base", join(baseTree, "bench/loadgen/router-server.mjs"), routerArgs, "proxy");
    }
    await add(
      "router",
      fileURLToPath(new URL("./loadgen/router-server.mjs", import.meta.url)),
      routerArgs,
      "proxy",
    );

    const results: RoundResult[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      // Every other round in the reverse order, so that no target always runs right after
      // the same one (what the one before leaves behind, in caches or in the echo server,
      // falls on each in turn).
      for (const target of round % 2 === 0 ? [...targets].reverse() : targets) {
        const { summary } = await runOpenLoop({
          port: target.port,
          path: "/v1/chat/completions",
          body: chatBody(target.model),
          rate,
          seconds,
          warmup: round === 1 ? 8 : 1,
          connections: Number(values.connections),
          arrivals: "uniform",
          realtime: true,
        });
        rmSync(target.out, { force: true });
        target.child.kill("SIGUSR2");
        const { before, after } = JSON.parse(await waitForFile(target.out, 5000)) as {
          before: number[];
          after: number[];
        };
        const sortedBefore = [...before].sort((a, b) => a - b);
        const sortedAfter = [...after].sort((a, b) => a - b);
        const result: RoundResult = {
          round,
          target: target.name,
          requests: summary.measured,
          alone: before.length,
          beforeP50: percentile(sortedBefore, 0.5),
          beforeP90: percentile(sortedBefore, 0.9),
          afterP50: percentile(sortedAfter, 0.5),
          afterP90: percentile(sortedAfter, 0.9),
        };
        results.push(result);
        console.log(
          `#${round} ${target.name}: before the model p50 ${result.beforeP50.toFixed(1)} us (p90 ${result.beforeP90.toFixed(1)}), after it p50 ${result.afterP50.toFixed(1)} us (p90 ${result.afterP90.toFixed(1)}); ${result.alone} answers timed alone, warm-up included`,
        );
      }
    }

    console.log(
      "\n| target | before the model, p50 us (per round) | after it, p50 us (per round) | sum of medians over rounds |",
    );
    console.log("|---|---|---|---:|");
    const summaries = targets.map((target) => {
      const mine = results.filter((result) => result.target === target.name);
      const before = median(mine.map((result) => result.beforeP50));
      const after = median(mine.map((result) => result.afterP50));
      console.log(
        `| ${target.name} | ${mine.map((r) => r.beforeP50.toFixed(1)).join(", ")} | ${mine.map((r) => r.afterP50.toFixed(1)).join(", ")} | ${(before + after).toFixed(1)} |`,
      );
      return { target: target.name, beforeP50: before, afterP50: after };
    });
    writeFileSync(
      fileURLToPath(new URL("./results/router-path.json", import.meta.url)),
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
          base: values.base ?? null,
          rate,
          seconds,
          rounds,
          summaries,
          results,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const child of started) child.kill("SIGTERM");
    if (baseTree !== undefined) removeWorktree(baseTree);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
