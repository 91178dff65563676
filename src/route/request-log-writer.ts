/**
 * @module
 * Writes request-log rows to the state database from a worker thread with its own SQLite
 * connection, so the routing server's event loop never runs the inserts (25-43 us per row on
 * the main thread, in transactions of up to a millisecond that requests queued behind).
 *
 * The main thread appends rows to a batch in shared memory as they are logged
 * (`request-log-records.ts`) and posts the batch; the worker writes each batch in
 * `chunkRows`-row transactions (`BEGIN IMMEDIATE`, `synchronous = NORMAL` on its connection
 * only) and publishes the last batch it committed in shared memory. `flush()` is synchronous,
 * as the store's lookups need: it posts what is queued, asks the worker to write everything
 * now and blocks (`Atomics.wait`) until the worker says it has, or has failed, which is the
 * same contract as the main-thread writer it replaces (a lookup by id finds a row answered a
 * millisecond ago). Two connections write the same file, so both wait on each other through
 * SQLite's busy timeout: the worker's transactions are short (one chunk), and the main
 * connection's own writes (feedback) are single statements.
 *
 * Failures: a failed background write keeps the rows in the worker and is retried, and is
 * reported (`onError`, for `/ready`); a failed `flush()` throws. If the worker dies, the
 * store writes the batches the worker never confirmed on the main thread (`INSERT OR
 * REPLACE` of the same rows, so a batch written but not confirmed is harmless).
 *
 * Redaction (ADR 0085): once told how (`redactTexts`), the worker loads its own redactor,
 * built for the same types (`logTextRedactor`), and says when it is ready
 * (`redacting`); from then on it redacts the rows' texts marked to redact
 * (`request-log-records.ts`) before it writes them, so the event loop does not run the
 * redaction of every prompt and answer. Rows never wait for the load: until it is ready, or
 * if it fails, the store redacts on the main thread as before.
 */
import { createRequire } from "node:module";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { RedactionType } from "../privacy/personal-data-detectors.js";
import { startSqliteWorker } from "../state/sqlite-worker.js";
import { BackgroundThreadPriority, PUBLISH_THREAD_ID_SOURCE } from "../state/thread-priority.js";
import { READ_RECORDS_SOURCE, RecordBatch } from "./request-log-records.js";

/** The worker, as CommonJS source (`state/sqlite-worker.ts` starts it). */
const WORKER_SOURCE = `${READ_RECORDS_SOURCE}
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqliteModule);
const state = new BigInt64Array(workerData.state, 0, 2);
const errorBytes = new Uint8Array(workerData.state, 16);
const COMMITTED = 0, ANSWERED = 1;
const database = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
// Per connection: only this writer's commits skip the fsync (feedback on the main connection keeps FULL).
database.pragma("synchronous = NORMAL");
const insert = database.prepare(workerData.insertSql);
const insertChunk = database.transaction((rows) => { for (const row of rows) insert.run(row); });
const pending = []; // { seq, rows (arrays of values), offset }
let retryTimer;
let lastError = null;
/** The texts' redaction, once the "redaction" message has set it up (texts to redact read as null before). */
let redact;

function useRedaction(message, module) {
  const logText = module.logTextRedactor(message.types, message.keep);
  // Its expressions compiled before the first text, as on the event loop (warmRedactor).
  module.warmRedactor(logText);
  redact = logText;
  // From now on the store may send texts as they came; until then it redacts them itself.
  parentPort.postMessage({ redacting: true });
}

/** Loads the redaction beside the rows, which never wait for it (an ES module, imported). */
function loadRedaction(message) {
  const failed = (error) =>
    parentPort.postMessage({ redactionFailed: String((error && error.message) || error) });
  if (message.tsxApi === null) {
    import(message.moduleUrl).then((module) => useRedaction(message, module)).catch(failed);
    return;
  }
  // From source (vitest, tsx): TypeScript through tsx's require hook.
  try {
    require(message.tsxApi).register();
    useRedaction(message, require(message.modulePath));
  } catch (error) {
    failed(error);
  }
}

function publishError(message) {
  const encoded = new TextEncoder().encode(message).subarray(0, errorBytes.length - 4);
  new DataView(errorBytes.buffer, errorBytes.byteOffset, 4).setUint32(0, encoded.length, true);
  errorBytes.set(encoded, 4);
}

/** Writes every pending row; returns the error message or null. */
function writePending() {
  clearTimeout(retryTimer);
  retryTimer = undefined;
  try {
    while (pending.length > 0) {
      const batch = pending[0];
      const chunk = batch.rows.slice(batch.offset, batch.offset + workerData.chunkRows);
      insertChunk.immediate(chunk);
      batch.offset += chunk.length;
      if (batch.offset >= batch.rows.length) {
        pending.shift();
        Atomics.store(state, COMMITTED, BigInt(batch.seq));
      }
    }
  } catch (error) {
    const message = String((error && error.message) || error);
    retryTimer = setTimeout(writeInBackground, workerData.retryMs);
    return message;
  }
  return null;
}

/** Tells the store when writing starts failing or works again (for /ready). */
function report(message) {
  if (message !== lastError) parentPort.postMessage({ error: message });
  lastError = message;
}

function writeInBackground() {
  report(writePending());
}

parentPort.on("message", (message) => {
  if (message.kind === "redaction") {
    loadRedaction(message);
    return;
  }
  if (message.kind === "rows") {
    pending.push({ seq: message.seq, rows: readRecords(message.memory, message.byteLength, redact), offset: 0 });
    if (retryTimer === undefined) writeInBackground();
    return;
  }
  // "flush" and "close": write everything now and answer through shared memory.
  const error = writePending();
  report(error);
  if (error !== null) publishError(error);
  if (message.kind === "close") {
    try { database.close(); } catch {}
    clearTimeout(retryTimer);
    parentPort.close();
  }
  Atomics.store(state, ANSWERED, BigInt(message.request));
  Atomics.notify(state, ANSWERED);
});
`;

