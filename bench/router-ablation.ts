/**
 * Benchmark: what each part of the router costs on a proxied answer's latency (issue 5), by
 * leaving parts out one after another, and what work costs at each point of a proxy's path,
 * by adding it to the bare proxy. The targets take turns round by round, so the machine's
 * drift falls on all of them alike.
 *
 *   npx tsx bench/router-ablation.ts [--rounds 5] [--seconds 5] [--rate 1000] [--spin-us 30]
 *       [--variants floor,router,...]
 *
 * `router-overhead.ts` says whether the proxied route meets the target; `router-path.ts` times
 * the router's own work inside its process. Neither says what the answer would gain from
 * leaving a part out, which is what deciding where to cut needs: a part's cost on the client's
 * clock includes what its code does to the caches and to the other processes sharing the two
 * CPUs, not only its own time.
 *
 * The router variants run a build of HEAD in a temporary worktree with
 * `ablation/router-ablation.patch` applied: it adds `src/server/ablation.ts`, whose `ABLATE`
 * variable turns parts off (that file says what each one leaves out). Uncommitted changes are
 * not in that build. Each router variant drops one more part than the one before it, so
 * the difference between neighbours is that part's cost:
 * - `router`: nothing left out (the patch's own checks, one constant each, cost nothing
 *   measurable);
 * - `-log`, `-decision`, `-route`, `-backend`, `-parse-answer`: without the request log; and
 *   without the decision in the answer; and without routing (route, policy, breaker,
 *   in-flight limit, deadline); and without the backend layer (one attempt of the router's
 *   HTTP client); and without checking the chat body and shaping the answer (the model
 *   server's body is sent back, as the bare proxy does);
 * - `bare-in-router`: the bare proxy's own handler, in the router's process (its heap, its
 *   threads, its timers): what is left is what the process costs by being there.
 * The floor variants are `loadgen/bare-proxy.mjs`, plain (`floor`) and busy-waiting
 * `--spin-us` at one point of each answer's path: `floor+before-answer` (between the model's
 * answer and its own), `floor+after-send` (once the request to the model is written) and
 * `floor+after-answer` (once its answer is written).
 *
 * Every run is open loop (`loadgen/open-loop.ts`, the generator under SCHED_FIFO where it
 * can be) at `--rate` for `--seconds`, after 8 s of warm-up in the first round and 2 s in the
 * others, against the bare echo server. Prints each round's p50 and p99 per variant and, per
 * variant, the median over rounds of its p50 and that less the floor's; writes
 * bench/results/router-ablation.json.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";
import { runOpenLoop } from "./loadgen/open-loop.js";
import { buildWorktree, chatBody, removeWorktree, startRole, startScript } from "./router-roles.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const ABLATION_PATCH = fileURLToPath(
  new URL("./ablation/router-ablation.patch", import.meta.url),
);
const BARE_PROXY = fileURLToPath(new URL("./loadgen/bare-proxy.mjs", import.meta.url));

/** A router build with `ablate` left out (`src/server/ablation.ts` of the patch), or the bare proxy with a spin. */
export type Variant =
  | { name: string; kind: "router"; ablate: string[] }
  | { name: string; kind: "floor"; spinFlag?: string };

export const VARIANTS: readonly Variant[] = [
  { name: "floor", kind: "floor" },
  { name: "floor+before-answer", kind: "floor", spinFlag: "--spin-before-answer-us" },
  { name: "floor+after-send", kind: "floor", spinFlag: "--spin-after-send-us" },
  { name: "floor+after-answer", kind: "floor", spinFlag: "--spin-after-answer-us" },
  { name: "router", kind: "router", ablate: [] },
  { name: "-log", kind: "router", ablate: ["log"] },
  { name: "-decision", kind: "router", ablate: ["log", "decision"] },
  { name: "-route", kind: "router", ablate: ["log", "decision", "route"] },
  { name: "-backend", kind: "router", ablate: ["log", "decision", "route", "backend"] },
  {
    name: "-parse-answer",
    kind: "router",
    ablate: ["log", "decision", "route", "backend", "parse", "answer"],
  },
  { name: "bare-in-router", kind: "router", ablate: ["bare"] },
];

/** The variants named in `list` (comma-separated), in `VARIANTS` order; throws on an unknown name. */
export function chooseVariants(list: string | undefined): Variant[] {
  if (list === undefined) return [...VARIANTS];
  const names = list.split(",").filter(Boolean);
  for (const name of names) {
    if (!VARIANTS.some((variant) => variant.name === name)) {
      throw new Error(
        `unknown variant "${name}"; the variants are ${VARIANTS.map((v) => v.name).join(", ")}`,
      );
    }
  }
  return VARIANTS.filter((variant) => names.includes(variant.name));
}

