/**
 * @module
 * How long the routing server keeps its request log (`server.log_retention_days`, 30 by
 * default; 0 keeps it for ever; ADR 0047). Every request adds a row with up to
 * `log_text_chars` of its prompt and answer, so without this `state.db` grows for as long as
 * the server runs (at 1,000 requests/s, 86 million rows a day), and keeps what users wrote
 * for as long.
 *
 * A row goes once it is older than the retention and no feedback on it is still waiting for
 * the learner (`applied = 0`): feedback is never dropped before it is learned from. Its
 * feedback (already learned; the learner's state is kept apart, in its own tables) goes with it,
 * and so do the log's sums per minute (`request-log-minutes.ts`) of the minutes before the
 * cutoff's.
 *
 * The deletes run in a worker thread with its own connection, as the request log's writes do
 * (`request-log-writer.ts`), in transactions of `chunkRows` (100) rows, each followed by a
 * pause of at least four times its length: the writer and feedback wait on the same database
 * lock, and feedback is written on the event loop. A row with 2,000-character texts takes
 * about 0.1-0.4 ms to delete (its text spans overflow pages), so a transaction of 500 held the
 * lock for up to 84-156 ms and a feedback write waited up to 190-840 ms behind a run of them;
 * with 100 and the pause, at most tens of milliseconds (`bench/request-log-retention.ts`,
 * ADR 0047). An in-memory database (tests) is pruned on the main thread, a chunk per turn of
 * the event loop.
 */
import type { Worker } from "node:worker_threads";
import { errorMessage } from "../errors/error-message.js";
import type { PostgresStateDatabase } from "../state/postgres-state-database.js";
import { hasSqliteFile, startSqliteWorker } from "../state/sqlite-worker.js";
import { postgresState, type StateDatabase } from "../state/state-database.js";
import {
  DELETE_LATENCY_HOURS_SQL,
  DELETE_LATENCY_MINUTES_SQL,
  DELETE_MINUTES_SQL,
  HOUR_MS,
  MINUTE_MS,
} from "./request-log-minutes.js";

const DAY_MS = 86_400_000;

/**
 * The oldest requests older than the cutoff with no unapplied feedback, in the order of the
 * `created_at` index, which the scan follows and stops at the limit: no sort, and nothing
 * newer than the cutoff is read (an `ORDER BY created_at, id` sorted every old row, each
 * chunk, and took 156 ms a chunk of 500 among 30,000: `bench/request-log-retention.ts`). The
 * feedback check is pinned to the request-id index: SQLite's planner picked the partial index
 * of unapplied feedback instead, and read all of it for every row (615 ms to select 100 rows
 * with 87,000 feedback rows waiting, in the same benchmark).
 */
export const SELECT_PRUNABLE_SQL = `SELECT r.id FROM routing_requests r
   WHERE r.created_at < ?
     AND NOT EXISTS (SELECT 1 FROM routing_feedback f INDEXED BY routing_feedback_request
                     WHERE f.request_id = r.id AND f.applied = 0)
   ORDER BY r.created_at LIMIT ?`;
const DELETE_FEEDBACK_SQL = "DELETE FROM routing_feedback WHERE request_id = ?";

/**
 * PostgreSQL: one chunk in one statement (a round trip per deleted row would be 200 per
 * chunk). The feedback and the requests go in the same statement, so the foreign key holds
 * when it is checked, at its end.
 */
const PRUNE_CHUNK_POSTGRES_SQL = `WITH doomed AS (
    SELECT r.id FROM routing_requests r
    WHERE r.created_at < $1
      AND NOT EXISTS (SELECT 1 FROM routing_feedback f WHERE f.request_id = r.id AND f.applied = 0)
    ORDER BY r.created_at LIMIT $2
  ), gone_feedback AS (
    DELETE FROM routing_feedback WHERE request_id IN (SELECT id FROM doomed) RETURNING 1
  ), gone_requests AS (
    DELETE FROM routing_requests WHERE id IN (SELECT id FROM doomed) RETURNING 1
  ), gone_minutes AS (
    DELETE FROM routing_minutes WHERE minute < floor(extract(epoch FROM $1::timestamptz) / 60)::bigint * ${MINUTE_MS}
  ), gone_latency_minutes AS (
    DELETE FROM routing_latency_minutes WHERE minute < floor(extract(epoch FROM $1::timestamptz) / 60)::bigint * ${MINUTE_MS}
  ), gone_latency_hours AS (
    DELETE FROM routing_latency_hours WHERE hour < floor(extract(epoch FROM $1::timestamptz) / 3600)::bigint * ${HOUR_MS}
  )
  SELECT (SELECT COUNT(*) FROM gone_requests) AS requests,
    (SELECT COUNT(*) FROM gone_feedback) AS feedback`;
