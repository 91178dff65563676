/**
 * @module
 * The alert engine: folds monitoring events (decisions, requests, feedback) into each rule's
 * condition state, and fires a rule for a route and model when all its conditions start to
 * hold. Firing is edge-triggered: a rule fires when its conditions go from not holding to
 * holding for that route and model, then stays quiet until they stop holding (and, with
 * `cooldown_seconds`, until that much event time has passed since the last firing).
 *
 * State lives in the state database (`monitoring` tables): each event is one transaction that
 * writes the condition state it changed, the firing flags, the alert, the review item and the
 * webhook outbox row together. A restart reloads all of it, so streaks and windows continue
 * and nothing that fired fires again. A transaction of requests alone commits without an fsync
 * of its own, as the request log they come from is written (ADR 0095); the webhook outbox's
 * claim, committed with one, makes an alert durable before it is sent. Several servers may
 * share the file (ADR 0060): each transaction bumps a generation counter, and one that finds
 * the counter moved by another engine since its own last write reloads the state first, so the
 * engines fold all servers' events into one state and a rule fires once for them all. On
 * PostgreSQL, where reading the counter would block the server for a round trip, a transaction
 * instead checks (in a statement sent without waiting) that the counter is still where this
 * engine left it, and one that finds it moved rolls back and folds again on the stored state
 * (ADR 0070). A fold whose commit is awaited (`processBatchLater`, the server's timer) reads
 * the counter first, awaited, and the stored state too when it moved, so servers folding in
 * turn never block one another (ADR 0071). A rule whose conditions or match change (a
 * different fingerprint) starts from empty state; changing only its actions keeps the state.
 *
 * Actions: `review` opens (or refreshes) a review item in the same transaction; `webhook`
 * queues a JSON POST in the outbox, sent by `deliverWebhooks()` with retries and backoff
 * (at least once: a crash before the delivery is recorded sends it again); `log` writes after
 * the commit. An engine claims the outbox rows it sends, so engines sharing the file send each
 * once; a row claimed by a process that died is sent again when the claim runs out (longer
 * than the delivery can take: its timeouts and waits, plus `WEBHOOK_CLAIM_MARGIN_MS`).
 */
import { createHash } from "node:crypto";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { fetchWithRetry, type HttpRetryPolicy } from "../http/fetch-with-retry.js";
import {
  failIfMovedOn,
  isStateMovedOn,
  postgresState,
  readBothWays,
  readLater,
  type StateDatabase,
  transactionLater,
  withoutSync,
} from "../state/state-database.js";
import type { AlertAction, AlertRule } from "./alert-rules.js";
import type { ConditionEvaluation, ConditionRuntime } from "./conditions/alert-condition.js";
import { eventTimeMs } from "./conditions/alert-condition.js";
import { createCondition } from "./conditions/create-condition.js";
import {
  type AlertSubject,
  type MonitorEvent,
  subjectFromKey,
  subjectKey,
} from "./monitor-event.js";
import { migrateMonitoring } from "./monitoring-migrations.js";
import { newMonitorId } from "./new-monitor-id.js";
import type { ProposedAction, ReviewQueue } from "./review-queue.js";
import { subjectConditions } from "./subject-filter.js";

/**
 * What a webhook's claim lasts beyond the longest its delivery can take (every attempt's
 * timeout and every wait between attempts), so a slow receiver never outlasts it.
 */
export const WEBHOOK_CLAIM_MARGIN_MS = 60_000;

export interface Alert {
  /** `alt_` + time-ordered random suffix. */
  id: string;
  ruleId: string;
  route: string;
  modelId: string;
  /** The time of the event that made the conditions hold. */
  firedAt: string;
  /** The conditions' summaries, joined. */
  summary: string;
  /** Every condition's evaluation with its numbers. */
  evidence: { conditions: (ConditionEvaluation["evidence"] & { type: string; summary: string })[] };
  /** The review item the alert opened or refreshed, when the rule has a review action. */
  reviewItemId: string | null;
}

export interface AlertLogEntry {
  level: "info" | "warn" | "error";
  message: string;
  alert: Alert;
}

