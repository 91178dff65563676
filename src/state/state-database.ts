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
import { toStoreError } from "../catalog/sqlite/sqlite-store.js";
import { ensureModelscoutHome, modelscoutHome } from "../config/modelscout-home.js";
import { ModelScoutError } from "../errors/modelscout-error.js";

export type StateDatabase = Database.Database;

export interface ComponentMigration {
  version: number;
  description: string;
  sql: string;
}

export interface OpenStateDatabaseOptions {
  /** File path, or `:memory:`. Default (absent or undefined): `state.db` under MODELSCOUT_HOME. */
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
    if (path !== ":memory:") database.pragma("journal_mode = WAL");
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