const DELETE_REQUEST_SQL = "DELETE FROM routing_requests WHERE id = ?";

/** The pause after a chunk, as a multiple of the chunk's time: the lock is free 4/5 of the time. */
const PAUSE_FACTOR = 4;

/** The statements a prune runs (better-sqlite3's, on either connection). */
interface PruneStatements {
  selectPrunable: { all(cutoff: string, limit: number): unknown[] };
  deleteFeedback: { run(id: unknown): { changes: number } };
  deleteRequest: { run(id: unknown): unknown };
  /** The sums of the minutes before the cutoff's (`request-log-minutes.ts`), by epoch ms. */
  deleteMinutes: { run(before: number): unknown };
  deleteLatencyMinutes: { run(before: number): unknown };
  /** The latency bins of the hours before the cutoff's. */
  deleteLatencyHours: { run(before: number): unknown };
}

/**
 * One chunk: up to `limit` prunable requests and their feedback deleted (run inside a
 * transaction). The worker runs it from its source (`WORKER_SOURCE`), the main thread directly.
 */
function pruneChunk(
  statements: PruneStatements,
  cutoff: string,
  limit: number,
): { requests: number; feedback: number } {
  const ids = statements.selectPrunable.all(cutoff, limit);
  // Whole minutes only (kept even where rows with feedback still waiting are): one index seek
  // once they are gone.
  const cutoffMs = Date.parse(cutoff);
  const minute = 60_000;
  const hour = 3_600_000;
  const minuteBefore = Math.floor(cutoffMs / minute) * minute;
  statements.deleteMinutes.run(minuteBefore);
  statements.deleteLatencyMinutes.run(minuteBefore);
  statements.deleteLatencyHours.run(Math.floor(cutoffMs / hour) * hour);
  let feedback = 0;
  for (const id of ids) {
    feedback += statements.deleteFeedback.run(id).changes;
    statements.deleteRequest.run(id);
  }
  return { feedback, requests: ids.length };
}

/**
 * Runs `chunk` until a chunk finds nothing left (or `stopped()`), waiting `pause(its time)`
 * after each, and counts what it did. Shared by the worker (from its source), the main thread
 * and PostgreSQL's own connection (whose chunks are asynchronous).
 */
async function pruneAll(
  chunk: (
    cutoff: string,
  ) => { requests: number; feedback: number } | Promise<{ requests: number; feedback: number }>,
  cutoff: string,
  pause: (tookMs: number) => Promise<unknown>,
  stopped: () => boolean,
): Promise<PruneResult> {
  const total = { requests: 0, feedback: 0, chunks: 0, longestChunkMs: 0 };
  while (!stopped()) {
    const startedAt = performance.now();
    const done = await chunk(cutoff);
    const tookMs = performance.now() - startedAt;
    total.longestChunkMs = Math.max(total.longestChunkMs, tookMs);
    total.chunks += 1;
    total.requests += done.requests;
    total.feedback += done.feedback;
    if (done.requests + done.feedback === 0) break;
    await pause(tookMs);
  }
  return total;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqliteModule);