export interface RoundRow {
  round: number;
  variant: string;
  answered: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

export interface VariantSummary {
  variant: string;
  /** Median over rounds of the variant's p50, ms. */
  p50Ms: number;
  /** That less the floor's, ms; null without a `floor` variant. */
  overFloorMs: number | null;
  /** Median over rounds of the variant's p99, ms. */
  p99Ms: number;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** Per variant, in the order first seen: medians over rounds, and the p50 over the floor's. */
export function summarise(rows: readonly RoundRow[]): VariantSummary[] {
  const names = [...new Set(rows.map((row) => row.variant))];
  const p50Of = (name: string) =>
    median(rows.filter((row) => row.variant === name).map((row) => row.p50Ms));
  const floor = names.includes("floor") ? p50Of("floor") : null;
  return names.map((name) => {
    const p50Ms = p50Of(name);
    return {
      variant: name,
      p50Ms,
      overFloorMs: floor === null ? null : p50Ms - floor,
      p99Ms: median(rows.filter((row) => row.variant === name).map((row) => row.p99Ms)),
    };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "5" },
      seconds: { type: "string", default: "5" },
      rate: { type: "string", default: "1000" },
      "spin-us": { type: "string", default: "30" },
      connections: { type: "string", default: "64" },
      variants: { type: "string" },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const variants = chooseVariants(values.variants);
  const work = mkdtempSync(join(tmpdir(), "ms-router-ablation-"));
  const tree = variants.some((variant) => variant.kind === "router")
    ? buildWorktree(join(work, "ablation"), "HEAD", ABLATION_PATCH)
    : undefined;
  const upstream = await startRole("upstream");
  const started: { kill(signal: NodeJS.Signals): boolean }[] = [upstream.child];
  try {
    const targets: { variant: Variant; port: number; model: string }[] = [];
    for (const variant of variants) {
      const server =
        variant.kind === "floor"
          ? await startScript(BARE_PROXY, {
              extra: [
                "--upstream",
                upstream.url,
                ...(variant.spinFlag === undefined ? [] : [variant.spinFlag, values["spin-us"]]),
              ],
            })
          : await startScript(join(tree as string, "bench/loadgen/router-server.mjs"), {
              extra: ["--upstream", upstream.url, "--no-health-checks"],
              env: { ABLATE: variant.ablate.join(","), ABLATE_UPSTREAM: upstream.url },
            });
      started.push(server.child);
      targets.push({
        variant,
        port: server.port,
        model: variant.kind === "floor" ? "echo" : "proxy",
      });
    }
    const rows: RoundRow[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      for (const target of targets) {
        const { summary, latenciesMs } = await runOpenLoop({
          port: target.port,
          path: "/v1/chat/completions",
          body: chatBody(target.model),
          rate,
          seconds,
          warmup: round === 1 ? 8 : 2,
          connections: Number(values.connections),
          arrivals: "uniform",
          realtime: true,
        });
        const row: RoundRow = {
          round,
          variant: target.variant.name,
          answered: latenciesMs.length,
          failed: summary.measured - latenciesMs.length,
          p50Ms: percentile(latenciesMs, 0.5),
          p99Ms: percentile(latenciesMs, 0.99),
        };
        rows.push(row);
        console.log(
          `#${round} ${row.variant}: p50 ${row.p50Ms.toFixed(3)} ms, p99 ${row.p99Ms.toFixed(3)} ms, ${row.answered} answered, ${row.failed} failed`,
        );
      }
    }
    const summaries = summarise(rows);
    console.log(
      "\n| variant | p50 ms per round | median p50 ms | over the floor ms | median p99 ms |",
    );
    console.log("|---|---|---:|---:|---:|");
    for (const entry of summaries) {
      const mine = rows.filter((row) => row.variant === entry.variant);
      console.log(
        `| ${entry.variant} | ${mine.map((row) => row.p50Ms.toFixed(3)).join(", ")} | ${entry.p50Ms.toFixed(3)} | ${entry.overFloorMs === null ? "" : entry.overFloorMs.toFixed(3)} | ${entry.p99Ms.toFixed(3)} |`,
      );
    }
    writeFileSync(
      fileURLToPath(new URL("./results/router-ablation.json", import.meta.url)),
      `${JSON.stringify(
        {
          benchmark: "router-ablation",
          command: `npx tsx bench/router-ablation.ts ${process.argv.slice(2).join(" ")}`.trim(),
          date: new Date().toISOString(),
          commit: execFileSync("git", ["rev-parse", "HEAD"], { cwd: ROOT }).toString().trim(),
          machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
          rate,
          seconds,
          rounds,
          spinUs: Number(values["spin-us"]),
          summaries,
          rows,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    for (const child of started) child.kill("SIGTERM");
    if (tree !== undefined) removeWorktree(tree);
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
