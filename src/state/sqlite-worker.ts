/**
 * @module
 * What the state database's worker threads (the WAL checkpointer, the request-log writer)
 * share: whether a database has a file another connection can open, and starting a worker
 * from CommonJS source with better-sqlite3's path handed in, so the same source runs under
 * tsx, vitest and the built package. The worker does not keep the process alive.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { postgresState, type StateDatabase } from "./state-database.js";

/** True for a database a second connection cannot open: in memory, or SQLite's temporary one. */
export function hasNoFile(database: StateDatabase): boolean {
  return database.memory || database.name === ":memory:" || database.name === "";
}

/** True for a SQLite file, which the SQLite worker threads (writer, checkpoints, pruning) open. */
export function hasSqliteFile(database: StateDatabase): boolean {
  return !hasNoFile(database) && postgresState(database) === undefined;
}

/** Starts `source` (CommonJS) in a worker; `workerData.sqliteModule` is better-sqlite3's path. */
export function startSqliteWorker(source: string, workerData: Record<string, unknown>): Worker {
  const worker = new Worker(source, {
    eval: true,
    // None of the process's flags: the source is plain CommonJS and needs none, and some break
    // it (`--input-type=module`, as `node --eval` scripts use, has it read as a module, where
    // it never starts). A list without V8's own flags (`--expose-gc`), which Node refuses here.
    execArgv: [],
    workerData: {
      sqliteModule: createRequire(import.meta.url).resolve("better-sqlite3"),
      ...workerData,
    },
  });
  worker.unref();
  return worker;
}