export interface AlertEngineOptions {
  database: StateDatabase;
  rules: readonly AlertRule[];
  /** Needed when a rule has a `review` action; should use the same database (one transaction). */
  reviewQueue?: ReviewQueue;
  /** Receives `log` actions. Default: one JSON line on stderr. */
  log?: (entry: AlertLogEntry) => void;
  /** Told of every alert after it is committed (metrics, server push). */
  onAlert?: (alert: Alert) => void;
  /** For webhooks. */
  fetch?: typeof fetch;
  /** Source of backoff jitter for webhooks. */
  random?: () => number;
  now?: () => Date;
}

export interface WebhookDeliveryReport {
  delivered: number;
  failed: { alertId: string; url: string; attempts: number; error: string }[];
}

export interface AlertEngine {
  readonly rules: readonly AlertRule[];
  /**
   * Whether any enabled rule's condition reads events of `kind`. An event no condition reads
   * changes nothing when folded, so the server does not queue it (the shipped rule reads
   * decisions only, and a fold of 100 ms of requests held the event loop for about 1 ms).
   */
  reads(kind: MonitorEvent["kind"]): boolean;
  /** Folds one event in (one transaction) and returns the alerts it fired. */
  process(event: MonitorEvent): Alert[];
  /** Folds events in order in one transaction: cheaper per event, same alerts. */
  processBatch(events: readonly MonitorEvent[]): Alert[];
  /**
   * `processBatch`, with the transaction's end awaited rather than blocked on (on PostgreSQL,
   * ADR 0071): resolves with the alerts once the fold is stored. Batches given to it fold in
   * the order given; one that fails is not stored (the engine reloads the stored state).
   */
  processBatchLater(events: readonly MonitorEvent[]): Promise<Alert[]>;
  /** Sends the queued webhook calls; resolves when each is delivered or has used its retries. */
  deliverWebhooks(options?: {
    signal?: AbortSignal;
    retry?: Partial<Pick<HttpRetryPolicy, "baseDelayMs" | "maxDelayMs">>;
  }): Promise<WebhookDeliveryReport>;
  /** Stored alerts, newest first. */
  listAlerts(filter?: AlertListFilter): Alert[];
  /** `listAlerts`, read without blocking on PostgreSQL (the admin side); at once on SQLite. */
  listAlertsLater(filter?: AlertListFilter): Promise<Alert[]>;
}

export interface AlertListFilter {
  ruleId?: string;
  route?: string;
  modelId?: string;
  limit?: number;
}

interface FiringState {
  active: boolean;
  lastFiredAt: string | null;
  firedCount: number;
}

interface RuleRuntime {
  rule: AlertRule;
  conditions: ConditionRuntime[];
  firing: Map<string, FiringState>;
  dirtyFiring: Set<string>;
}

/**
 * Folds in a row that go stale (another engine folded between this one's read-ahead and its
 * check) before a batch is folded under the lock, blocking, as `processBatch` does: so an
 * engine always gets its events in, however busy the others are.
 */
export const STALE_FOLDS_BEFORE_BLOCKING = 3;

/** The stored state's reads, blocking (`load`) or awaited (`readStoredAhead`): one statement each. */
const GENERATION_SQL = "SELECT generation FROM monitor_generation WHERE id = 1";
const LOAD_STATE_SQL =
  "SELECT condition_index, state_key, state_json FROM monitor_condition_state WHERE rule_id = ? ORDER BY condition_index, state_key";
const LOAD_FIRING_SQL =
  "SELECT route, model_id, active, last_fired_at, fired_count FROM monitor_rule_subjects WHERE rule_id = ? ORDER BY route, model_id";

interface StateRow {
  condition_index: number;
  state_key: string;
  state_json: string;
}

interface FiringRow {
  route: string;
  model_id: string;
  active: number;
  last_fired_at: string | null;
  fired_count: number;
}

/** The statement of `listAlerts(filter)`: newest first, at most 1,000. */
function alertsQuery(filter: AlertListFilter): [string, unknown[]] {
  const { where, parameters } = subjectConditions(filter);
  const limit = Math.min(Math.max(1, filter.limit ?? 100), 1000);
  return [
    `SELECT * FROM monitor_alerts ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
     ORDER BY fired_at DESC, id DESC LIMIT ?`,
    [...parameters, limit],
  ];
}

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    ruleId: row.rule_id,
    route: row.route,
    modelId: row.model_id,
    firedAt: row.fired_at,
    summary: row.summary,
    evidence: JSON.parse(row.evidence_json),
    reviewItemId: row.review_item_id,
  };
}

