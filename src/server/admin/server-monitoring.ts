/**
 * @module
 * Monitoring inside the running server: every logged request and every stored feedback
 * becomes a monitor event (`monitor/monitor-event.ts`) for the alert engine and a sample for
 * the Prometheus metrics; finished selection decisions are read from the state database
 * (`decision-feed.ts`); alerts open review items, queue webhooks and log, as their rules say;
 * approving a review item changes routing through the learner (`learner-routing-control.ts`).
 *
 * Only events of a kind some rule reads are queued (`AlertEngine.reads`, ADR 0093: the shipped
 * rule reads selection decisions, so requests cost no fold); every event is still counted for
 * the metrics and told to listeners.
 *
 * Events are queued and folded in batches (every `batchIntervalMs`, one transaction each):
 * a fold with feedback or decisions in it commits with `synchronous = FULL`, and a commit per
 * event would cost an fsync per event (a fold of requests alone has no fsync of its own, ADR
 * 0095). The timer's batch is folded with `processBatchLater`: on PostgreSQL its commit
 * is awaited, so the round trips of its statements hold no request (ADR 0071), and the next
 * batch waits for it. `flush()` folds what is queued now, blocking (tests, shutdown). A
 * failing batch is reported on stderr and dropped: monitoring must never stop traffic.
 *
 * Listeners (`onChange`) hear what changed (requests, feedback, decisions, alerts, reviews),
 * so the dashboard can refresh when something happened rather than on a timer.
 */

import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { Alert, AlertEngine, AlertLogEntry } from "../../monitor/alert-engine.js";
import { createAlertEngine } from "../../monitor/alert-engine.js";
import type { AlertRule } from "../../monitor/alert-rules.js";
import type { MonitorEvent } from "../../monitor/monitor-event.js";
import {
  createReviewQueue,
  type ReviewDecision,
  type ReviewItem,
  type ReviewQueue,
} from "../../monitor/review-queue.js";
import type { RoutingControl } from "../../monitor/routing-control.js";
import type { Redactor } from "../../privacy/redact-personal-data.js";
import type { RoutesInService } from "../../route/learning/routes-in-service.js";
import type { ModelStanding } from "../../route/route-learner.js";
import type { FeedbackInput, RequestLogRow } from "../../route/routing-store.js";
import { postgresState, type StateDatabase } from "../../state/state-database.js";
import {
  createServerMetrics,
  type DecisionLabels,
  type ModelStates,
  type ServerMetrics,
} from "../metrics/server-metrics.js";
import { createDecisionFeed, type DecisionFeed, type FedDecision } from "./decision-feed.js";
import { PendingEvents } from "./pending-events.js";

/** Whether a change was made by this server process or by another one (`notifyPeerChange`). */
export type ChangeOrigin = "local" | "peer";

export type MonitoringChangeKind =
  | "request"
  | "feedback"
  | "decision"
  | "alert"
  | "review"
  | "availability";

export interface ServerMonitoringOptions {
  database: StateDatabase;
  rules: readonly AlertRule[];
  /** Applies approved demotions; without it, approving a demotion fails and says why. */
  routingControl?: RoutingControl;
  /** For review comments and summaries. Default: redaction on, every type. */
  redactor?: Redactor;
  /** Receives `log` actions. Default: one JSON line on stderr. */
  log?: (entry: AlertLogEntry) => void;
  /** For webhook actions. */
  fetch?: typeof fetch;
  /** Webhook retry backoff (tests shorten it). */
  webhookRetry?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Default 100 ms. */
  batchIntervalMs?: number;
  /** Each model's availability and health now, for `/metrics`. */
  modelStates?: () => ModelStates;
  /** The routing learner's standings, for `/metrics` (absent without a learner). */
  learnerStandings?: () => readonly ModelStanding[];
  /** The learner's routes and models the config in service has; `/metrics` shows only those (ADR 0083). */
  routesInService?: () => RoutesInService;
  /** Sessions remembered for session affinity, for `/metrics`. */
  sessions?: () => number;
  /** The learner's records whose read-ahead was not used, for `/metrics`. */
  learnerStaleReadAheads?: () => number;
  /** How often finished selection decisions are read. Default 2000 ms; 0 turns reading off. */
  decisionPollIntervalMs?: number;
  now?: () => Date;
}

