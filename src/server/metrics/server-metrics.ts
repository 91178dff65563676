/**
 * @module
 * The metrics `GET /metrics` exposes. The core ones come from `monitor/metrics/` and are fed
 * the same monitor events as the alert engine, so `/metrics` and the alerts agree:
 * `modelscout_requests_total{route,model,status}`, `modelscout_request_duration_seconds`,
 * `modelscout_decisions_total{route,model}` (selection decisions), `modelscout_feedback_total`,
 * `modelscout_alerts_total{rule}`, `modelscout_review_items_open`. The server adds what only
 * it sees, on the same registry:
 * - `modelscout_routing_decisions_total{route,model,policy,explored}`: which model served a
 *   route and by which policy (a bandit's explorations apart);
 * - `modelscout_routing_attempts_passed_over_total{route,model,outcome}`: attempts that did
 *   not give the answer: a model that failed (`timeout`, `rate-limited`, `error`), was skipped
 *   (`circuit-open`, `at-capacity`) or answered below its target's `min_confidence`
 *   (`low-confidence`, ADR 0057), so what fallbacks and cascades cost each model; a request
 *   its first model answered adds nothing;
 * - `modelscout_unrouted_requests_total{endpoint,status}`: requests refused before any model
 *   was chosen or called (invalid body, unknown task, every candidate at its `max_in_flight`
 *   or with its breaker open), which have no model to count under;
 * - `modelscout_tokens_total{route,model,kind}` and `modelscout_cost_usd_total{route,model}`:
 *   the answering model's tokens and their cost at its declared price (ADR 0050);
 * - `modelscout_classification_tokens_total{model,kind}` and
 *   `modelscout_classification_cost_usd_total{model}`: what classification steps' model calls
 *   reported and cost (a chat model naming the route, the request's embedding for a
 *   nearest-neighbour step), by the step's model (ADR 0090), kept apart from the answers' so
 *   that the per-(route, model) cost stays what the learner weighs; read from the decision's
 *   steps (a batch's item rows: each item's own classification, once per text);
 * - `modelscout_feedback_reward{route,model}`: the reward of feedback (0..1), so
 *   `_sum / _count` is the mean reward and the buckets its spread;
 * - `modelscout_review_decisions_total{decision}`: approvals and rejections by operators;
 * - `modelscout_model_available{model}`: 1 while the model's circuit breaker lets calls
 *   through, 0 while it is open (after failures, or held by failed health checks);
 * - `modelscout_model_healthy{model}`: the active health checks' verdict (ADR 0028), 1 or 0,
 *   for checked models once checked;
 * - `modelscout_model_loaded{model}`: 1 while the model is loaded, 0 while it is not (unloaded
 *   for being idle, `server.unload_idle_seconds`, ADR 0099, or its load failed);
 * - `modelscout_model_in_flight{model}`: calls to the model not yet ended, streams included,
 *   to compare with its `max_in_flight` (ADR 0033);
 * - `modelscout_config_reloads_total{result}`: reloads of the routes config (SIGHUP, ADR
 *   0046), `applied` or `refused`;
 * - `modelscout_config_last_reload_successful`: 0 after a refused reload (the server goes on
 *   with an older config than the file's), 1 otherwise, as Prometheus' own
 *   `prometheus_config_last_reload_successful`;
 * - `modelscout_build_info{version}`: always 1;
 * - with a routing learner, read from its standings at each scrape, per learner route
 *   (`<route>/<task>`) and model, route-wide (domains come from a request header, so they are
 *   left out of the labels): `modelscout_learner_quality` (posterior mean, 0..1),
 *   `modelscout_learner_evidence` (decayed observations), `modelscout_learner_demoted` (1 or
 *   0) and `modelscout_learner_mean_cost_usd` (mean cost per rewarded request, where known,
 *   ADR 0053); only for the routes and models the routes config in service has the learner
 *   choose among: after a reload that removes a route, or a model from a route's candidates,
 *   their series are no longer exposed (Prometheus marks them stale), though the learner keeps
 *   what it learned there (ADR 0083);
 * - `modelscout_sessions`: sessions remembered for session affinity (ADR 0054), to size
 *   `server.max_sessions` by;
 * - with the state on PostgreSQL, `modelscout_state_blocking_waits_total`: calls that held the
 *   event loop until PostgreSQL answered (ADR 0071: none in a steady state, so a rising count
 *   says where requests waited: admin writes, stale read-aheads, a waiting decision's fold);
 * - with a learner that reads ahead, `modelscout_learner_stale_read_aheads_total`: feedback
 *   read-aheads that went stale (ADR 0070), each then read again, awaited, and after a few in
 *   a row for one feedback, recorded under the write lock, blocking (ADR 0071); grows with the
 *   servers writing to one state at once.
 *
 * Counters (and the histograms) count since the process started, as Prometheus expects, and keep
 * their series after a reload removes their route or model: they only ever grow, so a series
 * that stopped growing says no more than that, and one dropped and later brought back would
 * read as a counter reset. The gauges say what is true now, so they follow the config in
 * service: the per-model ones are read from the router serving (a model the new config drops
 * leaves with its router), the learner's from the routes it has the learner choose on (ADR
 * 0083). Label values come from the routes config, the rules and the router's decisions, never
 * from request bodies.
 */

