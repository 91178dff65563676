/**
 * @module
 * The `learning` component of the state database: the outcome log (append-only; a reward that
 * a later feedback for the same request replaces is flagged `superseded`, never deleted), the
 * posterior aggregates kept beside it, the routes' candidate lists (so a restarted learner
 * knows each route's first candidate, the default baseline), current demotions and the
 * decision records, and in `learning_meta` the half-life the aggregates were decayed with and
 * which routes the config in service has the learner choose on (`RoutesInService`, ADR 0083). Every `record` is one `BEGIN IMMEDIATE` transaction holding the outcome
 * row, the aggregates it changes and any demotion it causes; with `synchronous = FULL` (set by
 * `openStateDatabase`) a returned `commitRecord` has reached the disk, so the server may
 * acknowledge the feedback.
 *
 * The aggregates are a cache of the log: `rebuildAggregates` recomputes them from the live
 * outcome rows (used when the decay half-life changes, and by tests to prove that the two
 * agree after a crash).
 */

import { toStoreError } from "../../catalog/sqlite/sqlite-store.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { unescapeNul } from "../../state/nul-escape.js";
import type { PostgresStateDatabase } from "../../state/postgres-state-database.js";
import {
  type ComponentMigration,
  failIfMovedOn,
  getLater,
  isStateMovedOn,
  migrateComponent,
  postgresState,
  readBothWays,
  type StateDatabase,
  StateMovedOn,
  transactionLater,
} from "../../state/state-database.js";
import { addReward, type DecayedBeta, EMPTY_DECAYED_BETA } from "./decayed-beta.js";
import type { LearningDecision } from "./learning-decision.js";
import { RoutesInService } from "./routes-in-service.js";

const MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    description: "routing outcomes, posterior aggregates, demotions and learner decisions",
    sql: `
      CREATE TABLE learning_outcomes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        route TEXT NOT NULL,
        model_id TEXT NOT NULL,
        domain TEXT,
        reward REAL,
        latency_ms REAL,
        at TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        recorded_at TEXT NOT NULL,
        superseded INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX learning_outcomes_request ON learning_outcomes (request_id);
      CREATE TABLE learning_posteriors (
        route TEXT NOT NULL,
        model_id TEXT NOT NULL,
        domain_key TEXT NOT NULL,
        successes REAL NOT NULL,
        failures REAL NOT NULL,
        observations INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        observations_at_reinstatement INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (route, domain_key, model_id)
      );
      CREATE TABLE learning_routes (
        route TEXT PRIMARY KEY,
        candidates TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE learning_decisions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('demote', 'reinstate')),
        route TEXT NOT NULL,
        domain_key TEXT NOT NULL,
        model_id TEXT NOT NULL,
        at TEXT NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX learning_decisions_route ON learning_decisions (route);
      CREATE TABLE learning_demotions (
        route TEXT NOT NULL,
        domain_key TEXT NOT NULL,
        model_id TEXT NOT NULL,
        decision_id TEXT NOT NULL REFERENCES learning_decisions (id),
        PRIMARY KEY (route, domain_key, model_id)
      );
      CREATE TABLE learning_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    description:
      "what each outcome's request cost, its decayed mean per model, each route's answer value",
    sql: `
      ALTER TABLE learning_outcomes ADD COLUMN cost_usd REAL;
      ALTER TABLE learning_posteriors ADD COLUMN cost_mass REAL NOT NULL DEFAULT 0;
      ALTER TABLE learning_posteriors ADD COLUMN cost_weight REAL NOT NULL DEFAULT 0;
      ALTER TABLE learning_routes ADD COLUMN answer_value_usd REAL;
    `,
  },
];

/** The route-wide aggregate's domain key; domains themselves are non-empty strings. */
export const ROUTE_WIDE = "";

export interface AggregateRow {
  route: string;
  modelId: string;
  domainKey: string;
  aggregate: DecayedBeta;
  observationsAtReinstatement: number;
}

export interface OutcomeRow {
  seq: number;
  requestId: string;
  route: string;
  modelId: string;
  domain: string | null;
  reward: number | null;
  latencyMs: number | null;
  /** What the request cost (ADR 0050), when known. */
  costUsd: number | null;
  at: string;
  atMs: number;
  recordedAt: string;
  superseded: boolean;
}

/** A route's candidates, as last chosen among, and the answer value it was chosen with. */
export interface RouteRow {
  candidates: string[];
  answerValueUsd: number | null;
}

export interface DemotionRow {
  route: string;
  domainKey: string;
  modelId: string;
  decisionId: string;
}

export interface RecordPlan {
  outcome: Omit<OutcomeRow, "seq" | "superseded">;
  /** The live reward row this outcome replaces, if any. */
  supersedesSeq: number | null;
  aggregates: AggregateRow[];
  demotions: LearningDecision[];
}

const WHAT = "state database (learning)";

interface RawOutcome {
  seq: number;
  request_id: string;
  route: string;
  model_id: string;
  domain: string | null;
  reward: number | null;
  latency_ms: number | null;
  cost_usd: number | null;
  at: string;
  at_ms: number;
  recorded_at: string;
  superseded: number;
}

interface RawAggregate {
  route: string;
  model_id: string;
  domain_key: string;
  successes: number;
  failures: number;
  observations: number;
  updated_at_ms: number;
  observations_at_reinstatement: number;
  cost_mass: number;
  cost_weight: number;
}

function aggregateFromRow(row: RawAggregate): AggregateRow {
  return {
    route: row.route,
    modelId: row.model_id,
    domainKey: row.domain_key,
    aggregate: {
      successes: row.successes,
      failures: row.failures,
      observations: row.observations,
      updatedAtMs: row.updated_at_ms,
      costMass: row.cost_mass,
      costWeight: row.cost_weight,
    },
    observationsAtReinstatement: row.observations_at_reinstatement,
  };
}

/** How far a learner has read the shared outcome log and decision records (ADR 0060). */
export interface SharedPosition {
  /** The last outcome `seq` seen. */
  seq: number;
  /** The last `learning_decisions` rowid seen. */
  decision: number;
}

export interface SharedChanges {
  /** The (route, model) pairs whose stored aggregates to read again. */
  pairs: { route: string; modelId: string }[];
  /** Whether a decision was written (the demotions to read again). */
  decisions: boolean;
  next: SharedPosition;
}

function outcomeFromRow(row: RawOutcome): OutcomeRow {
  return {
    seq: row.seq,
    requestId: row.request_id,
    route: row.route,
    modelId: row.model_id,
    domain: row.domain,
    reward: row.reward,
    latencyMs: row.latency_ms,
    costUsd: row.cost_usd,
    at: row.at,
    atMs: row.at_ms,
    recordedAt: row.recorded_at,
    superseded: row.superseded === 1,
  };
}

/**
 * What `record` reads under the write lock, read ahead of it without blocking (PostgreSQL,
 * ADR 0070): what other servers wrote since the learner's position, and the request's live
 * reward, read after those changes (so anything written between the two reads is past
 * `changes.next`, and fails `writingAfter`).
 */
export interface ReadAhead {
  changes: SharedChanges;
  /** The stored aggregates of every pair in `changes.pairs`. */
  aggregates: AggregateRow[];
  /** The stored demotions, when a decision came; else null. */
  demotions: DemotionRow[] | null;
  /** The request's live reward row (`activeReward`). */
  previous: OutcomeRow | undefined;
}

const CHANGES_AFTER_SQL = `SELECT 'outcome' AS kind, route, model_id, max(seq) AS last FROM learning_outcomes
         WHERE seq > ? GROUP BY route, model_id
         UNION ALL
         SELECT 'decision' AS kind, route, model_id, rowid AS last FROM learning_decisions
         WHERE rowid > ?`;
const ACTIVE_REWARD_SQL =
  "SELECT * FROM learning_outcomes WHERE request_id = ? AND reward IS NOT NULL AND superseded = 0 ORDER BY seq DESC LIMIT 1";
const AGGREGATES_OF_SQL = "SELECT * FROM learning_posteriors WHERE route = ? AND model_id = ?";
const DEMOTIONS_SQL = "SELECT * FROM learning_demotions ORDER BY rowid";
const READ_META_SQL = "SELECT value FROM learning_meta WHERE key = ?";
/** `learning_meta`'s key for the routes config in service (`RoutesInService`). */
const ROUTES_IN_SERVICE_KEY = "routes_in_service";

/**
 * `readAhead`'s reads in one statement, on PostgreSQL only: the changes since a position
 * (`CHANGES_AFTER_SQL`), the aggregates of every pair they name, the demotions when a
 * decision came, and a request's live reward (`ACTIVE_REWARD_SQL`), one row of JSON. One
 * statement reads one snapshot, so the aggregates and the reward are as new as the changes;
 * and one round trip, where it took two, is a shorter window for another server's write to
 * make it stale (ADR 0071). (`CAST(... AS json)`: `::` would read as a named parameter.)
 */
const READ_AHEAD_SQL = `WITH changes AS (${CHANGES_AFTER_SQL})
  SELECT
    (SELECT coalesce(json_agg(c), CAST('[]' AS json)) FROM changes c) AS changes,
    (SELECT coalesce(json_agg(p), CAST('[]' AS json)) FROM learning_posteriors p
       WHERE (p.route, p.model_id) IN (SELECT route, model_id FROM changes)) AS aggregates,
    CASE WHEN EXISTS (SELECT 1 FROM changes WHERE kind = 'decision')
      THEN (SELECT coalesce(json_agg(d ORDER BY d.rowid), CAST('[]' AS json))
              FROM learning_demotions d)
    END AS demotions,
    (SELECT row_to_json(o) FROM (${ACTIVE_REWARD_SQL}) o) AS previous`;

/** The one row of `READ_AHEAD_SQL`, its JSON parsed by the driver. */
interface RawReadAhead {
  changes: unknown[];
  aggregates: unknown[];
  demotions: unknown[] | null;
  previous: unknown;
}

/** Rows read as JSON, their strings as written (`unescapeNul`: shapeRows does it for columns). */
function jsonRows<T>(rows: readonly unknown[]): T[] {
  return rows.map((row) => {
    const copy = { ...(row as Record<string, unknown>) };
    for (const key in copy) {
      const value = copy[key];
      if (typeof value === "string") copy[key] = unescapeNul(value);
    }
    return copy as T;
  });
}

interface RawDemotion {
  route: string;
  domain_key: string;
  model_id: string;
  decision_id: string;
}

function demotionFromRow(row: RawDemotion): DemotionRow {
  return {
    route: row.route,
    domainKey: row.domain_key,
    modelId: row.model_id,
    decisionId: row.decision_id,
  };
}

/** A row of `CHANGES_AFTER_SQL`. */
interface ChangeRow {
  kind: "outcome" | "decision";
  route: string;
  model_id: string;
  last: number;
}

/** `changesSince`'s answer, from the rows of `CHANGES_AFTER_SQL`. */
function changesFrom(rows: readonly ChangeRow[], since: SharedPosition): SharedChanges {
  const pairs = new Map<string, { route: string; modelId: string }>();
  let seq = since.seq;
  let decision = since.decision;
  for (const row of rows) {
    pairs.set(`${row.route}\u0000${row.model_id}`, { route: row.route, modelId: row.model_id });
    if (row.kind === "outcome") seq = Math.max(seq, row.last);
    else decision = Math.max(decision, row.last);
  }
  return {
    pairs: [...pairs.values()],
    decisions: decision !== since.decision,
    next: { seq, decision },
  };
}

const LOAD_ROUTES_SQL =
  "SELECT route, candidates, answer_value_usd FROM learning_routes ORDER BY rowid";

interface RawRoute {
  route: string;
  candidates: string;
  answer_value_usd: number | null;
}

function routesFromRows(rows: readonly RawRoute[]): Map<string, RouteRow> {
  return new Map(
    rows.map((row) => [
      row.route,
      {
        candidates: JSON.parse(row.candidates) as string[],
        answerValueUsd: row.answer_value_usd,
      },
    ]),
  );
}

export class LearningStore {
  private readonly statements;
  readonly #postgres: PostgresStateDatabase | undefined;

  constructor(readonly database: StateDatabase) {
    migrateComponent(database, "learning", MIGRATIONS);
    this.#postgres = postgresState(database);
    this.statements = {
      insertOutcome: database.prepare(
        `INSERT INTO learning_outcomes (request_id, route, model_id, domain, reward, latency_ms, cost_usd, at, at_ms, recorded_at)
         VALUES (@requestId, @route, @modelId, @domain, @reward, @latencyMs, @costUsd, @at, @atMs, @recordedAt)
         RETURNING seq`,
      ),
      supersede: database.prepare("UPDATE learning_outcomes SET superseded = 1 WHERE seq = ?"),
      activeReward: database.prepare(ACTIVE_REWARD_SQL),
      upsertAggregate: database.prepare(
        `INSERT INTO learning_posteriors (route, model_id, domain_key, successes, failures, observations, updated_at_ms, observations_at_reinstatement, cost_mass, cost_weight)
         VALUES (@route, @modelId, @domainKey, @successes, @failures, @observations, @updatedAtMs, @observationsAtReinstatement, @costMass, @costWeight)
         ON CONFLICT (route, domain_key, model_id) DO UPDATE SET successes = excluded.successes,
           failures = excluded.failures, observations = excluded.observations,
           updated_at_ms = excluded.updated_at_ms,
           observations_at_reinstatement = excluded.observations_at_reinstatement,
           cost_mass = excluded.cost_mass, cost_weight = excluded.cost_weight`,
      ),
      insertDecision: database.prepare(
        "INSERT INTO learning_decisions (id, kind, route, domain_key, model_id, at, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      insertDemotion: database.prepare(
        "INSERT INTO learning_demotions (route, domain_key, model_id, decision_id) VALUES (?, ?, ?, ?) ON CONFLICT (route, domain_key, model_id) DO UPDATE SET decision_id = excluded.decision_id",
      ),
      deleteDemotion: database.prepare(
        "DELETE FROM learning_demotions WHERE route = ? AND domain_key = ? AND model_id = ?",
      ),
      upsertRoute: database.prepare(
        "INSERT INTO learning_routes (route, candidates, answer_value_usd, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (route) DO UPDATE SET candidates = excluded.candidates, answer_value_usd = excluded.answer_value_usd, updated_at = excluded.updated_at",
      ),
      position: database.prepare(
        "SELECT (SELECT max(seq) FROM learning_outcomes) AS seq, (SELECT max(rowid) FROM learning_decisions) AS decision",
      ),
      // One statement for both: a read on PostgreSQL is a round trip (ADR 0069).
      changesAfter: database.prepare(CHANGES_AFTER_SQL),
      aggregatesOf: database.prepare(AGGREGATES_OF_SQL),
      readMeta: database.prepare(READ_META_SQL),
      writeMeta: database.prepare(
        "INSERT INTO learning_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ),
    };
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw this.storeError(error);
    }
  }

  /** A failed read or write as the store reports it (`toStoreError`). */
  private storeError(error: unknown): unknown {
    return error instanceof ModelScoutError ? error : toStoreError(error, this.database.name, WHAT);
  }

  loadAggregates(): AggregateRow[] {
    return this.guard(() =>
      (
        this.database
          .prepare("SELECT * FROM learning_posteriors ORDER BY rowid")
          .all() as RawAggregate[]
      ).map(aggregateFromRow),
    );
  }

  loadDemotions(): DemotionRow[] {
    return this.guard(() =>
      (this.database.prepare(DEMOTIONS_SQL).all() as RawDemotion[]).map(demotionFromRow),
    );
  }

  loadRoutes(): Map<string, RouteRow> {
    return this.guard(() =>
      routesFromRows(this.database.prepare(LOAD_ROUTES_SQL).all() as RawRoute[]),
    );
  }

  /** `loadRoutes`, awaited on PostgreSQL (ADR 0070); read at once on a file. */
  async loadRoutesAhead(): Promise<Map<string, RouteRow>> {
    if (this.#postgres === undefined) return this.loadRoutes();
    return routesFromRows(
      (await this.#postgres.readRows(LOAD_ROUTES_SQL, [])) as unknown as RawRoute[],
    );
  }

  saveRoute(route: string, row: RouteRow, now: string): void {
    this.guard(() =>
      this.statements.upsertRoute.run(
        route,
        JSON.stringify(row.candidates),
        row.answerValueUsd,
        now,
      ),
    );
  }

  /** The live (not superseded) reward outcome of a request, if one was recorded. */
  activeReward(requestId: string): OutcomeRow | undefined {
    return this.guard(() => {
      const row = this.statements.activeReward.get(requestId) as RawOutcome | undefined;
      return row ? outcomeFromRow(row) : undefined;
    });
  }

  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction: no other connection (another server on
   * the same state file, ADR 0060) writes between its reads and its writes. Nested calls run
   * as savepoints of the outer transaction.
   */
  writing<T>(work: () => T): T {
    return this.guard(() => this.database.transaction(work).immediate());
  }

  /**
   * Writes one outcome with everything it changes; durable when it returns (or when the
   * caller's transaction commits). Inside `writing` when the plan was made from reads that
   * must not go stale. Gives the outcome's `seq`, to be read once the transaction is done: on
   * PostgreSQL it comes back with the transaction's end, not a round trip of its own (ADR 0070).
   */
  commitRecord(plan: RecordPlan): () => number {
    const write = () => {
      if (plan.supersedesSeq !== null) this.statements.supersede.run(plan.supersedesSeq);
      const inserted = getLater(this.statements.insertOutcome, plan.outcome);
      for (const row of plan.aggregates) this.writeAggregate(row);
      for (const decision of plan.demotions) this.storeDemotion(decision);
      return () => (inserted() as { seq: number }).seq;
    };
    // In the caller's transaction (`record`'s), which fails as one if any of it does: no
    // savepoint, whose release would be one more wait on PostgreSQL (ADR 0069).
    return this.database.inTransaction ? this.guard(write) : this.writing(write);
  }

  /** The newest outcome's `seq` and decision's rowid (0 when none): where `changesSince` starts. */
  position(): SharedPosition {
    return this.guard(() => {
      const row = this.statements.position.get() as { seq: number | null; decision: number | null };
      return { seq: row.seq ?? 0, decision: row.decision ?? 0 };
    });
  }

  /**
   * What was written after `since` (by this connection or another): the (route, model) pairs
   * whose aggregates new outcomes or decisions may have changed, whether any decision came
   * (demotions to read again), and the position to ask from next.
   */
  changesSince(since: SharedPosition): SharedChanges {
    return this.guard(() =>
      changesFrom(
        this.statements.changesAfter.all(since.seq, since.decision) as ChangeRow[],
        since,
      ),
    );
  }

  /**
   * On PostgreSQL: what `record` of an outcome for `requestId` reads under the write lock
   * (without one, what `sync` reads: the changes alone),
   * read now on the connection for awaited reads, so the server's event loop does not block
   * on it (ADR 0070); `writingAfter(changes.next, ...)` then checks, under the lock, that
   * nothing was written since. Undefined on a file, where those reads cost no round trip.
   */
  async readAhead(since: SharedPosition, requestId?: string): Promise<ReadAhead | undefined> {
    const postgres = this.#postgres;
    if (postgres === undefined) return undefined;
    let row: RawReadAhead;
    try {
      [row] = (await postgres.readRows(READ_AHEAD_SQL, [
        since.seq,
        since.decision,
        requestId ?? null,
      ])) as unknown as [RawReadAhead];
    } catch (error) {
      throw this.storeError(error);
    }
    const changes = changesFrom(jsonRows<ChangeRow>(row.changes), since);
    const previous = jsonRows<RawOutcome>(row.previous === null ? [] : [row.previous])[0];
    return {
      changes,
      aggregates: jsonRows<RawAggregate>(row.aggregates).map(aggregateFromRow),
      demotions:
        row.demotions === null ? null : jsonRows<RawDemotion>(row.demotions).map(demotionFromRow),
      previous: previous === undefined ? undefined : outcomeFromRow(previous),
    };
  }

  /**
   * `writing`, after a read-ahead at `position`: under the write lock it first checks that
   * no outcome or decision was written after it, and throws `StateMovedOn` (rolled back)
   * if one was. On PostgreSQL the check is sent without waiting, its failure reported by the
   * transaction's end, so it costs no round trip.
   */
  writingAfter<T>(position: SharedPosition, work: () => T): T {
    try {
      return this.writing(() => {
        this.#failIfWrittenAfter(position);
        return work();
      });
    } catch (error) {
      throw isStateMovedOn(error) ? new StateMovedOn() : error;
    }
  }

  /**
   * `writingAfter`, with the transaction's end awaited rather than blocked on
   * (`transactionLater`, ADR 0071): `work` runs now, and `committed` settles when it is
   * stored, or rejects, rolled back: with `StateMovedOn` when something was written after
   * `position`, else with the store's error.
   */
  writingAfterLater<T>(
    position: SharedPosition,
    work: () => T,
  ): { result: T; committed: Promise<void> } {
    const failed = (error: unknown) =>
      isStateMovedOn(error) ? new StateMovedOn() : this.storeError(error);
    let later: { result: T; committed: Promise<void> };
    try {
      later = transactionLater(this.database, () => {
        this.#failIfWrittenAfter(position);
        return work();
      });
    } catch (error) {
      throw failed(error);
    }
    return {
      result: later.result,
      committed: later.committed.catch((error: unknown) => {
        throw failed(error);
      }),
    };
  }

  #failIfWrittenAfter(position: SharedPosition): void {
    failIfMovedOn(
      this.database,
      `EXISTS (SELECT 1 FROM learning_outcomes WHERE seq > ?)
         OR EXISTS (SELECT 1 FROM learning_decisions WHERE rowid > ?)`,
      [position.seq, position.decision],
    );
  }

  /** The stored aggregates of one (route, model), every domain. */
  aggregatesOf(route: string, modelId: string): AggregateRow[] {
    return this.guard(() =>
      (this.statements.aggregatesOf.all(route, modelId) as RawAggregate[]).map(aggregateFromRow),
    );
  }

  /** An operator's demotion: stores the decision and the demotion together. */
  commitDemotion(decision: LearningDecision): void {
    this.writing(() => this.storeDemotion(decision));
  }

  /** A demotion decision and the demotion it puts in force (inside the caller's transaction). */
  private storeDemotion(decision: LearningDecision): void {
    this.insertDecision(decision);
    this.statements.insertDemotion.run(
      decision.route,
      decision.domain ?? ROUTE_WIDE,
      decision.modelId,
      decision.id,
    );
  }

  /** Lifts a demotion: deletes it, stores the decision, and restarts the model's evidence count. */
  commitReinstatement(decision: LearningDecision, aggregate: AggregateRow | undefined): void {
    this.writing(() => {
      this.insertDecision(decision);
      this.statements.deleteDemotion.run(
        decision.route,
        decision.domain ?? ROUTE_WIDE,
        decision.modelId,
      );
      if (aggregate) this.writeAggregate(aggregate);
    });
  }

  private writeAggregate(row: AggregateRow): void {
    this.statements.upsertAggregate.run({
      route: row.route,
      modelId: row.modelId,
      domainKey: row.domainKey,
      successes: row.aggregate.successes,
      failures: row.aggregate.failures,
      observations: row.aggregate.observations,
      updatedAtMs: row.aggregate.updatedAtMs,
      observationsAtReinstatement: row.observationsAtReinstatement,
      costMass: row.aggregate.costMass,
      costWeight: row.aggregate.costWeight,
    });
  }

  private insertDecision(decision: LearningDecision): void {
    this.statements.insertDecision.run(
      decision.id,
      decision.kind,
      decision.route,
      decision.domain ?? ROUTE_WIDE,
      decision.modelId,
      decision.at,
      JSON.stringify(decision),
    );
  }

  decisions(filter: { route?: string; limit?: number } = {}): LearningDecision[] {
    return this.guard(() => readBothWays(this.database, decisionsQuery, parseDecision).now(filter));
  }

  /**
   * `decisions`, read without blocking on PostgreSQL (on the bridge's reads connection, for
   * the admin side, whose dashboard asks on every change while traffic flows); on SQLite at once.
   */
  async decisionsLater(
    filter: { route?: string; limit?: number } = {},
  ): Promise<LearningDecision[]> {
    try {
      return await readBothWays(this.database, decisionsQuery, parseDecision).later(filter);
    } catch (error) {
      throw this.storeError(error);
    }
  }

  decision(id: string): LearningDecision | undefined {
    return this.guard(() => {
      const row = this.database
        .prepare("SELECT record FROM learning_decisions WHERE id = ?")
        .get(id) as { record: string } | undefined;
      return row ? (JSON.parse(row.record) as LearningDecision) : undefined;
    });
  }

  /** Outcomes in the order they were recorded (all, or one request's). */
  outcomes(filter: { requestId?: string } = {}): OutcomeRow[] {
    return this.guard(() =>
      (
        (filter.requestId === undefined
          ? this.database.prepare("SELECT * FROM learning_outcomes ORDER BY seq").all()
          : this.database
              .prepare("SELECT * FROM learning_outcomes WHERE request_id = ? ORDER BY seq")
              .all(filter.requestId)) as RawOutcome[]
      ).map(outcomeFromRow),
    );
  }

  /** Whether `readAhead` reads anything: the state is on PostgreSQL, where reads can be awaited. */
  get readsAhead(): boolean {
    return this.#postgres !== undefined;
  }

  /** `readMeta`, awaited on PostgreSQL (ADR 0070); read at once on a file. */
  async readMetaAhead(key: string): Promise<string | undefined> {
    if (this.#postgres === undefined) return this.readMeta(key);
    const rows = await this.#postgres.readRows(READ_META_SQL, [key]);
    return (rows[0] as { value: string } | undefined)?.value;
  }

  readMeta(key: string): string | undefined {
    return this.guard(
      () => (this.statements.readMeta.get(key) as { value: string } | undefined)?.value,
    );
  }

  /**
   * Recomputes every aggregate from the live outcome log with `halfLifeMs` and, when `write`
   * is set, replaces the stored aggregates (keeping reinstatement counters) and the stored
   * half-life in one transaction. Returns the recomputed aggregates.
   */
  rebuildAggregates(halfLifeMs: number, write: boolean): AggregateRow[] {
    return this.guard(() => {
      const rebuild = () => {
        const rows = this.database
          .prepare(
            "SELECT * FROM learning_outcomes WHERE reward IS NOT NULL AND superseded = 0 ORDER BY seq",
          )
          .all() as RawOutcome[];
        const reinstated = new Map(
          this.loadAggregates().map((row) => [
            `${row.route}\u0000${row.domainKey}\u0000${row.modelId}`,
            row.observationsAtReinstatement,
          ]),
        );
        const rebuilt = new Map<string, AggregateRow>();
        for (const row of rows) {
          const keys = row.domain ? [ROUTE_WIDE, row.domain] : [ROUTE_WIDE];
          for (const domainKey of keys) {
            const key = `${row.route}\u0000${domainKey}\u0000${row.model_id}`;
            const current = rebuilt.get(key);
            rebuilt.set(key, {
              route: row.route,
              modelId: row.model_id,
              domainKey,
              aggregate: addReward(
                current?.aggregate ?? EMPTY_DECAYED_BETA,
                row.reward as number,
                row.at_ms,
                halfLifeMs,
                1,
                row.cost_usd,
              ),
              observationsAtReinstatement: reinstated.get(key) ?? 0,
            });
          }
        }
        if (write) {
          this.database.prepare("DELETE FROM learning_posteriors").run();
          for (const row of rebuilt.values()) this.writeAggregate(row);
          this.statements.writeMeta.run("half_life_ms", String(halfLifeMs));
        }
        return [...rebuilt.values()];
      };
      return write ? this.database.transaction(rebuild).immediate() : rebuild();
    });
  }

  writeMeta(key: string, value: string): void {
    this.guard(() => this.statements.writeMeta.run(key, value));
  }

  /**
   * The routes config in service as a server on this state last recorded it (at its start or
   * an applied reload); undefined when none has (state written before ADR 0083, or by a
   * learner alone). Servers sharing the state record in turn: the last one's is read.
   */
  readRoutesInService(): RoutesInService | undefined {
    const text = this.readMeta(ROUTES_IN_SERVICE_KEY);
    return text === undefined ? undefined : RoutesInService.parse(text);
  }

  writeRoutesInService(routes: RoutesInService, recordedAt: Date): void {
    this.writeMeta(ROUTES_IN_SERVICE_KEY, routes.toJson(recordedAt));
  }
}

/**
 * Each model's quality from feedback, over every route it served: the route-wide posterior
 * means weighted by their (decayed) evidence. Selection folds this into its priors.
 */
export function feedbackByModel(
  store: LearningStore,
): Map<string, { mean: number; observations: number }> {
  const totals = new Map<string, { successes: number; failures: number }>();
  for (const row of store.loadAggregates()) {
    if (row.domainKey !== ROUTE_WIDE) continue;
    const total = totals.get(row.modelId) ?? { successes: 0, failures: 0 };
    total.successes += row.aggregate.successes;
    total.failures += row.aggregate.failures;
    totals.set(row.modelId, total);
  }
  return new Map(
    [...totals].map(([modelId, { successes, failures }]) => [
      modelId,
      {
        mean: (successes + 1) / (successes + failures + 2),
        observations: successes + failures,
      },
    ]),
  );
}

/** The statement and values of `decisions(filter)`: most recently written first. */
function decisionsQuery(filter: { route?: string; limit?: number }): [string, unknown[]] {
  const limit = filter.limit ?? Number.MAX_SAFE_INTEGER;
  return filter.route === undefined
    ? ["SELECT record FROM learning_decisions ORDER BY rowid DESC LIMIT ?", [limit]]
    : [
        "SELECT record FROM learning_decisions WHERE route = ? ORDER BY rowid DESC LIMIT ?",
        [filter.route, limit],
      ];
}

function parseDecision(row: { record: string }): LearningDecision {
  return JSON.parse(row.record) as LearningDecision;
}