const COMMITTED = 0;
const ANSWERED = 1;
const ERROR_BYTES = 1024;

/** `.ts` when this module runs from source (vitest, tsx), `.js` once compiled. */
const SOURCE_EXTENSION = extname(fileURLToPath(import.meta.url)) || ".js";

export interface RequestLogWriterOptions {
  /** The database file (not `:memory:`: a worker cannot share an in-memory database). */
  path: string;
  /** The `INSERT` for one row, with positional parameters in the order of a record's values. */
  insertSql: string;
  chunkRows: number;
  /** Wait between retries of a failed background write. */
  retryMs: number;
  busyTimeoutMs: number;
  /** The longest `flush()` waits for the worker before giving up. */
  flushTimeoutMs: number;
  /** A background write failed (the message) or succeeded again (null). */
  onError: (message: string | null) => void;
  /** The worker ended without being closed; the owner takes the unconfirmed batches back. */
  onExit: (error: Error) => void;
  /**
   * Run the worker under `SCHED_IDLE` where Linux allows it (`state/thread-priority.ts`), so
   * the event loop never waits behind a batch; `flush()` raises it back if it is slow to
   * answer. Default false.
   */
  idlePriority?: boolean;
  /** How long a raised worker stays in the normal class before going back to idle. */
  restoreIdleAfterMs?: number;
  /** The module `redactTexts` has the worker load; default `privacy/personal-spans` (tests name another). */
  redactionModule?: URL;
}

/** How long `flush()` waits for an idle-class worker before raising it to the normal class. */
const RAISE_AFTER_MS = 10;
const RESTORE_IDLE_AFTER_MS = 10_000;

/** Confirmed batches kept for reuse: a batch lasts one flush interval, a commit about as long. */
const MAX_SPARE_BATCHES = 4;

/** One posted batch the worker has not confirmed yet. */
export interface UnconfirmedBatch {
  seq: number;
  batch: RecordBatch;
}

export class RequestLogWriter {
  readonly #worker: Worker;
  readonly #state: BigInt64Array;
  readonly #errorBytes: Uint8Array;
  readonly #flushTimeoutMs: number;
  readonly #unconfirmed: UnconfirmedBatch[] = [];
  /** Confirmed batches, emptied for reuse: a new one each time would be memory to allocate and free. */
  readonly #spare: RecordBatch[] = [];
  readonly #priority: BackgroundThreadPriority | undefined;
  #seq = 0;
  #requests = 0;
  #closed = false;
  #redacting = false;
  #redactionError: string | null = null;
  readonly #redactionModule: URL | undefined;

