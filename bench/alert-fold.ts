/**
 * Benchmark: how long the routing server's monitoring fold holds its event loop at a steady
 * request rate, per rule. The server queues each request's monitor event and folds the queue
 * into the alert engine every 100 ms in one transaction (`server-monitoring.ts`); on SQLite
 * that transaction, commit included, runs on the event loop, so requests arriving meanwhile
 * wait for it.
 *
 *   npx tsx bench/alert-fold.ts [--rate 5000] [--seconds 8] [--fold-ms 100]
 *       [--rules shipped,latency-events,...]
 *
 * Runs the built `dist/` (builds it first), as the server does: through tsx, as until
 * 2026-12-06, the same folds took up to 0.7 ms more at the median (esbuild's `keepNames` wraps
 * each closure the engine makes per event; docs/benchmarks.md). One route and model; every
 * `--fold-ms` (100, the server's interval) of event time, `rate * fold-ms / 1000` request events (lognormal latency around 120 ms, 2 % failed,
 * priced) go to `processBatch` on a state.db file opened as the server opens it (WAL,
 * `synchronous = FULL`, which a fold of requests alone drops for its commit since ADR 0095),
 * with `--fold-ms` of wall time between folds, as the server's timer leaves. Rule sets, each alone:
 * `shipped` (the shipped review-on-drop, which reads no request: the server queues none since
 * ADR 0093, so this folds them anyway to show what that cost), and one rule of each condition
 * of `alert-bench-conditions.ts`: `latency-events` (`latency_p95` over the last 10,000
 * requests, the largest window a rule keeps), `latency-60s` (over the last 60 s, held to the
 * same 10,000), `errors-60s` (`error_rate`, 60 s), `errors-default` (`error_rate` over its
 * default window, the last 200 requests), `cost-60s` (`cost_per_request`, 60 s). The first two
 * seconds of folds fill the window and are not counted. Prints each fold's p50, p99 and max in
 * ms and the share of wall time the folds held the loop; writes bench/results/alert-fold.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { AlertRule } from "../src/monitor/alert-rules.js";
import type { MonitorEvent } from "../src/monitor/monitor-event.js";
import { percentile } from "../src/profile/profile-model.js";
import { sampleStandardNormal } from "../src/route/learning/beta-math.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { oneRuleFile, WINDOWED_CONDITIONS } from "./alert-bench-conditions.js";
import { buildRouter, importBuilt } from "./router-roles.js";

// The monitoring as the server runs it: the engine, its rules and state from `dist/`.
buildRouter();
const { createAlertEngine } =
  await importBuilt<typeof import("../src/monitor/alert-engine.js")>("monitor/alert-engine.js");
const { parseAlertRules } =
  await importBuilt<typeof import("../src/monitor/alert-rules.js")>("monitor/alert-rules.js");
const { exampleAlertRules } = await importBuilt<
  typeof import("../src/monitor/example-alert-rules.js")
>("monitor/example-alert-rules.js");
const { createReviewQueue } =
  await importBuilt<typeof import("../src/monitor/review-queue.js")>("monitor/review-queue.js");
const { openStateDatabase } =
  await importBuilt<typeof import("../src/state/state-database.js")>("state/state-database.js");

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "5000" },
    seconds: { type: "string", default: "8" },
    "fold-ms": { type: "string", default: "100" },
    rules: {
      type: "string",
      default: "shipped,latency-events,latency-60s,errors-60s,errors-default,cost-60s",
    },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const FOLD_MS = Number(values["fold-ms"]);
const WARMUP_FOLDS = Math.round(2000 / FOLD_MS);

const RULE_SETS: Record<string, () => AlertRule[]> = {
  shipped: exampleAlertRules,
  ...Object.fromEntries(
    Object.entries(WINDOWED_CONDITIONS).map(([name, condition]) => [
      name,
      (): AlertRule[] => parseAlertRules(oneRuleFile(condition)),
    ]),
  ),
};

async function run(name: string) {
  const make = RULE_SETS[name];
  if (make === undefined) throw new Error(`unknown rule set ${name}: ${Object.keys(RULE_SETS)}`);
  const folder = mkdtempSync(join(tmpdir(), "modelscout-bench-fold-"));
  const database = openStateDatabase({ path: join(folder, "state.db") });
  const engine = createAlertEngine({
    database,
    rules: make(),
    reviewQueue: createReviewQueue(database),
    log: () => {},
  });
  const random = seededRandom(7).next;
  const gaussian = () => sampleStandardNormal(random);
  const perFold = Math.round((rate * FOLD_MS) / 1000);
  const folds = Math.round((seconds * 1000) / FOLD_MS);
  const start = Date.UTC(2026, 11, 5, 12);
  const times: number[] = [];
  let alerts = 0;
  for (let fold = 0; fold < folds; fold++) {
    const events: MonitorEvent[] = [];
    for (let index = 0; index < perFold; index++) {
      const failed = random() < 0.02;
      events.push({
        kind: "request",
        at: new Date(start + fold * FOLD_MS + (index * FOLD_MS) / perFold).toISOString(),
        route: "support",
        modelId: "model-a",
        latencyMs: Math.exp(Math.log(120) + 0.4 * gaussian()),
        status: failed ? 503 : 200,
        costUsd: 0.0002,
      });
    }
    const started = performance.now();
    alerts += engine.processBatch(events).length;
    if (fold >= WARMUP_FOLDS) times.push(performance.now() - started);
    await sleep(FOLD_MS);
  }
  database.close();
  rmSync(folder, { recursive: true, force: true });
  const total = times.reduce((sum, time) => sum + time, 0);
  times.sort((a, b) => a - b);
  return {
    rules: name,
    eventsPerFold: perFold,
    foldsCounted: times.length,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
    maxMs: times.at(-1) as number,
    loopShare: total / (times.length * FOLD_MS),
    alerts,
  };
}

const rows = [];
for (const name of (values.rules as string).split(",")) rows.push(await run(name));
console.log(
  `monitoring fold at ${rate} requests/s (${rows[0]?.eventsPerFold} events per ${FOLD_MS} ms fold), Node ${process.version}`,
);
console.log("| rules | fold p50 ms | p99 ms | max ms | share of the loop |");
console.log("|---|---:|---:|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.rules} | ${row.p50Ms.toFixed(3)} | ${row.p99Ms.toFixed(3)} | ${row.maxMs.toFixed(3)} | ${(row.loopShare * 100).toFixed(1)} % |`,
  );
}
writeFileSync(
  "bench/results/alert-fold.json",
  `${JSON.stringify({ command: `npx tsx bench/alert-fold.ts ${process.argv.slice(2).join(" ")}`.trim(), node: process.version, rate, seconds, rows }, null, 2)}\n`,
);