interface AlertRow {
  id: string;
  rule_id: string;
  route: string;
  model_id: string;
  fired_at: string;
  summary: string;
  evidence_json: string;
  review_item_id: string | null;
}

/** Conditions and match decide the state's meaning; actions and description do not. */
export function ruleFingerprint(rule: AlertRule): string {
  return createHash("sha256")
    .update(JSON.stringify({ match: rule.match ?? null, conditions: rule.conditions }))
    .digest("hex")
    .slice(0, 16);
}

function defaultLog(entry: AlertLogEntry): void {
  process.stderr.write(
    `${JSON.stringify({ level: entry.level, message: entry.message, alert: entry.alert })}\n`,
  );
}

function proposedActionFor(
  action: Extract<AlertAction, { type: "review" }>,
  subject: AlertSubject,
): ProposedAction {
  if (action.proposed_action === "none") return { kind: "none" };
  if (action.proposed_action === "change_route") {
    return {
      kind: "change_route",
      route: subject.route,
      fromModelId: subject.modelId,
      toModelId: action.to_model ?? null,
    };
  }
  return { kind: "demote", route: subject.route, modelId: subject.modelId };
}

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { database } = options;
  migrateMonitoring(database);
  const alerts = readBothWays(database, alertsQuery, toAlert);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? defaultLog;
  const enabled = options.rules.filter((rule) => rule.enabled);
  if (
    options.reviewQueue === undefined &&
    enabled.some((rule) => rule.actions.some((action) => action.type === "review"))
  ) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      "Alert rules with a review action need a review queue: pass reviewQueue to createAlertEngine",
    );
  }

  const statements = {
    fingerprint: database.prepare<[string], { fingerprint: string }>(
      "SELECT fingerprint FROM monitor_rules WHERE rule_id = ?",
    ),
    saveFingerprint: database.prepare(
      `INSERT INTO monitor_rules (rule_id, fingerprint, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (rule_id) DO UPDATE SET fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
    ),
    clearState: database.prepare("DELETE FROM monitor_condition_state WHERE rule_id = ?"),
    clearFiring: database.prepare("DELETE FROM monitor_rule_subjects WHERE rule_id = ?"),
    loadState: database.prepare<[string], StateRow>(LOAD_STATE_SQL),
    loadFiring: database.prepare<[string], FiringRow>(LOAD_FIRING_SQL),
    saveState: database.prepare(
      `INSERT INTO monitor_condition_state (rule_id, condition_index, state_key, state_json)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (rule_id, condition_index, state_key) DO UPDATE SET state_json = excluded.state_json`,
    ),
    deleteState: database.prepare(
      "DELETE FROM monitor_condition_state WHERE rule_id = ? AND condition_index = ? AND state_key = ?",
    ),
    saveFiring: database.prepare(
      `INSERT INTO monitor_rule_subjects (rule_id, route, model_id, active, last_fired_at, fired_count)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_id, route, model_id) DO UPDATE SET active = excluded.active,
         last_fired_at = excluded.last_fired_at, fired_count = excluded.fired_count`,
    ),
    insertAlert: database.prepare(
      `INSERT INTO monitor_alerts (id, rule_id, route, model_id, fired_at, summary, evidence_json, review_item_id)
       VALUES (@id, @ruleId, @route, @modelId, @firedAt, @summary, @evidence, @reviewItemId)`,
    ),
    queueWebhook: database.prepare(
      `INSERT INTO monitor_webhook_outbox (alert_id, url, headers_json, payload_json, timeout_ms,
         max_retries, status, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    ),
    pendingWebhooks: database.prepare<
      [string],
      {
        id: number;
        alert_id: string;
        url: string;
        headers_json: string;
        payload_json: string;
        timeout_ms: number;
        max_retries: number;
      }
    >(
      `SELECT * FROM monitor_webhook_outbox
       WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id`,
    ),
    claimWebhook: database.prepare(
      "UPDATE monitor_webhook_outbox SET claimed_until = ? WHERE id = ?",
    ),
    releaseWebhook: database.prepare(
      "UPDATE monitor_webhook_outbox SET claimed_until = NULL WHERE id = ? AND status = 'pending'",
    ),
    finishWebhook: database.prepare(
      "UPDATE monitor_webhook_outbox SET status = ?, attempts = attempts + ?, last_error = ?, updated_at = ? WHERE id = ?",
    ),
    generation: database.prepare<[], { generation: number }>(GENERATION_SQL),
    bumpGeneration: database.prepare(
      "UPDATE monitor_generation SET generation = generation + 1 WHERE id = 1",
    ),
  };
  /** The generation the state in memory is at: another engine's write moves the stored one on. */
  let generation = -1;
  /** A read of the stored counter is a round trip on PostgreSQL (see the module comment). */
  const checksGeneration = postgresState(database) !== undefined;
  /** Inside a write transaction: makes memory the stored state, then claims the next generation. */
  const takeGeneration = () => {
    if (checksGeneration && generation >= 0) {
      failIfMovedOn(database, "(SELECT generation FROM monitor_generation WHERE id = 1) <> ?", [
        generation,
      ]);
      statements.bumpGeneration.run();
      generation += 1;
      return;
    }
    const stored = statements.generation.get()?.generation ?? 0;
    if (stored !== generation) for (const runtime of runtimes) load(runtime);
    statements.bumpGeneration.run();
    generation = stored + 1;
  };

  // Loads a rule's persisted condition state and firing flags into fresh runtimes.
  const load = (runtime: RuleRuntime) =>
    loadRows(
      runtime,
      statements.loadState.all(runtime.rule.id),
      statements.loadFiring.all(runtime.rule.id),
    );
  const loadRows = (
    runtime: RuleRuntime,
    stateRows: readonly StateRow[],
    firingRows: readonly FiringRow[],
  ) => {
    runtime.conditions = runtime.rule.conditions.map(createCondition);
    runtime.firing.clear();
    runtime.dirtyFiring.clear();
    const rowsByCondition = runtime.conditions.map((): [string, unknown][] => []);
    for (const row of stateRows) {
      rowsByCondition[row.condition_index]?.push([row.state_key, JSON.parse(row.state_json)]);
    }
    runtime.conditions.forEach((condition, index) => {
      condition.state.load(rowsByCondition[index] as [string, unknown][]);
    });
    for (const row of firingRows) {
      runtime.firing.set(subjectKey({ route: row.route, modelId: row.model_id }), {
        active: row.active === 1,
        lastFiredAt: row.last_fired_at,
        firedCount: row.fired_count,
      });
    }
  };

  const runtimes: RuleRuntime[] = enabled.map((rule) => ({
    rule,
    conditions: [],
    firing: new Map(),
    dirtyFiring: new Set(),
  }));
  database
    .transaction(() => {
      for (const runtime of runtimes) {
        const fingerprint = ruleFingerprint(runtime.rule);
        if (statements.fingerprint.get(runtime.rule.id)?.fingerprint !== fingerprint) {
          statements.clearState.run(runtime.rule.id);
          statements.clearFiring.run(runtime.rule.id);
          statements.saveFingerprint.run(runtime.rule.id, fingerprint, now().toISOString());
        }
      }
      takeGeneration();
    })
    .immediate();
  // The conditions were made by that first `takeGeneration`; a reload makes the same again.
  const readKinds = new Set(
    runtimes.flatMap((runtime) => runtime.conditions.flatMap((condition) => condition.reads)),
  );

  const fireActions = (runtime: RuleRuntime, alert: Alert, afterCommit: (() => void)[]) => {
    const subject = { route: alert.route, modelId: alert.modelId };
    for (const action of runtime.rule.actions) {
      if (action.type === "review") {
        const { item } = (options.reviewQueue as ReviewQueue).open({
          ruleId: runtime.rule.id,
          route: alert.route,
          modelId: alert.modelId,
          summary: alert.summary,
          evidence: { alertId: alert.id, firedAt: alert.firedAt, ...alert.evidence },
          proposedAction: proposedActionFor(action, subject),
          actor: `rule:${runtime.rule.id}`,
        });
        alert.reviewItemId = item.id;
      }
    }
    statements.insertAlert.run({
      id: alert.id,
      ruleId: alert.ruleId,
      route: alert.route,
      modelId: alert.modelId,
      firedAt: alert.firedAt,
      summary: alert.summary,
      evidence: JSON.stringify(alert.evidence),
      reviewItemId: alert.reviewItemId,
    });
    for (const action of runtime.rule.actions) {
      if (action.type === "webhook") {
        const at = now().toISOString();
        statements.queueWebhook.run(
          alert.id,
          action.url,
          JSON.stringify(action.headers ?? {}),
          JSON.stringify({
            alert,
            rule: { id: runtime.rule.id, description: runtime.rule.description ?? null },
          }),
          action.timeout_ms,
          action.max_retries,
          at,
          at,
        );
      } else if (action.type === "log") {
        afterCommit.push(() =>
          log({
            level: action.level,
            message: `alert ${runtime.rule.id} on ${alert.route} / ${alert.modelId}: ${alert.summary}`,
            alert,
          }),
        );
      }
    }
  };

  const step = (event: MonitorEvent, fired: Alert[], afterCommit: (() => void)[]) => {
    const eventMs = eventTimeMs(event.at);
    for (const runtime of runtimes) {
      const match = runtime.rule.match;
      if (match?.routes !== undefined && !match.routes.includes(event.route)) continue;
      // By key, the subject as a condition gave it: its strings are the event's own.
      const touched = new Map<string, AlertSubject>();
      const touch = (subject: AlertSubject) => touched.set(subjectKey(subject), subject);
      for (const condition of runtime.conditions) condition.update(event, touch, eventMs);
      for (const [key, subject] of touched) {
        if (match?.models !== undefined && !match.models.includes(subject.modelId)) continue;
        const evaluations = runtime.conditions.map((condition) => condition.evaluate(subject));
        const holds = evaluations.every((evaluation) => evaluation.holds);
        const firing = runtime.firing.get(key) ?? {
          active: false,
          lastFiredAt: null,
          firedCount: 0,
        };
        if (!holds) {
          if (firing.active) {
            runtime.firing.set(key, Object.assign({}, firing, { active: false }));
            runtime.dirtyFiring.add(key);
          }
          continue;
        }
        if (firing.active) continue;
        const cooling =
          firing.lastFiredAt !== null &&
          eventMs - eventTimeMs(firing.lastFiredAt) < runtime.rule.cooldown_seconds * 1000;
        if (cooling) continue;
        const alert: Alert = {
          id: newMonitorId("alt", now()),
          ruleId: runtime.rule.id,
          route: subject.route,
          modelId: subject.modelId,
          firedAt: event.at,
          summary: evaluations.map((evaluation) => evaluation.summary).join("; "),
          evidence: {
            conditions: evaluations.map((evaluation, index) => ({
              type: runtime.conditions[index]?.type as string,
              summary: evaluation.summary,
              ...evaluation.evidence,
            })),
          },
          reviewItemId: null,
        };
        fireActions(runtime, alert, afterCommit);
        runtime.firing.set(key, {
          active: true,
          lastFiredAt: event.at,
          firedCount: firing.firedCount + 1,
        });
        runtime.dirtyFiring.add(key);
        fired.push(alert);
      }
    }
  };

  const persist = () => {
    for (const runtime of runtimes) {
      runtime.conditions.forEach((condition, index) => {
        for (const [key, value] of condition.state.takeDirty()) {
          if (value === undefined) statements.deleteState.run(runtime.rule.id, index, key);
          else statements.saveState.run(runtime.rule.id, index, key, JSON.stringify(value));
        }
      });
      for (const key of runtime.dirtyFiring) {
        const firing = runtime.firing.get(key) as FiringState;
        const subject = subjectFromKey(key);
        statements.saveFiring.run(
          runtime.rule.id,
          subject.route,
          subject.modelId,
          firing.active ? 1 : 0,
          firing.lastFiredAt,
          firing.firedCount,
        );
      }
      runtime.dirtyFiring.clear();
    }
  };

  // Inside the write transaction: the generation, the events, and the state they changed.
  const fold = (events: readonly MonitorEvent[], fired: Alert[], afterCommit: (() => void)[]) => {
    takeGeneration();
    for (const event of events) step(event, fired, afterCommit);
    persist();
  };
  const foldInTransaction = database.transaction(fold);
  /**
   * Runs a fold's transaction: without an fsync of its own when every event is a request's
   * (ADR 0095). Those come from the request log, itself committed so: a power cut that loses
   * the fold loses the requests it read too. Feedback and decisions are stored with an fsync,
   * and so is a fold of them.
   */
  const atSyncFor = <T>(events: readonly MonitorEvent[], run: () => T): T =>
    events.every((event) => event.kind === "request") ? withoutSync(database, run) : run();

  // The transaction rolled back: drops what memory folded in since and rereads the stored state.
  const reload = () => {
    for (const runtime of runtimes) load(runtime);
    generation = -1;
  };

  const told = (fired: Alert[], afterCommit: (() => void)[]): Alert[] => {
    for (const task of afterCommit) task();
    if (options.onAlert !== undefined) for (const alert of fired) options.onAlert(alert);
    return fired;
  };

  const processEvents = (events: readonly MonitorEvent[]): Alert[] => {
    let fired: Alert[] = [];
    let afterCommit: (() => void)[] = [];
    const foldStored = () => {
      fired = [];
      afterCommit = [];
      atSyncFor(events, () => foldInTransaction.immediate(events, fired, afterCommit));
    };
    try {
      try {
        foldStored();
      } catch (error) {
        if (!isStateMovedOn(error)) throw error;
        // Another engine folded since this one last did: again, on the stored state.
        generation = -1;
        foldStored();
      }
    } catch (error) {
      reload();
      throw error;
    }
    return told(fired, afterCommit);
  };

  /**
   * On PostgreSQL, before a fold whose commit is awaited: when the stored generation is not the
   * one memory is at (another server's engine folded since, or memory was dropped), reads the
   * stored state, awaited, and makes memory that state at that generation. The generation is
   * read first: a fold stored between the two reads moves it past the one kept, so the fold's
   * check fails and it reads again, never folds on a mix. Rows that come back after memory was
   * loaded meanwhile (a blocking fold: `flush()`, a reload of the rules) are dropped.
   */
  const readStoredAhead = async () => {
    const at = generation;
    const [row] = await readLater(database, GENERATION_SQL, []);
    const stored = Number(row?.generation ?? 0);
    if (stored === generation) return;
    const rows = await Promise.all(
      runtimes.map((runtime) =>
        Promise.all([
          readLater(database, LOAD_STATE_SQL, [runtime.rule.id]) as Promise<unknown[]>,
          readLater(database, LOAD_FIRING_SQL, [runtime.rule.id]) as Promise<unknown[]>,
        ]),
      ),
    );
    if (generation !== at) return;
    runtimes.forEach((runtime, index) => {
      const [stateRows, firingRows] = rows[index] as [StateRow[], FiringRow[]];
      loadRows(runtime, stateRows, firingRows);
    });
    generation = stored;
  };

  const processEventsLater = async (events: readonly MonitorEvent[]): Promise<Alert[]> => {
    for (let attempt = 1; ; attempt++) {
      if (checksGeneration) {
        try {
          await readStoredAhead();
        } catch (error) {
          generation = -1;
          throw error;
        }
      }
      const fired: Alert[] = [];
      const afterCommit: (() => void)[] = [];
      try {
        // A read inside the fold (a review action's) reports the generation's failed check
        // before the commit would; the commit reports it otherwise.
        const stored = atSyncFor(events, () =>
          transactionLater(database, () => fold(events, fired, afterCommit)),
        );
        await stored.committed;
      } catch (error) {
        // Memory went on from a fold that is not stored: it is dropped, and read again before
        // the next fold (here, awaited; or under the lock by a blocking one), not now, which
        // would block the server for the reads.
        generation = -1;
        if (!isStateMovedOn(error)) throw error;
        // Another engine folded between the read-ahead and the check: this one's events fold
        // again on the stored state, read ahead again; after a few such in a row, under the
        // lock, blocking, as `processBatch` does.
        if (attempt >= STALE_FOLDS_BEFORE_BLOCKING) return processEvents(events);
        continue;
      }
      return told(fired, afterCommit);
    }
  };
  /** The last batch given to `processBatchLater`: the next starts when it has settled. */
  let laterTurn: Promise<unknown> = Promise.resolve();

  const inFlight = new Set<number>();

  return {
    rules: enabled,
    reads: (kind) => readKinds.has(kind),
    process: (event) => processEvents([event]),
    processBatch: (events) => processEvents(events),
    processBatchLater(events) {
      const folded = laterTurn.then(() => processEventsLater(events));
      laterTurn = folded.catch(() => {});
      return folded;
    },
    async deliverWebhooks(deliveryOptions = {}) {
      const maxDelayMs = deliveryOptions.retry?.maxDelayMs ?? 60_000;
      // Claims what it will send, so another server's engine on the file leaves it alone
      // until the claim runs out: longer than every attempt and wait can take, so only a
      // process that died mid-delivery leaves a row for another (or its restart) to resend.
      const rows = database
        .transaction(() => {
          const nowMs = now().getTime();
          const claimable = statements.pendingWebhooks
            .all(new Date(nowMs).toISOString())
            .filter((row) => !inFlight.has(row.id));
          for (const row of claimable) {
            const leaseMs =
              (row.timeout_ms + maxDelayMs) * (row.max_retries + 1) + WEBHOOK_CLAIM_MARGIN_MS;
            statements.claimWebhook.run(new Date(nowMs + leaseMs).toISOString(), row.id);
          }
          return claimable;
        })
        .immediate();
      const report: WebhookDeliveryReport = { delivered: 0, failed: [] };
      const finished = new Set<number>();
      const deliver = async (row: (typeof rows)[number]) => {
        inFlight.add(row.id);
        try {
          const outcome = await fetchWithRetry(
            row.url,
            {
              method: "POST",
              headers: { "content-type": "application/json", ...JSON.parse(row.headers_json) },
              body: row.payload_json,
            },
            // biome-ignore lint/plugin/no-spread-then-field: once per engine
            {
              ...(options.fetch !== undefined && { fetch: options.fetch }),
              ...(options.random !== undefined && { random: options.random }),
              ...(deliveryOptions.signal !== undefined && { signal: deliveryOptions.signal }),
              timeoutMs: row.timeout_ms,
              retry: {
                maxRetries: row.max_retries,
                baseDelayMs: deliveryOptions.retry?.baseDelayMs ?? 1000,
                maxDelayMs,
              },
            },
          );
          const ok = outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300;
          const error =
            outcome.kind === "response"
              ? ok
                ? null
                : `HTTP ${outcome.status}: ${outcome.text.slice(0, 200)}`
              : outcome.kind === "timeout"
                ? `timeout after ${outcome.timeoutMs} ms`
                : outcome.reason;
          statements.finishWebhook.run(
            ok ? "delivered" : "failed",
            outcome.attempts,
            error,
            now().toISOString(),
            row.id,
          );
          finished.add(row.id);
          if (ok) report.delivered += 1;
          else {
            report.failed.push({
              alertId: row.alert_id,
              url: row.url,
              attempts: outcome.attempts,
              error: error as string,
            });
          }
        } finally {
          inFlight.delete(row.id);
        }
      };
      // A few at a time, so one slow receiver does not hold up the others.
      const queue = [...rows];
      const workers = Array.from({ length: Math.min(4, queue.length) }, async () => {
        for (let row = queue.shift(); row !== undefined; row = queue.shift()) await deliver(row);
      });
      const settled = await Promise.allSettled(workers);
      // A delivery cut short (aborted, or a failed write) leaves its row pending: its claim is
      // given up, so the next delivery (a rules reload's, or a restart's) sends it at once.
      const unfinished = rows.filter((row) => !finished.has(row.id));
      if (unfinished.length > 0 && database.open) {
        for (const row of unfinished) statements.releaseWebhook.run(row.id);
      }
      const failure = settled.find((result) => result.status === "rejected");
      if (failure !== undefined) throw failure.reason;
      return report;
    },
    listAlerts: (filter = {}) => alerts.now(filter),
    listAlertsLater: (filter = {}) => alerts.later(filter),
  };
}
