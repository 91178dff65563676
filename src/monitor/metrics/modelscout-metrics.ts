/**
 * @module
 * ModelScout's Prometheus metrics, named `modelscout_*`, fed from the same events the alert
 * engine reads (`observe(event)`) plus alerts, so `/metrics` and the alerts never disagree
 * about what happened:
 *
 * - `modelscout_requests_total{route,model,status}`: routed requests; `status` is the HTTP
 *   status when there was one, else `error` (failed without a response) or `ok`.
 * - `modelscout_request_duration_seconds{route,model}`: histogram of request latency.
 * - `modelscout_decisions_total{route,model}`: selection decisions by winner (`none` when
 *   nothing was picked).
 * - `modelscout_feedback_total{route,model,kind}`: feedback events; `kind` is `correct`,
 *   `incorrect`, `reward` or `other`.
 * - `modelscout_alerts_total{rule}`: alerts fired.
 * - `modelscout_review_items_open`: open review items, read from the queue at scrape time.
 */
import type { Alert } from "../alert-engine.js";
import type { MonitorEvent } from "../monitor-event.js";
import { requestFailed } from "../monitor-event.js";
import { MetricsRegistry } from "./metrics-registry.js";

/** Seconds; from 5 ms (a small local classifier) to 60 s (a long LLM generation). */
export const REQUEST_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

export interface ModelscoutMetrics {
  readonly registry: MetricsRegistry;
  /** Counts a request, decision or feedback event. */
  observe(event: MonitorEvent): void;
  recordAlert(alert: Pick<Alert, "ruleId">): void;
  /** The `/metrics` body. */
  render(): string;
}

export interface ModelscoutMetricsOptions {
  /** Read at each scrape, e.g. `() => reviewQueue.countOpen()`. Without it the gauge reads 0. */
  reviewItemsOpen?: () => number;
}

function feedbackKind(event: Extract<MonitorEvent, { kind: "feedback" }>): string {
  if (event.correct !== undefined) return event.correct ? "correct" : "incorrect";
  return event.reward !== undefined ? "reward" : "other";
}

export function createModelscoutMetrics(options: ModelscoutMetricsOptions = {}): ModelscoutMetrics {
  const registry = new MetricsRegistry();
  const requests = registry.counter(
    "modelscout_requests_total",
    "Requests routed to a model, by route, model and outcome status.",
    ["route", "model", "status"],
  );
  const duration = registry.histogram(
    "modelscout_request_duration_seconds",
    "Latency of routed requests, from the model call's start to its answer or failure.",
    ["route", "model"],
    REQUEST_DURATION_BUCKETS_SECONDS,
  );
  const decisions = registry.counter(
    "modelscout_decisions_total",
    "Selection decisions, by route and winning model.",
    ["route", "model"],
  );
  const feedback = registry.counter(
    "modelscout_feedback_total",
    "Feedback events, by route, model and kind (correct, incorrect, reward).",
    ["route", "model", "kind"],
  );
  const alerts = registry.counter("modelscout_alerts_total", "Alerts fired, by rule.", ["rule"]);
  registry.gauge(
    "modelscout_review_items_open",
    "Review items waiting for a human decision.",
    [],
    () => options.reviewItemsOpen?.() ?? 0,
  );

  return {
    registry,
    observe(event) {
      if (event.kind === "request") {
        const status =
          event.status !== undefined ? String(event.status) : requestFailed(event) ? "error" : "ok";
        requests.inc({ route: event.route, model: event.modelId, status });
        duration.observe({ route: event.route, model: event.modelId }, event.latencyMs / 1000);
      } else if (event.kind === "decision") {
        decisions.inc({ route: event.route, model: event.winnerId ?? "none" });
      } else {
        feedback.inc({ route: event.route, model: event.modelId, kind: feedbackKind(event) });
      }
    },
    recordAlert(alert) {
      alerts.inc({ rule: alert.ruleId });
    },
    render: () => registry.render(),
  };
}
