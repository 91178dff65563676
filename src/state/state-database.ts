/**
 * @module
 * The operational state database: what ModelScout decided and learned (selection decisions,
 * routing state and feedback, alerts and the review queue). It is a separate SQLite file
 * from the catalog on purpose: the catalog is a cache that can be deleted and rebuilt from
 * the Hub and the snapshot; this file is the record of decisions and must never be.
 *
 * Each concern (`decisions`, `routing`, `monitoring`...) owns its tables and registers its
 * own versioned migrations under a component name; versions are kept per component in
 * `schema_versions`, so concerns evolve independently. Every migration runs in one
 * `BEGIN IMMEDIATE` transaction with its version bump: processes starting together apply
 * it once, and a process killed mid-migration leaves the previous version intact.
 *
 * Durability: WAL with `synchronous = FULL`, so a committed write (a feedback record the
 * server then acknowledges) survives a power cut, not only a process crash.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { shownUrl } from "../catalog/postgres/postgres-url.js";
import { toStoreError } from "../catalog/sqlite/sqlite-store.js";
import { useWalJournal } from "../catalog/sqlite/wal-journal.js";
import { ensureModelscoutHome, modelscoutHome } from "../config/modelscout-home.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { PostgresStateDatabase, PostgresStatement } from "./postgres-state-database.js";

/**
 * The part of better-sqlite3's connection the stores use. A SQLite connection is one; so is
 * `PostgresStateDatabase` (ADR 0068), which offers the same calls over PostgreSQL.
 */
export type StateDatabase = Pick<
  Database.Database,
  | "prepare"
  | "exec"
  | "transaction"
  | "pragma"
  | "inTransaction"
  | "name"
  | "open"
  | "close"
  | "memory"
  | "readonly"
>;

export const STATE_URL_ENV = "MODELSCOUT_STATE_URL";
export const STATE_SCHEMA_ENV = "MODELSCOUT_STATE_SCHEMA";

/** True for a `postgres://` or `postgresql://` URL (a state database on PostgreSQL). */
export function isPostgresUrl(value: string | undefined): value is string {
  return value !== undefined && /^postgres(ql)?:\/\//.test(value.trim());
}

/** The PostgreSQL state database, when `database` is one; else undefined (SQLite). */
export function postgresState(database: StateDatabase): PostgresStateDatabase | undefined {
  return database instanceof PostgresStateDatabase ? database : undefined;
}

/**
 * The rows of a read the caller awaits rather than blocks on: on PostgreSQL on the bridge's
 * reads connection, seeing what is committed (ADR 0070); on SQLite at once. For the admin
 * side's pages, which would otherwise hold every request for a round trip each.
 */
export async function readLater(
  database: StateDatabase,
  sql: string,
  values: readonly unknown[],
): Promise<Record<string, unknown>[]> {
  const postgres = postgresState(database);
  if (postgres !== undefined) return postgres.readRows(sql, values);
  return database.prepare(sql).all(...values) as Record<string, unknown>[];
}

/**
 * A read in both its forms, from one statement builder and one row mapping, so the two cannot
 * drift: `now` blocks (the CLI, code inside a transaction), `later` is awaited (`readLater`).
 */
export function readBothWays<Filter, Row, Value>(
  database: StateDatabase,
  query: (filter: Filter) => readonly [string, readonly unknown[]],
  map: (row: Row) => Value,
): { now(filter: Filter): Value[]; later(filter: Filter): Promise<Value[]> } {
  return {
    now(filter) {
      const [sql, values] = query(filter);
      return (database.prepare(sql).all(...values) as Row[]).map(map);
    },
    async later(filter) {
      const [sql, values] = query(filter);
      return ((await readLater(database, sql, values)) as unknown as Row[]).map(map);
    },
  };
}

/**
 * A row needed only after the open transaction ends (a write's `RETURNING`): read now on
 * SQLite; on PostgreSQL, inside a transaction, sent without waiting and brought back by its
 * end (ADR 0070), so it costs no round trip of its own. Reading it before the end waits.
 */
export function getLater(statement: Database.Statement, ...parameters: unknown[]): () => unknown {
  if ((statement as unknown) instanceof PostgresStatement) {
    return (statement as unknown as PostgresStatement).getLater(...parameters);
  }
  const row = statement.get(...parameters);
  return () => row;
}

