/**
 * @module
 * The metrics `GET /metrics` exposes, all named `modelscout_*`: requests by endpoint, route,
 * model and status; request duration; routing decisions by route, model and policy;
 * selection decisions by task and winner; feedback and its reward; alerts by rule; review
 * decisions; open review items (read at scrape time). Counters count since the process
 * started, as Prometheus expects (it handles restarts as counter resets).
 *
 * Label values are bounded by the routes config and the alert rules, not by user input: a
 * request's route and model come from the router's decision, never from the body. Requests
 * that were not routed (rejected before a route was known) are labelled `(none)`, requests
 * that named a model directly `(direct)`.
 */
import type { Alert } from "../../monitor/alert-engine.js";
import type { DecisionEvent } from "../../monitor/monitor-event.js";
import type { FeedbackInput, RequestLogRow } from "../../route/routing-store.js";
import { VERSION } from "../../version.js";
import { PROMETHEUS_CONTENT_TYPE, PrometheusRegistry } from "./prometheus-registry.js";

export { PROMETHEUS_CONTENT_TYPE };

/** Seconds; from 5 ms (an in-process lexicon) to 30 s (a remote LLM's timeout). */
export const REQUEST_DURATION_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

export const NOT_ROUTED = "(none)";
export const DIRECT = "(direct)";

/** The route label of a logged request: its route, `(direct)` or `(none)`. */
export function requestRouteLabel(row: Pick<RequestLogRow, "route" | "model">): string {
  if (row.route !== null) return row.route;
  return row.model === null ? NOT_ROUTED : DIRECT;
}

export interface ModelscoutMetrics {
  readonly registry: PrometheusRegistry;
  observeRequest(row: RequestLogRow): void;
  observeFeedback(feedback: FeedbackInput, request: RequestLogRow): void;
  observeSelectionDecision(event: DecisionEvent, status: string): void;
  observeAlert(alert: Alert): void;
  observeReviewDecision(decision: "approved" | "rejected"): void;
  render(): string;
}

export function createModelscoutMetrics(
  options: { openReviewItems?: () => number } = {},
): ModelscoutMetrics {
  const registry = new PrometheusRegistry();
  registry.gauge({
    name: "modelscout_build_info",
    help: "Always 1; the version label says which ModelScout serves.",
    labelNames: ["version"],
    collect: (gauge) => gauge.set({ version: VERSION }, 1),
  });
  const requests = registry.counter({
    name: "modelscout_requests_total",
    help: "Requests answered, by endpoint, route, model that answered (or was tried last) and HTTP status.",
    labelNames: ["endpoint", "route", "model", "status"],
  });
  const duration = registry.histogram({
    name: "modelscout_request_duration_seconds",
    help: "Time from receiving a request to answering it (classification, model calls, fallbacks), in seconds.",
    labelNames: ["endpoint", "route", "model"],
    buckets: REQUEST_DURATION_BUCKETS_SECONDS,
  });
  const routingDecisions = registry.counter({
    name: "modelscout_routing_decisions_total",
    help: "Routing decisions: which model served a route, by the route's policy; explored is true when a bandit explored.",
    labelNames: ["route", "model", "policy", "explored"],
  });
  const selectionDecisions = registry.counter({
    name: "modelscout_selection_decisions_total",
    help: "Selection decisions (modelscout select) seen by this server, by task, winner and status.",
    labelNames: ["route", "model", "status"],
  });
  const feedback = registry.counter({
    name: "modelscout_feedback_total",
    help: "Feedback stored, by route and model of the request it is about; signal is reward or latency_only.",
    labelNames: ["route", "model", "signal"],
  });
  const reward = registry.histogram({
    name: "modelscout_feedback_reward",
    help: "Reward (0..1) of feedback with a quality signal; _sum / _count is the mean reward.",
    labelNames: ["route", "model"],
    buckets: [0, 0.25, 0.5, 0.75, 1],
  });
  const alerts = registry.counter({
    name: "modelscout_alerts_total",
    help: "Alerts fired, by rule, route and model.",
    labelNames: ["rule", "route", "model"],
  });
  const reviewDecisions = registry.counter({
    name: "modelscout_review_decisions_total",
    help: "Review items decided by an operator, by decision.",
    labelNames: ["decision"],
  });
  const openReviewItems = options.openReviewItems;
  if (openReviewItems !== undefined) {
    registry.gauge({
      name: "modelscout_review_items_open",
      help: "Review items waiting for a human decision.",
      labelNames: [],
      collect: (gauge) => gauge.set({}, openReviewItems()),
    });
  }

  return {
    registry,
    observeRequest(row) {
      const route = requestRouteLabel(row);
      const model = row.model ?? NOT_ROUTED;
      requests.inc({ endpoint: row.endpoint, route, model, status: String(row.status) });
      duration.observe({ endpoint: row.endpoint, route, model }, row.latencyMs / 1000);
      if (row.route !== null && row.model !== null && row.decision !== null) {
        const decision = JSON.parse(row.decision) as { policy?: string; explored?: boolean };
        routingDecisions.inc({
          route,
          model,
          policy: decision.policy ?? "unknown",
          explored: decision.explored === true ? "true" : "false",
        });
      }
    },
    observeFeedback(given, request) {
      const route = requestRouteLabel(request);
      const model = request.model ?? NOT_ROUTED;
      feedback.inc({ route, model, signal: given.reward === null ? "latency_only" : "reward" });
      if (given.reward !== null) reward.observe({ route, model }, given.reward);
    },
    observeSelectionDecision(event, status) {
      selectionDecisions.inc({ route: event.route, model: event.winnerId ?? NOT_ROUTED, status });
    },
    observeAlert(alert) {
      alerts.inc({ rule: alert.ruleId, route: alert.route, model: alert.modelId });
    },
    observeReviewDecision(decision) {
      reviewDecisions.inc({ decision });
    },
    render: () => registry.render(),
  };
}