import type { Alert } from "../../monitor/alert-engine.js";
import { PROMETHEUS_CONTENT_TYPE } from "../../monitor/metrics/metrics-registry.js";
import {
  createModelscoutMetrics,
  type ModelscoutMetrics,
} from "../../monitor/metrics/modelscout-metrics.js";
import type { MonitorEvent } from "../../monitor/monitor-event.js";
import type { RoutesInService } from "../../route/learning/routes-in-service.js";
import {
  type LoggedClassificationFields,
  loggedClassificationSpends,
} from "../../route/logged-classification-spend.js";
import type { ModelStanding } from "../../route/route-learner.js";
import type { RoutingDecision } from "../../route/routing-decision.js";
import type { RequestLogRow } from "../../route/routing-store.js";
import { VERSION } from "../../version.js";

export { PROMETHEUS_CONTENT_TYPE };

/**
 * What the routing-decision, attempt and classification counters read of a decision; a
 * decision without `classification` has no classification calls counted.
 */
export type DecisionLabels = Pick<RoutingDecision, "policy" | "explored" | "attempts"> &
  Partial<Pick<RoutingDecision, "classification">>;

/** A decision's fields those counters read, as the request log's JSON has them. */
interface LoggedDecisionLabels extends LoggedClassificationFields {
  policy?: string;
  explored?: boolean;
  attempts?: { model: string; outcome: string }[];
}

export interface ServerMetrics {
  readonly core: ModelscoutMetrics;
  /**
   * A logged request and the monitor event made of it (null when no model was chosen).
   * `decision` is what `row.decision` holds, when the caller has it; without it the row's
   * JSON is parsed, about 1.7 us a request more (`bench/server-monitoring.ts`, 2026-12-01).
   */
  observeRequest(
    row: RequestLogRow,
    event: MonitorEvent | null,
    decision?: DecisionLabels | null,
  ): void;
  observeFeedback(event: MonitorEvent | null, reward: number | null): void;
  observeDecision(event: MonitorEvent): void;
  observeAlert(alert: Alert): void;
  observeReviewDecision(decision: "approved" | "rejected"): void;
  /** A reload of the routes config, applied or refused. */
  observeReload(applied: boolean): void;
  render(): string;
}

/** What the router says of each model now, read at each scrape. */
export interface ModelStates {
  [model: string]: { available: boolean; healthy?: boolean; inFlight?: number; loaded?: boolean };
}

