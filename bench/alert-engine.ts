/**
 * Alert engine cost per 10,000 events, with the state in SQLite as in production.
 *
 *   npx tsx bench/alert-engine.ts [--events 10000] [--repeats 3]
 *
 * Stream: 4 routes x 4 models, 80% requests (lognormal latency, 2% errors), 15% feedback,
 * 5% selection decisions; one model's latency and accuracy degrade in the second half so
 * rules fire as they would. Rules: the shipped review-on-drop, plus latency p95 (200-request
 * window), error rate (200), Page-Hinkley latency drift and a feedback accuracy drop against
 * a trailing window: 5 rules, 7 conditions, reading every event.
 *
 * Modes: state in an in-memory database, one transaction per event (the engine's own cost
 * plus SQLite without disk); a state.db file (WAL, synchronous=FULL, as `openStateDatabase`
 * opens it) with one transaction per event (each commit waits for fsync); the same file with
 * batches of 100 events per transaction. Writes bench/results/alert-engine.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createAlertEngine } from "../src/monitor/alert-engine.js";
import { parseAlertRules } from "../src/monitor/alert-rules.js";
import { exampleAlertRules } from "../src/monitor/example-alert-rules.js";
import type { MonitorEvent } from "../src/monitor/monitor-event.js";
import { createReviewQueue } from "../src/monitor/review-queue.js";
import { sampleStandardNormal } from "../src/route/learning/beta-math.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { openStateDatabase } from "../src/state/state-database.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "10000" },
    repeats: { type: "string", default: "3" },
  },
});
const eventCount = Number(values.events);
const repeats = Number(values.repeats);

function generateEvents(count: number): MonitorEvent[] {
  const random = seededRandom(11).next;
  const routes = ["support-zh", "support-en", "search", "moderation"];
  const models = ["model-a", "model-b", "model-c", "model-d"];
  const gaussian = () => sampleStandardNormal(random);
  const events: MonitorEvent[] = [];
  const start = Date.UTC(2026, 2, 1);
  for (let index = 0; index < count; index += 1) {
    const at = new Date(start + index * 100).toISOString();
    const route = routes[Math.floor(random() * routes.length)] as string;
    const modelId = models[Math.floor(random() * models.length)] as string;
    const degraded = modelId === "model-a" && index > count / 2;
    const roll = random();
    if (roll < 0.8) {
      const latencyMs = Math.exp(Math.log(degraded ? 240 : 120) + 0.4 * gaussian());
      const failed = random() < (degraded ? 0.08 : 0.02);
      events.push({
        kind: "request",
        at,
        route,
        modelId,
        latencyMs,
        status: failed ? 503 : 200,
      });
    } else if (roll < 0.95) {
      events.push({
        kind: "feedback",
        at,
        route,
        modelId,
        correct: random() < (degraded ? 0.7 : 0.88),
      });
    } else {
      const qualities = models.map((model) => ({
        modelId: model,
        quality: Math.min(
          1,
          Math.max(0, (model === "model-a" ? (degraded ? 0.75 : 0.92) : 0.85) + 0.02 * gaussian()),
        ),
      }));
      const winner = [...qualities].sort((a, b) => b.quality - a.quality)[0] as { modelId: string };
      events.push({
        kind: "decision",
        at,
        decisionId: `dec_${index}`,
        route,
        task: "text-classification",
        winnerId: winner.modelId,
        candidates: qualities,
      });
    }
  }
  return events;
}

const rules = [
  ...exampleAlertRules(),
  ...parseAlertRules({
    rules: [
      {
        id: "latency-slo",
        conditions: [{ type: "latency_p95", slo_ms: 300, window: { events: 200 }, min_events: 50 }],
        actions: [{ type: "review", proposed_action: "demote" }],
      },
      {
        id: "errors",
        conditions: [
          { type: "error_rate", max_error_percent: 5, window: { events: 200 }, min_events: 50 },
        ],
        actions: [{ type: "review" }],
      },
      {
        id: "latency-drift",
        conditions: [
          {
            type: "drift",
            metric: "latency_ms",
            method: "page_hinkley",
            direction: "increase",
            delta: 10,
            threshold: 2000,
          },
        ],
        actions: [{ type: "review", proposed_action: "none" }],
      },
      {
        id: "feedback-drop",
        conditions: [
          {
            type: "accuracy_drop",
            source: "feedback",
            reference: "trailing_window",
            reference_window: 100,
            current_window: 50,
            min_drop_percent: 15,
          },
        ],
        actions: [{ type: "review" }],
      },
    ],
  }),
];

const events = generateEvents(eventCount);
const folder = mkdtempSync(join(tmpdir(), "modelscout-bench-alerts-"));

function run(mode: "memory" | "file" | "file-batch-100", repeat: number) {
  const path = mode === "memory" ? ":memory:" : join(folder, `state-${mode}-${repeat}.db`);
  const database = openStateDatabase({ path });
  const reviewQueue = createReviewQueue(database);
  const engine = createAlertEngine({ database, rules, reviewQueue, log: () => {} });
  let alerts = 0;
  const started = performance.now();
  if (mode === "file-batch-100") {
    for (let index = 0; index < events.length; index += 100) {
      alerts += engine.processBatch(events.slice(index, index + 100)).length;
    }
  } else {
    for (const event of events) alerts += engine.process(event).length;
  }
  const elapsedMs = performance.now() - started;
  const openItems = reviewQueue.countOpen();
  database.close();
  return { elapsedMs, alerts, openItems };
}

const modes = ["memory", "file", "file-batch-100"] as const;
const rows = modes.map((mode) => {
  const runs = Array.from({ length: repeats }, (_, repeat) => run(mode, repeat));
  const sorted = runs.map((result) => result.elapsedMs).sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] as number;
  return {
    mode,
    events: events.length,
    medianMs,
    msPer10kEvents: (medianMs / events.length) * 10_000,
    microsecondsPerEvent: (medianMs / events.length) * 1000,
    eventsPerSecond: events.length / (medianMs / 1000),
    alerts: runs[0]?.alerts ?? 0,
    openReviewItems: runs[0]?.openItems ?? 0,
    runsMs: runs.map((result) => Math.round(result.elapsedMs)),
  };
});
rmSync(folder, { recursive: true, force: true });

const kinds = { request: 0, feedback: 0, decision: 0 };
for (const event of events) kinds[event.kind] += 1;
console.log(
  `alert engine: ${events.length} events (${kinds.request} requests, ${kinds.feedback} feedback, ${kinds.decision} decisions), ${rules.length} rules, median of ${repeats}, Node ${process.version}`,
);
console.log("mode              ms/10k events   us/event   events/s   alerts");
for (const row of rows) {
  console.log(
    `${row.mode.padEnd(17)} ${row.msPer10kEvents.toFixed(0).padStart(13)} ${row.microsecondsPerEvent.toFixed(1).padStart(10)} ${Math.round(row.eventsPerSecond).toLocaleString("en").padStart(10)} ${String(row.alerts).padStart(8)}`,
  );
}
writeFileSync(
  "bench/results/alert-engine.json",
  `${JSON.stringify({ command: process.argv.slice(2), node: process.version, repeats, kinds, rules: rules.map((rule) => rule.id), rows }, null, 2)}\n`,
);