export interface ServerMonitoring {
  readonly engine: AlertEngine;
  readonly reviewQueue: ReviewQueue;
  readonly metrics: ServerMetrics;
  /**
   * The exposition for a scrape: `metrics.render()`, with what it reads from the state
   * database read first, awaited on PostgreSQL (the open review items), so a scrape blocks
   * the server for no round trip.
   */
  renderMetrics(): Promise<string>;
  readonly rules: readonly AlertRule[];
  /**
   * Replaces the alert rules without a restart (`modelscout serve` on SIGHUP with `--alerts`):
   * the events queued are folded in under the old rules first; a rule whose match and
   * conditions are unchanged keeps its state, a changed one starts afresh (as after a restart:
   * `ruleFingerprint`). Webhook deliveries in flight are stopped and the new engine sends what
   * they had not recorded (at least once, as after a restart). Throws, changing nothing, for
   * rules the engine refuses.
   */
  useRules(rules: readonly AlertRule[]): void;
  /** `decision`: the decision `row.decision` holds, if the caller has it (else it is parsed). */
  requestLogged(row: RequestLogRow, decision?: DecisionLabels | null): void;
  feedbackStored(feedback: FeedbackInput, request: RequestLogRow): void;
  /** Events waiting for the next fold (only the kinds some rule reads are queued). */
  readonly queued: number;
  /** Folds the queued events in now; returns the alerts they fired. */
  flush(): Alert[];
  /** Reads finished selection decisions now; returns how many were new. */
  pollDecisions(): number;
  approve(id: string, decision: ReviewDecision): ReviewItem;
  reject(id: string, decision: ReviewDecision): ReviewItem;
  /** Tells listeners the review queue changed (an item opened by hand). */
  notifyReviewChange(): void;
  /** Tells listeners a model's availability changed (a health check's verdict). */
  notifyAvailabilityChange(): void;
  /**
   * Tells listeners of a change another server process made (`serve --workers`, ADR 0061):
   * they hear it with origin `peer`, so a relay to the other processes can leave it out.
   */
  notifyPeerChange(kind: MonitoringChangeKind): void;
  /** Adds a listener; returns its removal. */
  onChange(listener: (kind: MonitoringChangeKind, origin: ChangeOrigin) => void): () => void;
  /** Folds what is queued, stops the timers and waits for webhook deliveries in flight (aborted). */
  close(): Promise<void>;
}

/** The monitor's view of a logged request, or null when it was never routed to a model. */
export function requestEvent(row: RequestLogRow): MonitorEvent | null {
  if (row.model === null) return null;
  return {
    kind: "request",
    at: row.createdAt,
    requestId: row.id,
    route: row.route ?? "(direct)",
    modelId: row.model,
    latencyMs: row.latencyMs,
    status: row.status,
    ...(row.status !== 200 && row.errorCode !== null && { error: row.errorCode }),
    ...(row.costUsd !== null && { costUsd: row.costUsd }),
    ...(row.classificationCostUsd != null && {
      classificationCostUsd: row.classificationCostUsd,
    }),
  };
}

/**
 * The monitor's view of a stored feedback, or null when its request had no model or was not
 * answered: a rating of a request every candidate failed would count against the model the
 * log charges the failure to, which never answered it (the learner skips it likewise,
 * `feedbackOutcome`). Feedback with only a latency is an event too (counted in metrics;
 * conditions skip it).
 */
export function feedbackEvent(
  feedback: FeedbackInput,
  request: RequestLogRow,
): MonitorEvent | null {
  if (request.model === null || request.status !== 200) return null;
  return {
    kind: "feedback",
    at: feedback.createdAt,
    requestId: request.id,
    route: request.route ?? "(direct)",
    modelId: request.model,
    ...(feedback.reward !== null && { reward: feedback.reward }),
    ...(feedback.correct !== null && { correct: feedback.correct }),
  };
}

