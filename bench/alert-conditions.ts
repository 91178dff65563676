/**
 * Benchmark: what a windowed alert condition costs per request event, its window full, without
 * the database: `update` and `evaluate` as the engine calls them for each event (with the
 * event's time read, as the engine reads it once for all of a rule's conditions), and the
 * `takeDirty` of its state every 500 events, as a fold at 5,000 requests/s does. The fold's
 * own benchmark (`alert-fold.ts`) times it with the transaction and its commit, which move
 * with the machine's disk and load; this is the CPU part alone.
 *
 *   npx tsx bench/alert-conditions.ts [--events 200000] [--repeats 5]
 *       [--conditions latency-events,latency-60s,errors-60s,cost-60s]
 *
 * Runs the built `dist/` (builds it first), as the server does. One route and model; request
 * events 0.2 ms apart (5,000/s), lognormal latencies around 120 ms, 2 % failed, priced. The
 * first 20,000 events fill the window and are not timed. Each repeat builds the condition
 * afresh; prints the microseconds per event of each repeat and their median, and writes
 * bench/results/alert-conditions.json.
 */
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { AlertCondition } from "../src/monitor/alert-rules.js";
import type { RequestEvent } from "../src/monitor/monitor-event.js";
import { percentile } from "../src/profile/profile-model.js";
import { sampleStandardNormal } from "../src/route/learning/beta-math.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { oneRuleFile, WINDOWED_CONDITIONS } from "./alert-bench-conditions.js";
import { buildRouter, importBuilt } from "./router-roles.js";

// The conditions as the server runs them, from `dist/`.
buildRouter();
const { parseAlertRules } =
  await importBuilt<typeof import("../src/monitor/alert-rules.js")>("monitor/alert-rules.js");
const { createCondition } = await importBuilt<
  typeof import("../src/monitor/conditions/create-condition.js")
>("monitor/conditions/create-condition.js");
const { eventTimeMs } = await importBuilt<
  typeof import("../src/monitor/conditions/alert-condition.js")
>("monitor/conditions/alert-condition.js");

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    repeats: { type: "string", default: "5" },
    conditions: { type: "string", default: "latency-events,latency-60s,errors-60s,cost-60s" },
  },
});
const events = Number(values.events);
const repeats = Number(values.repeats);
const WARMUP = 20_000;
const PER_FOLD = 500;

const CONDITIONS: Record<string, AlertCondition> = Object.fromEntries(
  Object.entries(WINDOWED_CONDITIONS).map(([name, condition]) => [
    name,
    parseAlertRules(oneRuleFile(condition))[0]?.conditions[0] as AlertCondition,
  ]),
);

function stream(): RequestEvent[] {
  const random = seededRandom(7).next;
  const start = Date.UTC(2026, 11, 5, 12);
  return Array.from({ length: WARMUP + events }, (_, index) => ({
    kind: "request",
    at: new Date(start + index * 0.2).toISOString(),
    route: "support",
    modelId: "model-a",
    latencyMs: Math.exp(Math.log(120) + 0.4 * sampleStandardNormal(random)),
    status: random() < 0.02 ? 503 : 200,
    costUsd: 0.0002,
  }));
}

function run(condition: AlertCondition, requests: readonly RequestEvent[]): number {
  const runtime = createCondition(condition);
  const subject = { route: "support", modelId: "model-a" };
  const touch = () => {};
  let started = 0;
  for (let index = 0; index < requests.length; index++) {
    if (index === WARMUP) started = performance.now();
    const request = requests[index] as RequestEvent;
    runtime.update(request, touch, eventTimeMs(request.at));
    runtime.evaluate(subject);
    if (index % PER_FOLD === PER_FOLD - 1) runtime.state.takeDirty();
  }
  return ((performance.now() - started) * 1000) / (requests.length - WARMUP);
}

const requests = stream();
const rows = [];
for (const name of (values.conditions as string).split(",")) {
  const condition = CONDITIONS[name];
  if (condition === undefined)
    throw new Error(`unknown condition ${name}: ${Object.keys(CONDITIONS)}`);
  const perEvent = Array.from({ length: repeats }, () => run(condition, requests));
  const sorted = [...perEvent].sort((a, b) => a - b);
  rows.push({ condition: name, microsecondsPerEvent: perEvent, median: percentile(sorted, 0.5) });
}
console.log(
  `alert conditions, ${events} request events each after ${WARMUP} to fill the window, Node ${process.version}`,
);
console.log("| condition | us per event, median | each repeat |");
console.log("|---|---:|---|");
for (const row of rows) {
  console.log(
    `| ${row.condition} | ${row.median.toFixed(2)} | ${row.microsecondsPerEvent.map((value) => value.toFixed(2)).join(", ")} |`,
  );
}
writeFileSync(
  "bench/results/alert-conditions.json",
  `${JSON.stringify({ command: `npx tsx bench/alert-conditions.ts ${process.argv.slice(2).join(" ")}`.trim(), node: process.version, events, rows }, null, 2)}\n`,
);
