/**
 * @module
 * A synchronous PostgreSQL client for the state database (ADR 0068). The state database's
 * contracts are synchronous on purpose (a feedback is committed when `recordFeedback`
 * returns; the learner's `record` is durable when it returns), and node-postgres is not, so
 * a worker thread holds the connections and the calling thread blocks in `Atomics.wait`
 * until the worker has the answer, which it takes with `receiveMessageOnPort` (the pattern
 * of the `synckit` package; `bench/sync-postgres-bridge.ts` measured it at about 0.1 ms over
 * a direct round trip, ADR 0059).
 *
 * The worker holds three connections:
 * - the **main** one runs `query()`, blocking: every read, every transaction, feedback; and
 *   `send()`, the statements of a transaction whose answers are not needed yet, sent without
 *   the caller waiting, in order, their failure reported by the next `query()`, so a
 *   transaction costs the caller a wait per answer it reads, not per statement (ADR 0069);
 *   and `queryLater()`, a transaction's end that the caller awaits instead of blocking on
 *   (ADR 0071). The worker writes them all on the connection without waiting for the
 *   answers before (node-postgres' pipeline mode, ADR 0072), so a transaction whose answers
 *   are not read costs PostgreSQL's time and about one round trip, not one per statement;
 * - the **reads** one runs `read()`, a read the caller awaits instead of blocking on (a
 *   session's last answer and a feedback's lookup on the request path, the learner's
 *   read-ahead, the once-a-second sync; ADR 0069, 0070), one at a time;
 * - the **background** one runs `post()`, not waited for, in order: the request log's rows,
 *   which must stay off the request path as the SQLite writer thread keeps them
 *   (`request-log-writer.ts`). A write that fails because the connection or the server did
 *   is retried until it commits (backing off to 5 s); one PostgreSQL refuses is dropped.
 *   `drain()` blocks until everything posted is committed (a lookup by id must find a row
 *   answered a moment ago), and throws when a write fails while it waits.
 *
 * A connection that breaks is opened again on its next use, so a PostgreSQL restart costs
 * the calls made while it was down (each fails with STORE_UNAVAILABLE), not the server.
 * The worker does not keep the process alive.
 */
import { createRequire } from "node:module";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { shownUrl } from "../catalog/postgres/postgres-url.js";
import { ModelScoutError } from "../errors/modelscout-error.js";

export interface BridgeResult {
  rows: Record<string, unknown>[];
  /** Column names in order (for `pluck`). */
  fields: string[];
  rowCount: number;
}

export interface PostgresBridgeOptions {
  url: string;
  /** The schema the connections work in (`search_path`); created if missing. */
  schema: string;
  /** How long a lock waits before failing (`lock_timeout`), like SQLite's busy timeout. */
  lockTimeoutMs: number;
  /** How long `query()` waits for an answer before giving up. Default 60 s. */
  callTimeoutMs?: number;
  /** The first wait before a failed `post` is tried again (doubling up to 5 s). Default 200 ms. */
  retryMs?: number;
}

