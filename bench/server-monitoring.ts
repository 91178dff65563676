/**
 * What monitoring costs the routing server per 10,000 events, as the server runs it
 * (`server/admin/server-monitoring.ts`), on top of the alert engine alone
 * (`bench/alert-engine.ts`): metrics updated and the event queued on the request path, the
 * queue folded into the engine in batches by the timer, on a state.db file (WAL,
 * synchronous = FULL, as `modelscout serve` opens it).
 *
 *   npx tsx bench/server-monitoring.ts [--events 10000] [--repeats 5] [--batch-ms 100]
 *
 * Events: logged request rows (85%: two routes x two models, 2% failing) and stored feedback
 * (15%), spread over the run as a server at ~2,000 requests/s would see them (the timer folds
 * what arrived in each interval). Rules: the shipped review-on-drop, a latency p95 SLO, an
 * error rate and a feedback accuracy drop. Reported: microseconds per event on the request
 * path (synchronous: metrics + queue), time spent folding batches, wall time per 10k events.
 * Writes bench/results/server-monitoring.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseAlertRules } from "../src/monitor/alert-rules.js";
import { exampleAlertRules } from "../src/monitor/example-alert-rules.js";
import type { RoutingDecision } from "../src/route/routing-decision.js";
import type { FeedbackInput, RequestLogRow } from "../src/route/routing-store.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { createServerMonitoring } from "../src/server/admin/server-monitoring.js";
import { decisionJson } from "../src/server/decision-wire.js";
import { openStateDatabase } from "../src/state/state-database.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "10000" },
    repeats: { type: "string", default: "5" },
    "batch-ms": { type: "string", default: "100" },
  },
});
const eventCount = Number(values.events);
const repeats = Number(values.repeats);
const batchMs = Number(values["batch-ms"]);
const RATE_PER_MS = 2; // 2,000 events per second of simulated time

const rules = [
  ...exampleAlertRules(),
  ...parseAlertRules({
    rules: [
      {
        id: "latency-slo",
        conditions: [{ type: "latency_p95", slo_ms: 400, window: { events: 200 } }],
        actions: [{ type: "log" }],
      },
      {
        id: "errors",
        conditions: [{ type: "error_rate", max_error_percent: 5, window: { events: 200 } }],
        actions: [{ type: "log" }],
      },
      {
        id: "feedback-drop",
        conditions: [
          {
            type: "accuracy_drop",
            source: "feedback",
            reference: "trailing_window",
            reference_window: 50,
            current_window: 50,
            min_drop_percent: 15,
          },
        ],
        actions: [{ type: "review", proposed_action: "demote" }],
      },
    ],
  }),
];

type Event =
  | { kind: "request"; row: RequestLogRow; decision: RoutingDecision }
  | { kind: "feedback"; feedback: FeedbackInput; request: RequestLogRow };

function generate(count: number): Event[] {
  const random = seededRandom(7).next;
  const start = Date.UTC(2026, 2, 1);
  const events: Event[] = [];
  const recent: RequestLogRow[] = [];
  for (let index = 0; index < count; index++) {
    const createdAt = new Date(start + index / RATE_PER_MS).toISOString();
    if (random() < 0.15 && recent.length > 0) {
      const request = recent[Math.floor(random() * recent.length)] as RequestLogRow;
      const reward = random() < (request.model === "model-b" ? 0.7 : 0.85) ? 1 : 0;
      events.push({
        kind: "feedback",
        request,
        feedback: {
          requestId: request.id,
          createdAt,
          rating: null,
          correct: reward === 1,
          label: null,
          latencyMs: null,
          reward,
        },
      });
      continue;
    }
    const failed = random() < 0.02;
    const route = random() < 0.5 ? "support" : "sales";
    const model = random() < 0.6 ? "model-a" : "model-b";
    // A decision as the server logs it: a request classified by a keyword rule into a
    // bandit route, one attempt.
    const decision: RoutingDecision = {
      requestId: `req_${index}`,
      task: "text-generation",
      requested: "auto",
      route,
      model,
      reason: `route ${route} (rules: keyword "refund"); model ${model}: bandit pick (Thompson sample 0.81)`,
      policy: "bandit",
      explored: random() < 0.1,
      order: model === "model-a" ? ["model-a", "model-b"] : ["model-b", "model-a"],
      classification: {
        route,
        usedDefault: false,
        steps: [{ step: 1, kind: "rules", route, detail: 'keyword "refund"', elapsedMs: 0.012 }],
      },
      attempts: [
        failed
          ? {
              model,
              outcome: "error",
              latencyMs: 40,
              error: "HTTP 502 from the model",
              status: 502,
            }
          : { model, outcome: "ok", latencyMs: 40 },
      ],
      domain: null,
    };
    const row: RequestLogRow = {
      id: `req_${index}`,
      createdAt,
      endpoint: "chat.completions",
      task: "text-generation",
      requested: "auto",
      route,
      model,
      reason: decision.reason,
      status: failed ? 502 : 200,
      latencyMs: 50 + random() * 300,
      modelLatencyMs: 40,
      errorCode: failed ? "upstream_failed" : null,
      domain: null,
      inputText: null,
      outputText: null,
      outputLabel: null,
      promptTokens: null,
      completionTokens: null,
      costUsd: null,
      decision: decisionJson(decision),
    };
    recent.push(row);
    if (recent.length > 500) recent.shift();
    events.push({ kind: "request", row, decision });
  }
  return events;
}

const events = generate(eventCount);

async function run(): Promise<{
  requestPathUs: number;
  foldMs: number;
  wallMs: number;
  alerts: number;
}> {
  const directory = mkdtempSync(join(tmpdir(), "ms-bench-monitoring-"));
  const database = openStateDatabase({ path: join(directory, "state.db") });
  const monitoring = createServerMonitoring({
    database,
    rules,
    log: () => {},
    batchIntervalMs: batchMs,
    decisionPollIntervalMs: 0,
  });
  let foldMs = 0;
  const fold = monitoring.flush;
  let alerts = 0;
  // Time the timer's folds by wrapping the flush the timer calls.
  const flushTimed = () => {
    const started = performance.now();
    alerts += fold().length;
    foldMs += performance.now() - started;
  };
  let requestPathMs = 0;
  const started = performance.now();
  const perInterval = Math.max(1, Math.round(batchMs * RATE_PER_MS));
  for (let offset = 0; offset < events.length; offset += perInterval) {
    const slice = events.slice(offset, offset + perInterval);
    const sliceStarted = performance.now();
    for (const event of slice) {
      if (event.kind === "request") monitoring.requestLogged(event.row, event.decision);
      else monitoring.feedbackStored(event.feedback, event.request);
    }
    requestPathMs += performance.now() - sliceStarted;
    flushTimed();
  }
  const wallMs = performance.now() - started;
  await monitoring.close();
  database.close();
  rmSync(directory, { recursive: true, force: true });
  return { requestPathUs: (requestPathMs * 1000) / events.length, foldMs, wallMs, alerts };
}

const runs = [];
for (let repeat = 0; repeat < repeats; repeat++) runs.push(await run());
const median = (numbers: number[]) =>
  [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;
const per10k = (ms: number) => (ms * 10_000) / eventCount;
const result = {
  command: process.argv.slice(2),
  node: process.version,
  events: eventCount,
  batchIntervalMs: batchMs,
  eventsPerBatch: Math.round(batchMs * RATE_PER_MS),
  rules: rules.map((rule) => rule.id),
  medianRequestPathMicrosecondsPerEvent: median(runs.map((entry) => entry.requestPathUs)),
  medianFoldMsPer10k: per10k(median(runs.map((entry) => entry.foldMs))),
  medianWallMsPer10k: per10k(median(runs.map((entry) => entry.wallMs))),
  alertsPerRun: runs[0]?.alerts ?? 0,
  runs,
};
writeFileSync(
  new URL("./results/server-monitoring.json", import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(
  `Server monitoring, ${eventCount} events (${result.eventsPerBatch} per ${batchMs} ms batch), ${repeats} repeats, rules: ${result.rules.join(", ")}`,
);
console.log("| measure | median |");
console.log("| --- | --- |");
console.log(
  `| request path (metrics + queue), µs per event | ${result.medianRequestPathMicrosecondsPerEvent.toFixed(1)} |`,
);
console.log(
  `| folding batches into the engine, ms per 10k events | ${result.medianFoldMsPer10k.toFixed(0)} |`,
);
console.log(`| wall, ms per 10k events | ${result.medianWallMsPer10k.toFixed(0)} |`);
console.log(`| alerts fired per run | ${result.alertsPerRun} |`);