  constructor(options: RequestLogWriterOptions) {
    const shared = new SharedArrayBuffer(16 + ERROR_BYTES);
    this.#state = new BigInt64Array(shared, 0, 2);
    this.#errorBytes = new Uint8Array(shared, 16);
    this.#flushTimeoutMs = options.flushTimeoutMs;
    this.#redactionModule = options.redactionModule;
    // Only a writer whose priority is managed needs to publish its OS thread id.
    const threadCell = options.idlePriority === true ? BackgroundThreadPriority.threadCell() : null;
    if (threadCell !== null) {
      this.#priority = new BackgroundThreadPriority({
        threadCell,
        restoreAfterMs: options.restoreIdleAfterMs ?? RESTORE_IDLE_AFTER_MS,
      });
    }
    this.#worker = startSqliteWorker(PUBLISH_THREAD_ID_SOURCE + WORKER_SOURCE, {
      threadCell,
      path: options.path,
      insertSql: options.insertSql,
      chunkRows: options.chunkRows,
      retryMs: options.retryMs,
      busyTimeoutMs: options.busyTimeoutMs,
      state: shared,
    });
    this.#worker.on(
      "message",
      (message: { error: string | null } | { redacting: true } | { redactionFailed: string }) => {
        if ("redacting" in message) this.#redacting = true;
        else if ("redactionFailed" in message) this.#redactionError = message.redactionFailed;
        else options.onError(message.error);
      },
    );
    this.#worker.on("error", (error: unknown) => {
      // An error thrown in the worker arrives cloned: a SqliteError keeps only its code.
      const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
      const described = [code, message].filter((part) => typeof part === "string").join(": ");
      if (!this.#closed) {
        options.onExit(new Error(`the request-log writer failed (${described || String(error)})`));
      }
      this.#closed = true;
    });
    this.#worker.on("exit", (code) => {
      if (!this.#closed) options.onExit(new Error(`the request-log writer exited (code ${code})`));
      this.#closed = true;
    });
  }

  /** Whether the worker can take rows (false once closed or dead). */
  get open(): boolean {
    return !this.#closed;
  }

  /** Rows posted but not yet confirmed written. */
  get unconfirmedRows(): number {
    this.#forgetConfirmed();
    let count = 0;
    for (const { batch } of this.#unconfirmed) count += batch.count;
    return count;
  }

  /**
   * An empty batch of at least `bytes` bytes: one the worker has confirmed and is done with,
   * or a new one.
   */
  batch(bytes: number): RecordBatch {
    this.#forgetConfirmed();
    const spare = this.#spare.pop();
    if (spare !== undefined && spare.memory.byteLength >= bytes) return spare;
    return new RecordBatch(bytes);
  }

  /**
   * Hands a batch to the worker, which writes it at once. The worker reads the batch's shared
   * memory in place: append nothing more to it.
   */
  post(batch: RecordBatch): void {
    this.#forgetConfirmed();
    this.#seq += 1;
    this.#unconfirmed.push({ seq: this.#seq, batch });
    this.#worker.postMessage({
      kind: "rows",
      seq: this.#seq,
      memory: batch.memory,
      byteLength: batch.byteLength,
    });
    this.#priority?.lower(); // once its thread id is known; a no-op after that
  }

  /**
   * From now on, the worker redacts the texts of the rows it is posted that are marked to
   * redact, as `logTextRedactor(types, keep)` does, each text cut
   * to `prefixReadLength(keep)` (ADR 0085), once it has loaded the redactor (`redacting`).
   * Marked texts it gets before then are written as null: send none until it is.
   */
  redactTexts(types: readonly RedactionType[], keep: number): void {
    // The redaction without its configuration's parsing: no zod in this thread (ADR 0085).
    const module =
      this.#redactionModule ??
      new URL(`../privacy/personal-spans${SOURCE_EXTENSION}`, import.meta.url);
    const fromSource = module.pathname.endsWith(".ts");
    this.#worker.postMessage({
      kind: "redaction",
      types,
      keep,
      moduleUrl: module.href,
      modulePath: fileURLToPath(module),
      tsxApi: fromSource ? createRequire(import.meta.url).resolve("tsx/cjs/api") : null,
    });
  }

  /** Whether the worker has loaded the redaction `redactTexts` asked for and takes marked texts. */
  get redacting(): boolean {
    return this.#redacting;
  }

  /** Why the worker could not load that redaction (the store then redacts), or null. */
  get redactionError(): string | null {
    return this.#redactionError;
  }

  /** The worker's scheduling, for `/ready` and tests: `normal`, `idle`, `raised`, ... */
  get priority(): string {
    return this.#priority?.state ?? "normal";
  }

  /** The worker's OS thread id once it runs; 0 before, off Linux, or without `idlePriority`. */
  get threadId(): number {
    return this.#priority?.threadId ?? 0;
  }

  /** Blocks until every posted row is committed; throws if the worker could not write them. */
  flush(): void {
    if (this.#confirmedAll()) return;
    this.#ask("flush");
    if (!this.#confirmedAll()) {
      throw new ModelScoutError(
        "STORE_UNAVAILABLE",
        `Could not write ${this.unconfirmedRows} request log rows to the state database: ${this.#readError()}`,
        { isRetryable: true },
      );
    }
  }

  /** Writes what is posted, closes the worker's connection and ends it. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#ask("close");
    } finally {
      this.#closed = true;
      this.#priority?.close();
      void this.#worker.terminate();
    }
  }

  /** The batches the worker never confirmed (after it died), oldest first; forgets them. */
  takeUnconfirmed(): UnconfirmedBatch[] {
    this.#forgetConfirmed();
    return this.#unconfirmed.splice(0, this.#unconfirmed.length);
  }

  #confirmedAll(): boolean {
    return Number(Atomics.load(this.#state, COMMITTED)) >= this.#seq;
  }

  #forgetConfirmed(): void {
    const committed = Number(Atomics.load(this.#state, COMMITTED));
    let confirmed = 0;
    while (confirmed < this.#unconfirmed.length) {
      const batch = this.#unconfirmed[confirmed] as UnconfirmedBatch;
      if (batch.seq > committed) break;
      confirmed += 1;
    }
    if (confirmed === 0) return;
    for (const { batch } of this.#unconfirmed.splice(0, confirmed)) {
      if (this.#spare.length >= MAX_SPARE_BATCHES) break;
      batch.reset();
      this.#spare.push(batch);
    }
  }

  /** Posts a request the worker answers in shared memory, and waits for the answer. */
  #ask(kind: "flush" | "close"): void {
    this.#requests += 1;
    const request = BigInt(this.#requests);
    this.#worker.postMessage({ kind, request: this.#requests });
    const startedAt = performance.now();
    const deadline = startedAt + this.#flushTimeoutMs;
    let raised = this.#priority === undefined;
    for (;;) {
      const answered = Atomics.load(this.#state, ANSWERED);
      if (answered >= request) return;
      const now = performance.now();
      const remaining = deadline - now;
      if (remaining <= 0) {
        throw new ModelScoutError(
          "STORE_UNAVAILABLE",
          `The request-log writer did not answer within ${this.#flushTimeoutMs} ms (the state database may be locked by another process).`,
          { isRetryable: true },
        );
      }
      // An idle-class worker may not get a CPU while normal threads keep every core busy:
      // after RAISE_AFTER_MS, put it back in the normal class and keep waiting.
      if (!raised && now - startedAt >= RAISE_AFTER_MS) {
        this.#priority?.raise();
        raised = true;
      }
      const wait = raised ? remaining : Math.min(remaining, startedAt + RAISE_AFTER_MS - now);
      Atomics.wait(this.#state, ANSWERED, answered, Math.max(wait, 0));
    }
  }

  #readError(): string {
    const length = new DataView(this.#errorBytes.buffer, this.#errorBytes.byteOffset, 4).getUint32(
      0,
      true,
    );
    return new TextDecoder().decode(this.#errorBytes.slice(4, 4 + length));
  }
}
