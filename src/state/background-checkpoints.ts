/**
 * @module
 * WAL checkpoints off the request path. SQLite checkpoints a WAL database automatically on
 * the connection that commits past 1,000 pages, inside that commit: on a server that logs
 * every request, one request in a few hundred then waits for the copy of the WAL into the
 * database file (the routing benchmark saw an 11.5 ms p99 per log batch from this alone, 1.3 ms
 * without it). Here the serving connection's automatic checkpoints are turned off and a
 * worker thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` on a timer:
 * PASSIVE never blocks the writer, and a checkpoint from another connection is as good as one
 * from the writer's. If the worker fails, automatic checkpoints are turned back on, so the WAL
 * cannot grow without bound. Durability is unchanged: commits are made durable in the WAL
 * (`synchronous = FULL` syncs it on each commit), checkpoints only move pages on.
 */
import { hasNoFile, startSqliteWorker } from "./sqlite-worker.js";
import type { StateDatabase } from "./state-database.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqliteModule);
const database = new Database(workerData.path, { timeout: 5000 });
const timer = setInterval(() => {
  try {
    database.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on("message", (message) => {
  if (message === "stop") {
    clearInterval(timer);
    try { database.pragma("wal_checkpoint(PASSIVE)"); } catch {}
    database.close();
    parentPort.close();
  }
});
`;

export interface BackgroundCheckpoints {
  /** Stops the worker (after a last checkpoint) and restores automatic checkpoints. */
  stop(): Promise<void>;
}

/**
 * Moves `database`'s WAL checkpoints to a worker thread. A no-op for in-memory and temporary
 * databases (no file another connection can open). `onError` hears of a failed checkpoint (the worker carries on).
 */
export function startBackgroundCheckpoints(
  database: StateDatabase,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): BackgroundCheckpoints {
  if (hasNoFile(database)) return { stop: async () => {} };
  const previous = database.pragma("wal_autocheckpoint", { simple: true }) as number;
  const worker = startSqliteWorker(WORKER_SOURCE, {
    path: database.name,
    intervalMs: options.intervalMs ?? 1000,
  });
  database.pragma("wal_autocheckpoint = 0");
  let stopped = false;
  const restore = () => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${previous}`);
  };
  worker.on("message", (message: { error?: string }) => {
    if (message.error !== undefined) options.onError?.(message.error);
  });
  worker.on("error", (error) => {
    options.onError?.(error.message);
    restore();
  });
  worker.on("exit", () => {
    if (!stopped) restore();
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage("stop");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await worker.terminate();
      restore();
    },
  };
}