export function createServerMonitoring(options: ServerMonitoringOptions): ServerMonitoring {
  const { database } = options;
  const listeners = new Set<(kind: MonitoringChangeKind, origin: ChangeOrigin) => void>();
  const notify = (kind: MonitoringChangeKind, origin: ChangeOrigin = "local") => {
    for (const listener of listeners) {
      try {
        listener(kind, origin);
      } catch {
        // A listener is a dashboard connection; one that fails must not affect the others.
      }
    }
  };
  // biome-ignore lint/plugin/no-spread-then-field: once per server
  const reviewQueue = createReviewQueue(database, {
    ...(options.routingControl !== undefined && { routingControl: options.routingControl }),
    ...(options.redactor !== undefined && { redactor: options.redactor }),
    ...(options.now !== undefined && { now: options.now }),
  });
  const postgres = postgresState(database);
  /** Read ahead of a render by `renderMetrics`; undefined otherwise (a render reads it then). */
  let openReviewItems: number | undefined;
  const metrics = createServerMetrics({
    reviewItemsOpen: () => openReviewItems ?? reviewQueue.countOpen(),
    ...(options.modelStates !== undefined && { modelStates: options.modelStates }),
    ...(options.learnerStandings !== undefined && {
      learnerStandings: options.learnerStandings,
    }),
    ...(options.routesInService !== undefined && { routesInService: options.routesInService }),
    ...(options.sessions !== undefined && { sessions: options.sessions }),
    ...(postgres !== undefined && { stateBlockingWaits: () => postgres.roundTrips }),
    ...(options.learnerStaleReadAheads !== undefined && {
      learnerStaleReadAheads: options.learnerStaleReadAheads,
    }),
  });
  const engineFor = (rules: readonly AlertRule[]) =>
    createAlertEngine({
      database,
      rules,
      reviewQueue,
      ...(options.log !== undefined && { log: options.log }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.now !== undefined && { now: options.now }),
      onAlert: (alert) => {
        metrics.observeAlert(alert);
        notify("alert");
        if (alert.reviewItemId !== null) notify("review");
      },
    });
  const webhooksIn = (rules: readonly AlertRule[]) =>
    rules.some((rule) => rule.actions.some((action) => action.type === "webhook"));
  const feedFor = (alertEngine: AlertEngine): DecisionFeed =>
    createDecisionFeed({
      database,
      engine: alertEngine,
      ...(options.now !== undefined && { now: options.now }),
    });
  // Replaced together by `useRules`.
  let engine = engineFor(options.rules);
  let hasWebhooks = webhooksIn(engine.rules);
  let feed = feedFor(engine);

  let delivery = new AbortController();
  const deliveries = new Set<Promise<unknown>>();
  const deliverWebhooks = () => {
    // This delivery's own signal: `useRules` aborts it and starts another.
    const signal = delivery.signal;
    if (!hasWebhooks || signal.aborted) return;
    const running = engine
      .deliverWebhooks({
        signal,
        ...(options.webhookRetry !== undefined && { retry: options.webhookRetry }),
      })
      .then((report) => {
        for (const failure of report.failed) {
          process.stderr.write(
            `modelscout serve: webhook for alert ${failure.alertId} to ${failure.url} failed after ${failure.attempts} attempt(s): ${failure.error}\n`,
          );
        }
      })
      .catch((error: unknown) => {
        if (!signal.aborted) {
          process.stderr.write(`modelscout serve: webhook delivery failed: ${String(error)}\n`);
        }
      })
      .finally(() => deliveries.delete(running));
    deliveries.add(running);
  };

  const queue = new PendingEvents();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const batchIntervalMs = options.batchIntervalMs ?? 100;

  const dropped = (count: number, error: unknown) => {
    process.stderr.write(
      `modelscout serve: ${count} monitoring event(s) could not be folded in and were dropped: ${(error as Error).message}\n`,
    );
  };

  const flush = (): Alert[] => {
    clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0) return [];
    const events = queue.take();
    try {
      const alerts = engine.processBatch(events);
      if (alerts.length > 0) deliverWebhooks();
      return alerts;
    } catch (error) {
      dropped(events.length, error);
      return [];
    }
  };

  /** The batch the timer is folding, until it is stored (or failed). */
  let folding: Promise<void> | undefined;
  // The timer's fold: its commit is awaited, not blocked on (on PostgreSQL, ADR 0071), and the
  // next batch waits for it, so batches are stored in order.
  const flushLater = () => {
    clearTimeout(timer);
    timer = undefined;
    if (queue.length === 0 || folding !== undefined) return;
    const events = queue.take();
    folding = engine
      .processBatchLater(events)
      .then(
        (alerts) => {
          if (alerts.length > 0) deliverWebhooks();
        },
        (error: unknown) => dropped(events.length, error),
      )
      .finally(() => {
        folding = undefined;
        if (queue.length > 0 && !closed) timer ??= setTimeout(flushLater, batchIntervalMs).unref();
      });
  };

  const enqueue = (event: MonitorEvent | null) => {
    // An event no rule reads would change nothing but cost its fold's transaction.
    if (event === null || closed || !engine.reads(event.kind)) return;
    queue.push(event);
    if (folding === undefined) timer ??= setTimeout(flushLater, batchIntervalMs).unref();
  };

  const told = ({ fed, alerts }: { fed: FedDecision[]; alerts: Alert[] }): number => {
    for (const { event } of fed) metrics.observeDecision(event);
    if (fed.length > 0) notify("decision");
    if (alerts.length > 0) deliverWebhooks();
    return fed.length;
  };
  const couldNotRead = (error: unknown) => {
    process.stderr.write(
      `modelscout serve: could not read selection decisions: ${(error as Error).message}\n`,
    );
    return 0;
  };
  const pollDecisions = (): number => {
    try {
      return told(feed.poll());
    } catch (error) {
      return couldNotRead(error);
    }
  };

  // The timer's poll asks without blocking whether any decision waits (ADR 0071); one at a time.
  let polling = false;
  const pollAhead = () => {
    if (polling || closed) return;
    polling = true;
    void feed
      .pollAhead()
      .then(told, (error: unknown) => {
        couldNotRead(error);
      })
      .finally(() => {
        polling = false;
      });
  };

  const pollIntervalMs = options.decisionPollIntervalMs ?? 2000;
  const poller = pollIntervalMs > 0 ? setInterval(pollAhead, pollIntervalMs).unref() : undefined;
  pollDecisions();
  // Webhooks queued before a restart (or whose delivery was cut short) go out now.
  deliverWebhooks();

  const decide = (status: "approved" | "rejected", id: string, decision: ReviewDecision) => {
    try {
      const item =
        status === "approved"
          ? reviewQueue.approve(id, decision)
          : reviewQueue.reject(id, decision);
      metrics.observeReviewDecision(status);
      return item;
    } finally {
      // A failed approval is on the audit trail too.
      notify("review");
    }
  };

  return {
    get engine() {
      return engine;
    },
    reviewQueue,
    metrics,
    async renderMetrics() {
      const open = await reviewQueue.countOpenLater();
      openReviewItems = open;
      try {
        return metrics.render();
      } finally {
        openReviewItems = undefined;
      }
    },
    get rules() {
      return engine.rules;
    },
    useRules(rules) {
      if (closed) {
        throw new ModelScoutError(
          "ABORTED",
          "Monitoring is closed; the alert rules were not replaced.",
        );
      }
      flush();
      const next = engineFor(rules); // refuses rules it cannot run, before anything changes
      engine = next;
      hasWebhooks = webhooksIn(next.rules);
      feed = feedFor(next);
      delivery.abort();
      delivery = new AbortController();
      // The cut-short delivery gives its outbox rows' claims up when it settles; the new
      // engine sends them after that.
      const cut = [...deliveries];
      if (cut.length === 0) deliverWebhooks();
      else void Promise.allSettled(cut).then(deliverWebhooks);
      notify("alert");
    },
    requestLogged(row, decision) {
      const event = requestEvent(row);
      metrics.observeRequest(row, event, decision);
      enqueue(event);
      notify("request");
    },
    feedbackStored(feedback, request) {
      const event = feedbackEvent(feedback, request);
      metrics.observeFeedback(event, feedback.reward);
      enqueue(event);
      notify("feedback");
    },
    get queued() {
      return queue.length;
    },
    flush,
    pollDecisions,
    approve: (id, decision) => decide("approved", id, decision),
    reject: (id, decision) => decide("rejected", id, decision),
    notifyReviewChange: () => notify("review"),
    notifyAvailabilityChange: () => notify("availability"),
    notifyPeerChange: (kind) => notify(kind, "peer"),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      // The timer's batch first, so the last ones fold in order; nothing starts another after.
      while (folding !== undefined) await folding;
      if (closed) return;
      flush();
      closed = true;
      clearInterval(poller);
      delivery.abort();
      await Promise.allSettled([...deliveries]);
      listeners.clear();
    },
  };
}