/** The worker, as CommonJS source: it runs under tsx, vitest and the built package alike. */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const pg = require(workerData.pgModule);
const { port, readPort, flag, url, schema, lockTimeoutMs } = workerData;
// Integers come back as numbers, as SQLite gives them: counts, sums, ids and epoch milliseconds
// all fit in a double's 53 bits.
pg.types.setTypeParser(20, (value) => Number(value));
pg.types.setTypeParser(1700, (value) => Number(value));
const quoted = '"' + schema.replace(/"/g, '""') + '"';
let schemaReady = false;
async function open(name) {
  // Named, so pg_stat_activity tells a server's connections apart; the main one pipelined.
  const client = new pg.Client({ connectionString: url, application_name: ("modelscout-state-" + name + " " + schema).slice(0, 63), options: "-c search_path=" + quoted + " -c lock_timeout=" + lockTimeoutMs, pipeline: name === "main" });
  client.on("error", () => {}); // a broken connection is seen by its next query, and replaced
  try {
    await client.connect();
    if (!schemaReady) {
      // Servers starting together race here; the loser's "already exists" means it does.
      await client.query("CREATE SCHEMA IF NOT EXISTS " + quoted).catch((error) => {
        if (error.code !== "23505" && error.code !== "42P06") throw error;
      });
      schemaReady = true;
    }
  } catch (error) {
    client.end().catch(() => {});
    throw error;
  }
  return client;
}
const connections = { main: undefined, background: undefined, reads: undefined };
// A connection being opened, by name: calls meanwhile (awaited reads come several at a time)
// share it rather than each open one.
const opening = {};
async function connection(name) {
  const current = connections[name];
  if (current !== undefined && !current.broken) return current.client;
  if (opening[name] === undefined) {
    opening[name] = open(name).then((client) => {
      const opened = { client, broken: false };
      client.on("error", () => { opened.broken = true; });
      client.on("end", () => { opened.broken = true; });
      connections[name] = opened;
      return client;
    }).finally(() => { opening[name] = undefined; });
  }
  return opening[name];
}
/** The connection or the server failing (SQLSTATE classes 08, 53, 57; a socket error). */
function transient(error) {
  const code = String((error && error.code) || "");
  return code === "" || /^(08|53|57)/.test(code) || /^E[A-Z]+$/.test(code);
}
// A multi-statement query answers each; the last one's is the answer.
function lastResult(result) {
  return Array.isArray(result) ? result[result.length - 1] : result;
}
// What a query's answer carries back to the calling thread.
function toReply(result) {
  const last = lastResult(result);
  return { rows: last.rows ?? [], fields: (last.fields ?? []).map((field) => field.name), rowCount: last.rowCount ?? 0 };
}
function describe(error) {
  return { message: String(error && error.message || error), code: error && error.code };
}
let background = Promise.resolve();
let backgroundError = null;
let pending = 0;
let closing = false;
let failures = 0;
let dropped = 0; // writes dropped since a drain or close last reported them
let droppedError = null;
let waiters = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function wake() {
  const now = waiters;
  waiters = [];
  for (const waiter of now) waiter();
}
// A posted write is retried until it commits (rows are never dropped while the process
// lives); a drain waiting on it is told of the failure.
async function writePosted(message) {
  for (let attempt = 0; ; attempt++) {
    try {
      const client = await connection("background");
      await client.query(message.text, message.values);
      backgroundError = null;
      return;
    } catch (error) {
      backgroundError = describe(error);
      failures++;
      Atomics.add(flag, 2, 1);
      wake();
      // A statement PostgreSQL refuses (not the connection failing) would fail again.
      if (closing || !transient(error)) {
        dropped++;
        droppedError = backgroundError;
        return;
      }
      await sleep(Math.min(workerData.retryMs * 2 ** attempt, 5000));
    }
  }
}
// The connection a transaction began on: its statements never go to a replacement, which
// would run them outside it (each committed on its own, the rest lost with the old one).
let transactionClient;
async function mainClient(inTransaction) {
  if (inTransaction) {
    const current = connections.main;
    if (current === undefined || current.broken || current.client !== transactionClient) {
      throw Object.assign(new Error("the connection to PostgreSQL was lost during a transaction, which PostgreSQL rolled back"), { code: "08006" });
    }
    return current.client;
  }
  const client = await connection("main");
  transactionClient = client;
  return client;
}
// The main connection's statements, blocking and sent alike, go out in the order they came,
// pipelined (node-postgres' pipeline mode, ADR 0072): each is written without waiting for
// the answers to the ones before, and PostgreSQL answers them in order. mainChain orders the
// writing only (a connection being opened holds the statements behind it).
let mainChain = Promise.resolve();
// The statements sent since the last blocking one (a segment): the first of them that failed,
// what each answered ([id, rowCount, first row or null]; the row only for one sent wanting it:
// \`INSERT ... RETURNING\`), and their answers still to come. The next blocking statement
// reports the failure and carries the counts; one sent after a failure already known is not
// written (the transaction it belongs to is lost with it).
function newSegment() {
  return { error: null, counts: [], pending: [] };
}
let segment = newSegment();
// The last blocking statement's answer: each is told after the one before.
let queryAnswers = Promise.resolve();
// Settles when every statement written on the main connection is answered.
let lastAnswered = Promise.resolve();
function sentFailure(error, message) {
  return Object.assign(describe(error), { sendId: message.sendId, text: message.text });
}
function send(message) {
  mainChain = mainChain.then(async () => {
    const into = segment;
    if (into.error !== null) return;
    try {
      const client = await mainClient(message.inTransaction);
      const answered = client.query(message.text, message.values).then(
        (result) => {
          const last = lastResult(result);
          into.counts.push(message.wantRow ? [message.sendId, last.rowCount ?? 0, (last.rows && last.rows[0]) ?? null] : [message.sendId, last.rowCount ?? 0]);
        },
        (error) => {
          if (into.error === null) into.error = sentFailure(error, message);
        },
      );
      into.pending.push(answered);
      lastAnswered = answered;
    } catch (error) {
      if (into.error === null) into.error = sentFailure(error, message);
    }
  });
}
// Writes a blocking statement after the ones sent before it; gives the wait for its answer,
// which reports first a sent statement that failed (as its own failure), but for a statement
// that ends the failed transaction (\`endsFailed\`).
async function writeQuery(message) {
  const into = segment;
  segment = newSegment();
  if (into.error !== null && !message.endsFailed) {
    // Known failed: not written. A commit nobody waits for (queryLater) has no caller to roll
    // the transaction back, so the rollback goes in its place.
    if (message.later) await mainClient(true).then((client) => client.query("ROLLBACK")).catch(() => {});
    return async () => ({ error: into.error, counts: into.counts });
  }
  const client = await mainClient(message.inTransaction);
  const running = client.query(message.text, message.values).then(
    (result) => ({ reply: toReply(result) }),
    (error) => ({ error: describe(error) }),
  );
  lastAnswered = running;
  return async () => {
    const outcome = await running;
    // Answered before it, in order.
    await Promise.all(into.pending);
    // Failed after it was written: a commit of the failed transaction rolled it back (as
    // PostgreSQL ends one), anything else failed as the transaction had.
    if (into.error !== null && !message.endsFailed) return { error: into.error, counts: into.counts };
    return { ...outcome, counts: into.counts };
  };
}
async function answer(message) {
  if (message.kind === "drain") {
    // Done when everything posted is committed, or as soon as a write fails (it is retried).
    const failuresBefore = failures;
    while (pending > 0 && failures === failuresBefore) {
      await new Promise((resolve) => waiters.push(resolve));
    }
    const error = pending > 0 ? backgroundError : droppedError;
    droppedError = null;
    dropped = 0;
    return { error, pending };
  }
  if (message.kind === "close") {
    closing = true;
    await Promise.all([background, mainChain.then(() => lastAnswered)]);
    for (const name of ["main", "background", "reads"]) {
      const current = connections[name];
      connections[name] = undefined;
      if (current !== undefined) await current.client.end().catch(() => {});
    }
    return { error: dropped > 0 ? droppedError : null, pending: dropped };
  }
  throw new Error("unknown bridge message " + message.kind);
}
// Settles when the posts queued so far are written, or as soon as one fails (it is retried
// meanwhile, perhaps for as long as the server is down), as \`drain\` gives up then.
function postsWrittenOrFailed() {
  const failuresBefore = failures;
  let settled = false;
  const failed = new Promise((resolve) => {
    // Woken at each post's end: waits on while none failed and the posts are not written.
    const check = () => {
      if (failures !== failuresBefore) resolve();
      else if (!settled) waiters.push(check);
    };
    waiters.push(check);
  });
  const written = background.then(() => {}, () => {});
  return Promise.race([written, failed]).finally(() => { settled = true; });
}
// Reads the caller does not block on (\`read()\`), on a connection of their own, so they wait
// for no transaction (nor for the request log's writes, unless asked to); answered on their
// own port.
let readsChain = Promise.resolve();
function answerRead(message) {
  // One reading the request log waits for the rows posted before it; if one of them fails,
  // it reads at once, and answers what is there (or fails as the server does). Such a read
  // comes on the main port, after those posts, so \`background\` already holds them.
  const ready = message.afterPosts ? postsWrittenOrFailed() : Promise.resolve();
  ready
    .then(() => {
      // One at a time on the connection, as node-postgres wants its queries given.
      const run = readsChain.then(() => connection("reads")).then((client) => client.query(message.text, message.values));
      readsChain = run.catch(() => {});
      return run;
    })
    .then(
      (result) => readPort.postMessage({ id: message.id, reply: toReply(result) }),
      (error) => readPort.postMessage({ id: message.id, error: describe(error) }),
    );
}
readPort.on("message", answerRead);
port.on("message", (message) => {
  if (message.kind === "post") {
    pending++;
    background = background.then(() => writePosted(message)).finally(() => {
      pending--;
      // Published for the calling thread: a drain with nothing outstanding needs no round trip.
      Atomics.add(flag, 1, 1);
      wake();
    });
    return;
  }
  if (message.kind === "send") {
    send(message);
    return;
  }
  if (message.kind === "read") {
    answerRead(message);
    return;
  }
  // A query is written after the main connection's earlier statements (the next ones are
  // written behind it, without waiting for its answer); the others go at once.
  let answered;
  if (message.kind === "query") {
    const written = mainChain.then(() => writeQuery(message));
    mainChain = written.catch(() => {});
    const ready = written.then((wait) => wait(), (error) => ({ error: describe(error), counts: [] }));
    // Answered in the order they came, as PostgreSQL answers them (one whose answer takes
    // fewer steps here must not overtake the one before).
    answered = queryAnswers.then(() => ready);
    queryAnswers = answered;
  } else {
    answered = answer(message).then((reply) => ({ reply, counts: [] }), (error) => ({ error: describe(error), counts: [] }));
  }
  answered.then(
    ({ reply, error, counts }) => port.postMessage(error === undefined ? { id: message.id, reply, counts } : { id: message.id, error, counts }),
  ).finally(() => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    // Nobody blocks on a call answered later (queryLater): the calling thread's event loop
    // is told to take its answer off the port.
    if (message.later) readPort.postMessage({ later: true });
  });
});
`;

/** What a statement sent without waiting answered (\`PostgresBridge.takeSent\`). */
export interface SentAnswer {
  /** Its row count. */
  changes: number;
  /** Its first row (null: none), when it was sent wanting it. */
  row?: Record<string, unknown> | null;
}

/** An answer on the main port: to a blocking call, or to one answered later. */
interface MainAnswer {
  id: number;
  reply?: unknown;
  error?: BridgeFailure;
  /** What the statements sent since the last answer answered (`SentAnswer`). */
  counts?: [number, number, (Record<string, unknown> | null)?][];
}

/** What a failed call says: its message and PostgreSQL's SQLSTATE code. */
interface BridgeFailure {
  message: string;
  code?: string;
  /** The statement, when it was one sent earlier (`send`) that this call reports. */
  text?: string;
}

export class PostgresBridge {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  /** [0] an answer is waiting; [1] posts finished; [2] posted writes that failed (worker's counts). */
  readonly #flag = new Int32Array(new SharedArrayBuffer(12));
  #posted = 0;
  #failuresSeen = 0;
  readonly #callTimeoutMs: number;
  readonly #shownUrl: string;
  #nextId = 1;
  #roundTrips = 0;
  #nextSendId = 1;
  /** What sent statements answered, by send id, as later answers brought it, until taken. */
  readonly #sentAnswers = new Map<number, SentAnswer>();
  #closed = false;
  readonly #readPort: MessagePort;
  #nextReadId = 1;
  readonly #reads = new Map<
    number,
    { resolve: (result: BridgeResult) => void; reject: (error: Error) => void }
  >();
  /** Calls made with `queryLater`, by id, until their answer comes. */
  readonly #later = new Map<
    number,
    {
      done: (error: Error | undefined, reply: BridgeResult | undefined) => void;
      timer: NodeJS.Timeout;
    }
  >();

  constructor(options: PostgresBridgeOptions) {
    this.#callTimeoutMs = options.callTimeoutMs ?? 60_000;
    this.#shownUrl = shownUrl(options.url);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const reads = new MessageChannel();
    this.#readPort = reads.port1;
    this.#readPort.on(
      "message",
      (message: { id: number; reply?: BridgeResult; error?: BridgeFailure; later?: true }) => {
        if (message.later === true) {
          this.#takeLaterAnswers();
          return;
        }
        this.#settleRead(
          message.id,
          message.reply,
          message.error === undefined ? undefined : failure(message.error),
        );
      },
    );
    this.#readPort.unref();
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        port: port2,
        readPort: reads.port2,
        flag: this.#flag,
        url: options.url,
        schema: options.schema,
        lockTimeoutMs: options.lockTimeoutMs,
        retryMs: options.retryMs ?? 200,
        pgModule: createRequire(import.meta.url).resolve("pg"),
      },
      transferList: [port2, reads.port2],
    });
    // A worker that dies answers no read: each fails at once rather than at its timeout.
    this.#worker.once("exit", () => {
      const stopped = new ModelScoutError(
        "STORE_UNAVAILABLE",
        `The thread holding the connections to the PostgreSQL state database at ${this.#shownUrl} stopped.`,
        { isRetryable: true, details: { url: this.#shownUrl } },
      );
      for (const id of [...this.#reads.keys()]) this.#settleRead(id, undefined, stopped);
      for (const id of [...this.#later.keys()]) this.#settleLater(id, undefined, stopped);
    });
    this.#worker.unref();
    this.#port.unref();
  }

  /**
   * Runs `text` on the main connection and blocks until its rows are here. `inTransaction`:
   * the statement belongs to a transaction begun by an earlier call, so it fails rather than
   * run on a new connection if that one broke.
   */
  query(
    text: string,
    values: readonly unknown[] = [],
    inTransaction = false,
    endsFailed = false,
  ): BridgeResult {
    return this.#call({ kind: "query", text, values, inTransaction, endsFailed }) as BridgeResult;
  }

  /**
   * `query()`, answered later: `text` runs on the main connection after its earlier statements
   * (and before its later ones, blocking or not), and `done` hears its answer when the event
   * loop takes it, or sooner, inside a blocking call made meanwhile (the answers come in
   * order). For a transaction's end that nobody needs to block on (ADR 0071): a statement sent
   * before it that failed is `done`'s error, and the transaction is rolled back. Never blocks.
   */
  queryLater(
    text: string,
    values: readonly unknown[],
    inTransaction: boolean,
    done: (error: Error | undefined, reply: BridgeResult | undefined) => void,
  ): void {
    if (this.#closed) throw this.#closedError();
    const id = this.#nextId++;
    // As long as a blocking call may wait, then STORE_UNAVAILABLE, as for a read.
    const timer = setTimeout(
      () => this.#settleLater(id, undefined, this.#unanswered()),
      this.#callTimeoutMs,
    );
    timer.unref();
    this.#later.set(id, { done, timer });
    // Kept alive while an answer is due, as a socket would be.
    this.#readPort.ref();
    this.#port.postMessage({ id, kind: "query", text, values, inTransaction, later: true });
  }

  /** Calls made with `queryLater` whose answer has not come yet. */
  get laterOutstanding(): number {
    return this.#later.size;
  }

  /** The answers on the main port while no call blocks on it: those of `queryLater`. */
  #takeLaterAnswers(): void {
    for (;;) {
      const received = receiveMessageOnPort(this.#port)?.message as MainAnswer | undefined;
      if (received === undefined) return;
      this.#keepCounts(received);
      this.#settleLater(received.id, received);
    }
  }

  /** Ends the later call `id`, if still out, with its answer or `error`. */
  #settleLater(id: number, received: MainAnswer | undefined, error?: Error): void {
    const call = this.#later.get(id);
    if (call === undefined) return; // one that timed out
    this.#later.delete(id);
    clearTimeout(call.timer);
    this.#unrefReadPortWhenIdle();
    const failed = error ?? (received?.error === undefined ? undefined : failure(received.error));
    call.done(failed, failed === undefined ? (received?.reply as BridgeResult) : undefined);
  }

  #unrefReadPortWhenIdle(): void {
    if (this.#reads.size === 0 && this.#later.size === 0) this.#readPort.unref();
  }

  /** Keeps what the sent statements answered, which every answer on the main port carries. */
  #keepCounts(received: MainAnswer): void {
    for (const [sendId, changes, row] of received.counts ?? []) {
      this.#sentAnswers.set(sendId, row === undefined ? { changes } : { changes, row });
    }
  }

  /**
   * Sends `text` on the main connection without waiting for it: it runs after the main
   * connection's earlier statements and before its later ones. For statements of a transaction
   * whose answer nobody reads yet (see `PostgresStateDatabase.transaction`): if one fails, the
   * ones sent after it fail with its transaction (or are not written, once its failure is
   * known) and the next `query()` throws its error (but for one that ends the failed
   * transaction, `endsFailed`). Returns the id its answer is kept under
   * (`takeSent`): its row count, and its first row when `wantRow` (a write's `RETURNING`,
   * ADR 0070). Never blocks.
   */
  send(text: string, values: readonly unknown[], inTransaction: boolean, wantRow = false): number {
    if (this.#closed) throw this.#closedError();
    const sendId = this.#nextSendId++;
    this.#port.postMessage({ kind: "send", sendId, text, values, inTransaction, wantRow });
    return sendId;
  }

  /**
   * What a sent statement answered, once a later answer brought it (every `query()` answer
   * brings those of the statements sent before it), taken once; undefined until then, or
   * when it failed or was skipped.
   */
  takeSent(sendId: number): SentAnswer | undefined {
    const answer = this.#sentAnswers.get(sendId);
    this.#sentAnswers.delete(sendId);
    return answer;
  }

  /** Drops the answers nobody took (a transaction's end). */
  forgetSent(): void {
    this.#sentAnswers.clear();
  }

  /**
   * Runs a read on a third connection without blocking: for the request path (a session's
   * last answer), where a blocking round trip would hold every other request on the event
   * loop. It sees what is committed, not this caller's open transaction; with `afterPosts`,
   * once everything posted before it is committed too (or dropped), as `drain()` then a read
   * would, without blocking.
   */
  read(text: string, values: readonly unknown[], afterPosts = false): Promise<BridgeResult> {
    if (this.#closed) return Promise.reject(this.#closedError());
    const id = this.#nextReadId++;
    return new Promise((resolve, reject) => {
      // As long as a blocking call may wait, then STORE_UNAVAILABLE: a lost server or worker
      // never leaves a request waiting for ever.
      const timer = setTimeout(
        () => this.#settleRead(id, undefined, this.#unanswered()),
        this.#callTimeoutMs,
      );
      timer.unref();
      this.#reads.set(id, {
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      // Kept alive while a read is out, as a socket would be.
      this.#readPort.ref();
      // One after the posts goes on their port, so the worker sees it after them.
      if (afterPosts) this.#port.postMessage({ kind: "read", id, text, values, afterPosts });
      else this.#readPort.postMessage({ id, text, values });
    });
  }

  /** Ends the read `id`, if still out, with its rows or its error. */
  #settleRead(id: number, result: BridgeResult | undefined, error?: Error): void {
    const read = this.#reads.get(id);
    if (read === undefined) return;
    this.#reads.delete(id);
    this.#unrefReadPortWhenIdle();
    if (error !== undefined) read.reject(error);
    else read.resolve(result as BridgeResult);
  }

  #unanswered(): ModelScoutError {
    return new ModelScoutError(
      "STORE_UNAVAILABLE",
      `The PostgreSQL state database at ${this.#shownUrl} did not answer within ${Math.round(this.#callTimeoutMs / 1000)} s.`,
      { isRetryable: true, details: { url: this.#shownUrl } },
    );
  }

  /** Queues `text` on the background connection; `drain()` waits for it. Never blocks. */
  post(text: string, values: readonly unknown[]): void {
    if (this.#closed) throw this.#closedError();
    this.#posted = (this.#posted + 1) | 0;
    this.#port.postMessage({ kind: "post", text, values });
  }

  /** Calls that waited for the worker's answer (queries, drains that had to wait, close). */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** Posted writes not finished yet (a cheap read of the worker's count, no round trip). */
  get outstanding(): number {
    return (this.#posted - Atomics.load(this.#flag, 1)) | 0;
  }

  /**
   * Blocks until everything posted so far is committed. Throws when a posted write fails
   * while it waits: the worker goes on retrying it, so nothing is dropped, but the caller
   * learns the rows are not written yet.
   */
  drain(): void {
    const failures = Atomics.load(this.#flag, 2);
    // Everything posted already finished, none failed since the last drain: nothing to wait for.
    if (Atomics.load(this.#flag, 1) === this.#posted && failures === this.#failuresSeen) return;
    this.#failuresSeen = failures;
    const reply = this.#call({ kind: "drain" }) as { error: BridgeFailure | null };
    if (reply.error !== null) throw failure(reply.error);
  }

  /** Writes what was posted (trying once more if it failed) and ends the connections. */
  close(): void {
    if (this.#closed) return;
    try {
      const reply = this.#call({ kind: "close" }) as {
        error: BridgeFailure | null;
        pending: number;
      };
      if (reply.error !== null) {
        throw new ModelScoutError(
          "STORE_UNAVAILABLE",
          `${reply.pending} writes queued for the PostgreSQL state database at ${this.#shownUrl} were not written when it closed: ${reply.error.message}`,
        );
      }
    } finally {
      this.#closed = true;
      this.#port.close();
      this.#readPort.close();
      for (const id of [...this.#reads.keys()])
        this.#settleRead(id, undefined, this.#closedError());
      for (const id of [...this.#later.keys()])
        this.#settleLater(id, undefined, this.#closedError());
      void this.#worker.terminate();
    }
  }

  #call(message: Record<string, unknown>): unknown {
    if (this.#closed) throw this.#closedError();
    const id = this.#nextId++;
    this.#roundTrips++;
    Atomics.store(this.#flag, 0, 0);
    this.#port.postMessage({ id, ...message });
    const deadline = Date.now() + this.#callTimeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.#port)?.message as MainAnswer | undefined;
      if (received !== undefined) {
        this.#keepCounts(received);
        if (received.id !== id) {
          // A later call's answer (or, dropped, one to an earlier call that timed out).
          this.#settleLater(received.id, received);
          continue;
        }
        if (received.error !== undefined) throw failure(received.error);
        return received.reply;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw this.#unanswered();
      Atomics.wait(this.#flag, 0, 0, left);
      Atomics.store(this.#flag, 0, 0);
    }
  }

  #closedError(): ModelScoutError {
    return new ModelScoutError(
      "STORE_UNAVAILABLE",
      `The PostgreSQL state database at ${this.#shownUrl} is closed.`,
    );
  }
}

/** An error with PostgreSQL's message and SQLSTATE (`code`), for `toStoreError` to classify. */
function failure(reply: BridgeFailure): Error {
  const error = new Error(reply.message) as Error & { code?: string; statement?: string };
  if (reply.code !== undefined) error.code = reply.code;
  if (reply.text !== undefined) error.statement = reply.text;
  return error;
}
