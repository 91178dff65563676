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
 *
 * The worker runs under Linux's `SCHED_IDLE` where the process can raise it again
 * (`thread-priority.ts`, as the request-log writer does, ADR 0019): a checkpoint copies the
 * last second's WAL pages and syncs the file, 5-8 ms of CPU each second at 5,000 requests/s,
 * which in the normal class took a core from the event loop or a model server beside it. If
 * no checkpoint has finished for ten intervals (every core kept busy by normal threads), it
 * is raised to the normal class for a while, so the WAL cannot grow without bound.
 */
import { hasSqliteFile, startSqliteWorker } from "./sqlite-worker.js";
import type { StateDatabase } from "./state-database.js";
import { BackgroundThreadPriority, PUBLISH_THREAD_ID_SOURCE } from "./thread-priority.js";

const WORKER_SOURCE = `${PUBLISH_THREAD_ID_SOURCE}
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqliteModule);
const database = new Database(workerData.path, { timeout: 5000 });
const finished = new Int32Array(workerData.finished);
parentPort.postMessage({ started: true });
const timer = setInterval(() => {
  try {
    database.pragma("wal_checkpoint(PASSIVE)");
    Atomics.add(finished, 0, 1);
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

/** Intervals without a finished checkpoint after which the worker is raised to the normal class. */
const STARVED_INTERVALS = 10;

export interface BackgroundCheckpoints {
  /** Stops the worker (after a last checkpoint) and restores automatic checkpoints. */
  stop(): Promise<void>;
  /** The worker's scheduling (`idle`, `normal`, `raised`, ...; `none` without a worker). */
  readonly priority: string;
  /** The worker's OS thread id once it runs; 0 before, or without `idlePriority`. */
  readonly threadId: number;
}

/**
 * Moves `database`'s WAL checkpoints to a worker thread. A no-op for in-memory and temporary
 * databases (no file another connection can open). `onError` hears of a failed checkpoint (the worker carries on).
 */
export function startBackgroundCheckpoints(
  database: StateDatabase,
  options: {
    intervalMs?: number;
    onError?: (message: string) => void;
    /** Run the worker under `SCHED_IDLE` where Linux allows it. Default true. */
    idlePriority?: boolean;
  } = {},
): BackgroundCheckpoints {
  if (!hasSqliteFile(database)) return { stop: async () => {}, priority: "none", threadId: 0 };
  const previous = database.pragma("wal_autocheckpoint", { simple: true }) as number;
  const intervalMs = options.intervalMs ?? 1000;
  const threadCell = options.idlePriority === false ? null : BackgroundThreadPriority.threadCell();
  const priority =
    threadCell === null
      ? undefined
      : new BackgroundThreadPriority({
          threadCell,
          restoreAfterMs: STARVED_INTERVALS * intervalMs,
        });
  // Checkpoints finished, counted by the worker in shared memory: no message per checkpoint.
  const finished = new SharedArrayBuffer(4);
  const worker = startSqliteWorker(WORKER_SOURCE, {
    threadCell,
    finished,
    path: database.name,
    intervalMs,
  });
  database.pragma("wal_autocheckpoint = 0");
  let stopped = false;
  const restore = () => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${previous}`);
  };
  worker.on("message", (message: { error?: string; started?: true }) => {
    if (message.error !== undefined) options.onError?.(message.error);
    if (message.started === true) priority?.lower();
  });
  // Starved: no checkpoint finished for STARVED_INTERVALS intervals.
  const count = new Int32Array(finished);
  let seen = 0;
  const watchdog =
    priority === undefined
      ? undefined
      : setInterval(() => {
          const now = Atomics.load(count, 0);
          if (now === seen) priority.raise();
          seen = now;
        }, STARVED_INTERVALS * intervalMs).unref();
  worker.on("error", (error) => {
    options.onError?.(error.message);
    restore();
  });
  worker.on("exit", () => {
    if (!stopped) restore();
  });
  return {
    get priority() {
      return priority?.state ?? "normal";
    },
    get threadId() {
      return priority?.threadId ?? 0;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(watchdog);
      // The last checkpoint runs now, whatever else is running.
      priority?.raise();
      priority?.close();
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage("stop");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await worker.terminate();
      restore();
    },
  };
}