/**
 * A write transaction (`BEGIN IMMEDIATE`) whose end the caller awaits: `work` runs now, and
 * `committed` settles when the transaction is stored, or rejects (rolled back). On SQLite the
 * commit is made now and `committed` is already settled; on PostgreSQL it is sent after the
 * transaction's statements and answered on the event loop, so the round trips the worker makes
 * for them hold no request (ADR 0071). Until `committed` settles, the caller must not treat
 * the writes as stored (no acknowledgement, no alert told). `work` throwing rolls back and
 * throws here, as `transaction` does.
 */
export function transactionLater<T>(
  database: StateDatabase,
  work: () => T,
): { result: T; committed: Promise<void> } {
  const postgres = postgresState(database);
  if (postgres !== undefined) return postgres.transactionLater(work);
  return { result: database.transaction(work).immediate(), committed: Promise.resolve() };
}

/**
 * Runs `run`, whose transactions commit with `synchronous = NORMAL` on SQLite: in WAL mode, no
 * fsync of their own. A process killed after such a commit loses nothing; a power cut loses
 * it unless a later commit with `synchronous = FULL` on any connection to the file (a
 * feedback's), or a checkpoint (`background-checkpoints.ts`, every second), synced the WAL
 * first: the WAL is one file, and syncing it keeps every frame written before. For writes
 * whose source is no more durable (the request log, ADR 0095). The connection is back at
 * `synchronous = FULL` when `run` returns or throws. Inside a transaction (where SQLite refuses
 * to change the level, and the outer commit decides) and on PostgreSQL, `run` as it is.
 */
export function withoutSync<T>(database: StateDatabase, run: () => T): T {
  if (database.inTransaction || postgresState(database) !== undefined) return run();
  // Per connection: Node runs one statement at a time on it, so no other write (a feedback's)
  // can fall in between.
  database.pragma("synchronous = NORMAL");
  try {
    return run();
  } finally {
    database.pragma("synchronous = FULL");
  }
}

/**
 * Thrown by `failIfMovedOn`: the state changed since the caller read it ahead of its write
 * transaction, which was rolled back; the caller reads again under the lock.
 */
export class StateMovedOn extends Error {
  constructor() {
    super("The state was written after it was read ahead of the write transaction.");
    this.name = "StateMovedOn";
  }
}

/**
 * The mark of `failIfMovedOn`'s check failing on PostgreSQL: a plain statement cannot raise an
 * error of its own, so the check casts this text to an integer, which fails the transaction,
 * and its end reports the failure with the text in its message.
 */
const MOVED_ON_MARK = "modelscout: read ahead went stale";

/**
 * Inside a write transaction: fails it with `StateMovedOn` when `movedOn` (a SQL condition,
 * true when something was written since the caller's read-ahead) holds. On SQLite it is read
 * now and thrown here; on PostgreSQL the check is sent without waiting (ADR 0069), so it costs
 * no round trip, and the transaction's end throws. Give the transaction's error to
 * `isStateMovedOn` to tell the two apart from other failures (ADR 0070).
 */
export function failIfMovedOn(
  database: StateDatabase,
  movedOn: string,
  parameters: readonly unknown[],
): void {
  if (postgresState(database) === undefined) {
    const row = database
      .prepare(`SELECT CASE WHEN ${movedOn} THEN 1 ELSE 0 END AS moved`)
      .get(...parameters) as { moved: number };
    if (row.moved === 1) throw new StateMovedOn();
    return;
  }
  database
    .prepare(`SELECT CAST(CASE WHEN ${movedOn} THEN '${MOVED_ON_MARK}' ELSE '0' END AS INTEGER)`)
    .run(...parameters);
}

/** Whether a failed transaction failed `failIfMovedOn`'s check. */
export function isStateMovedOn(error: unknown): boolean {
  return (
    error instanceof StateMovedOn ||
    ((error as { code?: unknown } | null)?.code === "22P02" &&
      String(error).includes(MOVED_ON_MARK))
  );
}

export interface ComponentMigration {
  version: number;
  description: string;
  /** In the dialect both databases run (PostgreSQL's is rewritten from it). */
  sql: string;
  /** Run after `sql` on SQLite only: what the shared dialect cannot say (a row trigger). */
  sqlite?: string;
  /** Run after `sql` on PostgreSQL only, as written (not rewritten): a statement trigger. */
  postgres?: string;
}

export interface OpenStateDatabaseOptions {
  /**
   * File path, `:memory:`, or a `postgres://` URL (ADR 0068). Default (absent or undefined):
   * the URL in MODELSCOUT_STATE_URL when set, else `state.db` under MODELSCOUT_HOME.
   */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
  busyTimeoutMs?: number;
  /**
   * Refuse a file that does not exist rather than create an empty one: for commands that
   * read what a server wrote, where a mistyped path would otherwise read as "nothing logged".
   */
  mustExist?: boolean;
}