export function createServerMetrics(
  options: {
    reviewItemsOpen?: () => number;
    modelStates?: () => ModelStates;
    /** The routing learner's standings, when the server has a learner. */
    learnerStandings?: () => readonly ModelStanding[];
    /**
     * The learner's routes and models the config in service has (it changes on a reload); the
     * learner's gauges leave the others out. Without it, every standing is exposed.
     */
    routesInService?: () => RoutesInService;
    /** Sessions remembered for session affinity (ADR 0054). */
    sessions?: () => number;
    /** Calls that blocked on the PostgreSQL state database (ADR 0071), when it is one. */
    stateBlockingWaits?: () => number;
    /** The learner's records whose read-ahead was not used (ADR 0070), when it reads ahead. */
    learnerStaleReadAheads?: () => number;
  } = {},
): ServerMetrics {
  const core = createModelscoutMetrics({
    ...(options.reviewItemsOpen !== undefined && { reviewItemsOpen: options.reviewItemsOpen }),
  });
  const registry = core.registry;
  const routingDecisions = registry.counter(
    "modelscout_routing_decisions_total",
    "Routing decisions: the model that served a route, by the route's policy; explored is true when a bandit explored.",
    ["route", "model", "policy", "explored"],
  );
  const passedOver = registry.counter(
    "modelscout_routing_attempts_passed_over_total",
    "Model attempts that did not give the answer, by route, model and outcome: failed (timeout, rate-limited, error), skipped (circuit-open, at-capacity) or answered below the target's min_confidence (low-confidence). A request its first model answered adds nothing.",
    ["route", "model", "outcome"],
  );
  const unrouted = registry.counter(
    "modelscout_unrouted_requests_total",
    "Requests refused before a model was chosen or called (invalid body, unknown task or model, every candidate busy or with its breaker open), by endpoint and HTTP status.",
    ["endpoint", "status"],
  );
  const reward = registry.histogram(
    "modelscout_feedback_reward",
    "Reward (0..1) of feedback with a quality signal; _sum / _count is the mean reward.",
    ["route", "model"],
    [0, 0.25, 0.5, 0.75, 1],
  );
  const tokens = registry.counter(
    "modelscout_tokens_total",
    "Tokens read (prompt) and written (completion) by routed answers whose model server reported its usage, by route and model.",
    ["route", "model", "kind"],
  );
  const cost = registry.counter(
    "modelscout_cost_usd_total",
    "What routed answers cost in US dollars: their tokens at the price the routes config declares for the model (models without a price are not counted).",
    ["route", "model"],
  );
  const classificationTokens = registry.counter(
    "modelscout_classification_tokens_total",
    "Tokens read (prompt) and written (completion) by classification steps' model calls whose server reported them (a classifier model naming the route, a request's embedding for a nearest-neighbour step), by the step's model. Not in modelscout_tokens_total, which counts the answers.",
    ["model", "kind"],
  );
  const classificationCost = registry.counter(
    "modelscout_classification_cost_usd_total",
    "What classification steps' model calls cost in US dollars: their tokens at the price the routes config declares for the step's model (models without a price are not counted). Not in modelscout_cost_usd_total, which is the answering models'.",
    ["model"],
  );
  const countClassification = (
    model: string,
    promptTokens: number,
    completionTokens: number,
    costUsd: number | undefined,
  ) => {
    classificationTokens.inc({ model, kind: "prompt" }, promptTokens);
    classificationTokens.inc({ model, kind: "completion" }, completionTokens);
    if (costUsd !== undefined) classificationCost.inc({ model }, costUsd);
  };
  const reviewDecisions = registry.counter(
    "modelscout_review_decisions_total",
    "Review items decided by an operator, by decision.",
    ["decision"],
  );
  const sessions = options.sessions;
  if (sessions !== undefined) {
    registry.gauge(
      "modelscout_sessions",
      "Sessions remembered for session affinity (x-modelscout-session), expired ones included until they are looked at or pushed out; at most server.max_sessions.",
      [],
      sessions,
    );
  }
  if (options.stateBlockingWaits !== undefined) {
    registry.counterFrom(
      "modelscout_state_blocking_waits_total",
      "Calls that held the server's event loop until the PostgreSQL state database answered (a round trip or more each, during which no request moves).",
      options.stateBlockingWaits,
    );
  }
  if (options.learnerStaleReadAheads !== undefined) {
    registry.counterFrom(
      "modelscout_learner_stale_read_aheads_total",
      "Feedback read-aheads of learner state that had changed before the write (another server's or this one's write came between): each read again without blocking and tried again, and after a few in a row for one feedback recorded under the write lock, blocking.",
      options.learnerStaleReadAheads,
    );
  }
  const learnerStandings = options.learnerStandings;
  if (learnerStandings !== undefined) {
    const routesInService = options.routesInService;
    // Standings are in memory (the learner's write-through cache): read per gauge. A standing
    // of a route or model a reload removed is kept by the learner, but routes nothing now: a
    // gauge of it would show its last quality or demotion as current, for ever (ADR 0083).
    const standingGauge = (
      name: string,
      help: string,
      value: (standing: ModelStanding) => number | null,
    ) =>
      registry.gauge(name, help, ["route", "model"], () => {
        const inService = routesInService?.();
        return learnerStandings().flatMap((standing) => {
          const reading =
            standing.domain === null &&
            (inService === undefined || inService.has(standing.route, standing.modelId))
              ? value(standing)
              : null;
          return reading === null
            ? []
            : [[{ route: standing.route, model: standing.modelId }, reading] as const];
        });
      });
    standingGauge(
      "modelscout_learner_quality",
      "The routing learner's posterior mean quality (0..1) of the model on the route (route = <route>/<task>), after decay.",
      (standing) => standing.mean,
    );
    standingGauge(
      "modelscout_learner_evidence",
      "Decayed number of rewarded outcomes behind the learner's quality of the model on the route.",
      (standing) => standing.effectiveCount,
    );
    standingGauge(
      "modelscout_learner_demoted",
      "1 when the learner (or an operator) has demoted the model on the route, route-wide; 0 otherwise.",
      (standing) => (standing.demoted ? 1 : 0),
    );
    standingGauge(
      "modelscout_learner_mean_cost_usd",
      "Decayed mean cost in US dollars of the model's rewarded requests on the route that had a cost; absent while unknown.",
      (standing) => standing.meanCostUsd,
    );
  }
  const modelStates = options.modelStates;
  if (modelStates !== undefined) {
    registry.gauge(
      "modelscout_model_available",
      "1 while the model's circuit breaker lets calls through, 0 while it is open (after failures, or held open by failed health checks).",
      ["model"],
      () =>
        Object.entries(modelStates()).map(([model, state]) => [{ model }, state.available ? 1 : 0]),
    );
    registry.gauge(
      "modelscout_model_healthy",
      "The active health checks' verdict on the model's server: 1 healthy, 0 unhealthy; absent until checked.",
      ["model"],
      () =>
        Object.entries(modelStates()).flatMap(([model, state]) =>
          state.healthy === undefined ? [] : [[{ model }, state.healthy ? 1 : 0] as const],
        ),
    );
    registry.gauge(
      "modelscout_model_loaded",
      "1 while the model is loaded, 0 while it is not: unloaded for being idle (server.unload_idle_seconds; its next call loads it again), or its load failed.",
      ["model"],
      () =>
        Object.entries(modelStates()).flatMap(([model, state]) =>
          state.loaded === undefined ? [] : [[{ model }, state.loaded ? 1 : 0] as const],
        ),
    );
    registry.gauge(
      "modelscout_model_in_flight",
      "Calls to the model that have not ended (streams until their last piece); a model with max_in_flight takes no more than that.",
      ["model"],
      () =>
        Object.entries(modelStates()).flatMap(([model, state]) =>
          state.inFlight === undefined ? [] : [[{ model }, state.inFlight] as const],
        ),
    );
  }
  const reloads = registry.counter(
    "modelscout_config_reloads_total",
    "Reloads of the routes config (SIGHUP), by result: applied, or refused (the server went on with the config it had).",
    ["result"],
  );
  const lastReload = registry.gauge(
    "modelscout_config_last_reload_successful",
    "0 when the last reload of the routes config was refused (the server runs an older config than the file's), else 1.",
    [],
  );
  lastReload.set({}, 1);
  registry
    .gauge("modelscout_build_info", "Always 1; the version label says which ModelScout serves.", [
      "version",
    ])
    .set({ version: VERSION }, 1);

  return {
    core,
    observeRequest(row, event, decision) {
      const logged =
        decision != null || row.decision === null
          ? null
          : (JSON.parse(row.decision) as LoggedDecisionLabels);
      const labels = decision ?? logged;
      // Whatever became of the request, its classification's calls were made.
      if (decision != null) {
        const steps = decision.classification?.steps;
        if (steps !== undefined) {
          for (const step of steps) {
            if (step.usage === undefined) continue;
            countClassification(
              step.model ?? "unknown",
              step.usage.promptTokens,
              step.usage.completionTokens,
              step.costUsd,
            );
          }
        }
      } else if (logged !== null) {
        for (const spend of loggedClassificationSpends(row.id, logged)) {
          if (spend.usage === undefined) continue;
          countClassification(
            spend.model ?? "unknown",
            spend.usage.prompt_tokens ?? 0,
            spend.usage.completion_tokens ?? 0,
            spend.cost_usd,
          );
        }
      }
      const attempts = labels?.attempts;
      // Nearly every request: one attempt that answered, nothing passed over.
      if (attempts !== undefined && (attempts.length > 1 || attempts[0]?.outcome !== "ok")) {
        const route = row.route ?? "(direct)";
        for (const attempt of attempts) {
          if (attempt.outcome !== "ok") {
            passedOver.inc({ route, model: attempt.model, outcome: attempt.outcome });
          }
        }
      }
      if (event === null) {
        unrouted.inc({ endpoint: row.endpoint, status: String(row.status) });
        return;
      }
      core.observe(event);
      if (row.route !== null && row.model !== null && labels !== null) {
        routingDecisions.inc({
          route: row.route,
          model: row.model,
          policy: labels.policy ?? "unknown",
          explored: labels.explored === true ? "true" : "false",
        });
      }
      if (
        event.kind === "request" &&
        (row.promptTokens !== null || row.completionTokens !== null)
      ) {
        // The event's route and model: "(direct)" for a request routed by model id.
        const { route, modelId: model } = event;
        if (row.promptTokens !== null) {
          tokens.inc({ route, model, kind: "prompt" }, row.promptTokens);
        }
        if (row.completionTokens !== null) {
          tokens.inc({ route, model, kind: "completion" }, row.completionTokens);
        }
        if (row.costUsd !== null) cost.inc({ route, model }, row.costUsd);
      }
    },
    observeFeedback(event, value) {
      if (event === null || event.kind !== "feedback") return;
      core.observe(event);
      if (value !== null) reward.observe({ route: event.route, model: event.modelId }, value);
    },
    observeDecision: (event) => core.observe(event),
    observeAlert: (alert) => core.recordAlert(alert),
    observeReviewDecision: (decision) => reviewDecisions.inc({ decision }),
    observeReload(applied) {
      reloads.inc({ result: applied ? "applied" : "refused" });
      lastReload.set({}, applied ? 1 : 0);
    },
    render: () => core.render(),
  };
}