${pruneChunk.toString()}
${pruneAll.toString()}
const database = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
database.pragma("foreign_keys = ON");
// Per connection: deleting old rows needs no fsync per commit (the WAL is synced at checkpoints).
database.pragma("synchronous = NORMAL");
const statements = {
  selectPrunable: database.prepare(workerData.selectPrunableSql).pluck(),
  deleteFeedback: database.prepare(workerData.deleteFeedbackSql),
  deleteRequest: database.prepare(workerData.deleteRequestSql),
  deleteMinutes: database.prepare(workerData.deleteMinutesSql),
  deleteLatencyMinutes: database.prepare(workerData.deleteLatencyMinutesSql),
  deleteLatencyHours: database.prepare(workerData.deleteLatencyHoursSql),
};
const chunk = database.transaction((cutoff) => pruneChunk(statements, cutoff, workerData.chunkRows));
let stopping = false;
parentPort.on("message", (message) => {
  if (message.kind === "stop") {
    stopping = true;
    try { database.close(); } catch {}
    parentPort.close();
    return;
  }
  // Hold the lock at most a fifth of the time, whatever a chunk costs on this disk.
  const pause = (tookMs) =>
    new Promise((resolve) => setTimeout(resolve, Math.max(workerData.pauseMs, workerData.pauseFactor * tookMs)));
  pruneAll((cutoff) => chunk.immediate(cutoff), message.cutoff, pause, () => stopping).then(
    (result) => parentPort.postMessage(result),
    (error) => parentPort.postMessage({ error: String((error && error.message) || error) }),
  );
});
`;

export interface RetentionOptions {
  /** Rows older than this many days go; 0 keeps every row (nothing runs). */
  days: number;
  /** Between prunes. Default 10 minutes. */
  everyMs?: number;
  /** Before the first prune after start. Default 1 minute. */
  firstAfterMs?: number;
  /** Rows per transaction. Default 100. */
  chunkRows?: number;
  /** Least pause between transactions; each is at least 4 times the last one's time. Default 5 ms. */
  pauseMs?: number;
  /** A prune failed (it runs again at the next interval). */
  onError?: (message: string) => void;
  now?: () => number;
}

/** What one prune removed. */
export interface PruneResult {
  requests: number;
  feedback: number;
  /** Transactions it took (the last one finds nothing left), and the longest one's time. */
  chunks: number;
  longestChunkMs: number;
}

export interface RequestLogRetention {
  /** Removes now what is past the retention, as the timer would; resolves when done. */
  prune(): Promise<PruneResult>;
  stop(): Promise<void>;
}

/** Starts pruning `database`'s request log on a timer (the routing store's tables must exist). */
export function startRequestLogRetention(
  database: StateDatabase,
  options: RetentionOptions,
): RequestLogRetention {
  if (options.days <= 0) {
    return {
      prune: async () => ({ requests: 0, feedback: 0, chunks: 0, longestChunkMs: 0 }),
      stop: async () => {},
    };
  }
  const now = options.now ?? Date.now;
  const chunkRows = options.chunkRows ?? 100;
  const pauseMs = options.pauseMs ?? 5;
  const cutoff = () => new Date(now() - options.days * DAY_MS).toISOString();
  const postgres = postgresState(database);
  const pruner =
    postgres !== undefined
      ? postgresPruner(postgres, chunkRows, pauseMs)
      : !hasSqliteFile(database)
        ? mainThreadPruner(database, chunkRows)
        : workerPruner(database, chunkRows, pauseMs);
  let running: Promise<PruneResult> | undefined;
  const prune = () => {
    running ??= pruner.prune(cutoff()).finally(() => {
      running = undefined;
    });
    return running;
  };
  const onTimer = () => {
    prune().catch((error: unknown) => options.onError?.(errorMessage(error)));
  };
  let interval: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    onTimer();
    interval = setInterval(onTimer, options.everyMs ?? 10 * 60_000).unref();
  }, options.firstAfterMs ?? 60_000).unref();
  return {
    prune,
    async stop() {
      clearTimeout(first);
      clearInterval(interval);
      await pruner.stop();
    },
  };
}

/** Prunes on one connection; `prune` is called again only once the last one has ended. */
interface Pruner {
  prune(cutoff: string): Promise<PruneResult>;
  stop(): Promise<void>;
}

/**
 * PostgreSQL: a connection of its own, used asynchronously, so a prune never blocks the event
 * loop (the state's blocking bridge would, for each chunk). Chunks pause as the worker's do.
 */
function postgresPruner(
  database: PostgresStateDatabase,
  chunkRows: number,
  pauseMs: number,
): Pruner {
  let client: import("pg").Client | undefined;
  let stopped = false;
  const connect = async () => {
    if (client !== undefined) return client;
    const { default: pg } = await import("pg");
    const opened = new pg.Client(database.connectionConfig());
    opened.on("error", () => {
      if (client === opened) client = undefined;
    });
    await opened.connect();
    client = opened;
    return opened;
  };
  return {
    async prune(cutoff) {
      const connection = await connect();
      const chunk = async (before: string) => {
        let result: import("pg").QueryResult<{ requests: string; feedback: string }>;
        try {
          result = await connection.query(PRUNE_CHUNK_POSTGRES_SQL, [before, chunkRows]);
        } catch (error) {
          // Stopped mid-chunk: `stop` ended the connection under it. Cut short, not failed, as
          // the worker's prune is. (PostgreSQL may have finished the chunk before it saw the
          // connection go: then its rows are deleted but not counted here.)
          if (stopped) return { requests: 0, feedback: 0 };
          throw error;
        }
        const row = result.rows[0];
        return { requests: Number(row?.requests ?? 0), feedback: Number(row?.feedback ?? 0) };
      };
      return pruneAll(
        chunk,
        cutoff,
        (tookMs) =>
          new Promise((resolve) => setTimeout(resolve, Math.max(pauseMs, PAUSE_FACTOR * tookMs))),
        () => stopped,
      );
    },
    async stop() {
      stopped = true;
      const open = client;
      client = undefined;
      await open?.end().catch(() => {});
    },
  };
}

function mainThreadPruner(database: StateDatabase, chunkRows: number): Pruner {
  const statements: PruneStatements = {
    selectPrunable: database.prepare(SELECT_PRUNABLE_SQL).pluck(),
    deleteFeedback: database.prepare(DELETE_FEEDBACK_SQL),
    deleteRequest: database.prepare(DELETE_REQUEST_SQL),
    deleteMinutes: database.prepare(DELETE_MINUTES_SQL),
    deleteLatencyMinutes: database.prepare(DELETE_LATENCY_MINUTES_SQL),
    deleteLatencyHours: database.prepare(DELETE_LATENCY_HOURS_SQL),
  };
  const chunk = database.transaction((cutoff: string) => pruneChunk(statements, cutoff, chunkRows));
  let stopped = false;
  return {
    prune: (cutoff) =>
      pruneAll(
        chunk,
        cutoff,
        () => new Promise((resolve) => setImmediate(resolve)),
        () => stopped || !database.open,
      ),
    async stop() {
      stopped = true;
    },
  };
}

/**
 * The worker stays in the normal scheduling class, unlike the request-log writer and the
 * checkpointer (ADR 0019): it holds the write lock that feedback, written on the event loop,
 * waits for, and under `SCHED_IDLE` on busy CPUs it could be kept off a CPU in the middle of
 * a transaction, with the lock. The pause after each transaction bounds its share of a CPU.
 */
function workerPruner(database: StateDatabase, chunkRows: number, pauseMs: number): Pruner {
  const worker: Worker = startSqliteWorker(WORKER_SOURCE, {
    path: database.name,
    busyTimeoutMs: database.pragma("busy_timeout", { simple: true }) as number,
    selectPrunableSql: SELECT_PRUNABLE_SQL,
    deleteFeedbackSql: DELETE_FEEDBACK_SQL,
    deleteRequestSql: DELETE_REQUEST_SQL,
    deleteMinutesSql: DELETE_MINUTES_SQL,
    deleteLatencyMinutesSql: DELETE_LATENCY_MINUTES_SQL,
    deleteLatencyHoursSql: DELETE_LATENCY_HOURS_SQL,
    chunkRows,
    pauseMs,
    pauseFactor: PAUSE_FACTOR,
  });
  // One prune at a time (`startRequestLogRetention` runs one), so one answer is awaited.
  let waiting:
    | { resolve: (result: PruneResult) => void; reject: (error: Error) => void }
    | undefined;
  let ended: Error | undefined;
  let stopping = false;
  const endAll = (error: Error) => {
    ended ??= error;
    // A prune cut short by `stop()` (the server closing) ends quietly, having done its part.
    if (stopping) waiting?.resolve({ requests: 0, feedback: 0, chunks: 0, longestChunkMs: 0 });
    else waiting?.reject(error);
    waiting = undefined;
  };
  worker.on("message", (message: PruneResult | { error: string }) => {
    const pending = waiting;
    waiting = undefined;
    if ("error" in message) {
      pending?.reject(new Error(`pruning the request log failed: ${message.error}`));
    } else {
      pending?.resolve(message);
    }
  });
  worker.on("error", (error) => endAll(error));
  worker.on("exit", (code) => endAll(new Error(`the request-log pruner exited (code ${code})`)));
  return {
    prune(cutoff) {
      if (ended !== undefined) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        worker.postMessage({ kind: "prune", cutoff });
      });
    },
    async stop() {
      if (ended !== undefined) return;
      stopping = true;
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage({ kind: "stop" });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await worker.terminate();
    },
  };
}