const WHAT = "state database";

export function stateDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(modelscoutHome(env), "state.db");
}

export function openStateDatabase(options: OpenStateDatabaseOptions = {}): StateDatabase {
  const env = options.env ?? process.env;
  let path = options.path;
  const envUrl = env[STATE_URL_ENV]?.trim();
  if (path === undefined && envUrl !== undefined && envUrl !== "") {
    if (!isPostgresUrl(envUrl)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${STATE_URL_ENV} must be a postgres:// or postgresql:// URL (got "${shownUrl(envUrl)}"); unset it to keep the state in state.db under MODELSCOUT_HOME.`,
      );
    }
    path = envUrl;
  }
  if (isPostgresUrl(path)) {
    const schema = env[STATE_SCHEMA_ENV]?.trim();
    return openPostgresState(path.trim(), schema === "" ? undefined : schema, options);
  }
  if (path === undefined) {
    ensureModelscoutHome(modelscoutHome(env));
    path = stateDatabasePath(env);
  }
  if (options.mustExist === true && path !== ":memory:" && !existsSync(path)) {
    throw new ModelScoutError(
      "NOT_FOUND",
      `No ${WHAT} at ${path}. \`modelscout serve\` writes it (state.db under MODELSCOUT_HOME, or the file its --state names); give that file with --state.`,
      { details: { path } },
    );
  }
  let database: Database.Database | undefined;
  try {
    database = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    if (path !== ":memory:") useWalJournal(database);
    database.pragma("synchronous = FULL");
    database.pragma("foreign_keys = ON");
    database.exec(
      "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    );
    return database;
  } catch (error) {
    database?.close();
    throw toStoreError(error, path, WHAT);
  }
}

function openPostgresState(
  url: string,
  schema: string | undefined,
  options: OpenStateDatabaseOptions,
): StateDatabase {
  const database = new PostgresStateDatabase({
    url,
    ...(schema !== undefined && { schema }),
    ...(options.busyTimeoutMs !== undefined && { busyTimeoutMs: options.busyTimeoutMs }),
  });
  try {
    // Under the write lock: servers starting together would race on the catalog's row.
    database
      .transaction(() =>
        database.exec(
          "CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
        ),
      )
      .immediate();
  } catch (error) {
    database.close();
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelScoutError(
      "STORE_UNAVAILABLE",
      `Cannot use the PostgreSQL ${WHAT} at ${database.name} (${message}). Check the URL (--state or ${STATE_URL_ENV}), that the server runs and that the database exists.`,
      { cause: error, details: { url: shownUrl(url) } },
    );
  }
  // The stores use the part of better-sqlite3's API it offers (its module comment).
  return database as unknown as StateDatabase;
}

/**
 * Brings `component`'s tables to the latest of `migrations` (ascending versions from 1).
 * Returns the versions applied now. A database newer than the code is refused.
 */
export function migrateComponent(
  database: StateDatabase,
  component: string,
  migrations: readonly ComponentMigration[],
): number[] {
  const latest = migrations.reduce((max, migration) => Math.max(max, migration.version), 0);
  const readVersion = (): number =>
    (
      database.prepare("SELECT version FROM schema_versions WHERE component = ?").get(component) as
        | { version: number }
        | undefined
    )?.version ?? 0;
  const applied: number[] = [];
  try {
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (readVersion() >= migration.version) continue;
      database.exec("BEGIN IMMEDIATE");
      try {
        // Re-read inside the write lock: another process may have just applied it.
        if (readVersion() < migration.version) {
          database.exec(migration.sql);
          const postgres = postgresState(database);
          if (postgres !== undefined && migration.postgres !== undefined) {
            postgres.execNative(migration.postgres);
          } else if (postgres === undefined && migration.sqlite !== undefined) {
            database.exec(migration.sqlite);
          }
          database
            .prepare(
              "INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            )
            .run(component, migration.version);
          applied.push(migration.version);
        }
        database.exec("COMMIT");
      } catch (error) {
        if (database.inTransaction) database.exec("ROLLBACK");
        throw error;
      }
    }
  } catch (error) {
    throw toStoreError(error, database.name, WHAT);
  }
  const version = readVersion();
  if (version > latest) {
    throw new ModelScoutError(
      "STORE_UNAVAILABLE",
      `The ${WHAT} ${database.name} has ${component} schema version ${version}, newer than this ModelScout understands (${latest}). Upgrade ModelScout or point MODELSCOUT_HOME elsewhere.`,
      { details: { path: database.name, component, version } },
    );
  }
  return applied;
}
