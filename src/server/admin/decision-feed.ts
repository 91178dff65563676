/**
 * @module
 * Feeds selection decisions (`modelscout select`, or the library) to the server's alert
 * engine. Selections usually run in another process than the server, so the server does not
 * wait for a call: it reads finished decisions from the shared state database and remembers
 * which ones it has folded in (component `monitor-feed`), in the same transaction as the
 * engine's writes, so a restart neither skips a decision nor folds one in twice, and neither
 * does a second server on the same file.
 *
 * Each read takes the newest `batch` finished decisions not yet fed and folds them in oldest
 * first (a route's winning streak depends on order). A decision still `running` is left for
 * a later read.
 */
import type { Alert, AlertEngine } from "../../monitor/alert-engine.js";
import { type DecisionEvent, decisionEvent } from "../../monitor/monitor-event.js";
import type { SelectionDecision } from "../../select/decision.js";
import { DecisionStore } from "../../select/decision-store.js";
import {
  type ComponentMigration,
  migrateComponent,
  postgresState,
  type StateDatabase,
} from "../../state/state-database.js";

const MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    description: "selection decisions already folded into the alert engine",
    sql: `
      CREATE TABLE monitor_fed_decisions (
        decision_id TEXT PRIMARY KEY,
        fed_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * The newest decisions (as `DecisionStore.list` orders them) that are finished and not fed
 * yet: one read, whatever number of decisions were fed before.
 */
const WAITING_SQL = `SELECT d.id FROM (
    SELECT id, status, created_at FROM decisions ORDER BY created_at DESC, id DESC LIMIT ?
  ) AS d
  WHERE d.status <> 'running'
    AND NOT EXISTS (SELECT 1 FROM monitor_fed_decisions AS f WHERE f.decision_id = d.id)`;

export interface FedDecision {
  decision: SelectionDecision;
  event: DecisionEvent;
}

export interface DecisionFeed {
  /** Folds in the finished decisions not seen yet; returns them and the alerts they fired. */
  poll(): { fed: FedDecision[]; alerts: Alert[] };
  /**
   * `poll`, but asks first, without blocking (on PostgreSQL an awaited read, ADR 0071), whether
   * any decision waits: a server's poll every 2 s then holds no request while none does.
   */
  pollAhead(): Promise<{ fed: FedDecision[]; alerts: Alert[] }>;
}

export function createDecisionFeed(options: {
  database: StateDatabase;
  engine: AlertEngine;
  /** Decisions read per poll. Default 200. */
  batch?: number;
  now?: () => Date;
}): DecisionFeed {
  const { database, engine } = options;
  migrateComponent(database, "monitor-feed", MIGRATIONS);
  const decisions = DecisionStore.open({ database });
  const now = options.now ?? (() => new Date());
  const batch = options.batch ?? 200;
  const isFed = database.prepare<[string], { decision_id: string }>(
    "SELECT decision_id FROM monitor_fed_decisions WHERE decision_id = ?",
  );
  const waitingStatement = database.prepare<[number], { id: string }>(WAITING_SQL);
  const postgres = postgresState(database);
  const markFed = database.prepare(
    "INSERT INTO monitor_fed_decisions (decision_id, fed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
  );

  // Folds in `waiting` (read outside the write lock), but for those fed meanwhile.
  const feed = (waiting: readonly { id: string }[]) => {
    if (waiting.length === 0) return { fed: [], alerts: [] };
    const fed = waiting
      .map(({ id }) => decisions.get(id))
      .filter((decision): decision is SelectionDecision => decision !== null)
      .map((decision) => ({ decision, event: decisionEvent(decision) }))
      .sort((a, b) =>
        a.event.at === b.event.at
          ? a.decision.id.localeCompare(b.decision.id)
          : a.event.at.localeCompare(b.event.at),
      );
    const at = now().toISOString();
    // One transaction: the engine's writes (a nested savepoint) and the fed marks together.
    // Under the write lock, the decisions another server on the file fed meanwhile are left
    // out (ADR 0060).
    return database
      .transaction(() => {
        const unfed = fed.filter((entry) => isFed.get(entry.decision.id) === undefined);
        if (unfed.length === 0) return { fed: unfed, alerts: [] };
        const alerts = engine.processBatch(unfed.map((entry) => entry.event));
        for (const entry of unfed) markFed.run(entry.decision.id, at);
        return { fed: unfed, alerts };
      })
      .immediate();
  };

  const poll = () => feed(waitingStatement.all(batch));

  return {
    poll,
    async pollAhead() {
      if (postgres === undefined) return poll();
      return feed((await postgres.readRows(WAITING_SQL, [batch])) as { id: string }[]);
    },
  };
}
