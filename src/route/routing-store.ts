/**
 * @module
 * The routing server's records in the state database (component `routing`): the request log
 * (one row per request: id, time, route, model, reason, status, latency, the texts after the
 * redaction hook, the decision as JSON) and the feedback on those requests.
 *
 * Two durability levels, on purpose:
 * - Feedback is written synchronously in its own transaction before the server answers
 *   (`synchronous = FULL`, see `state/state-database.ts`), so an acknowledged feedback
 *   survives a crash or power cut.
 * - Request rows are queued and written in the background in small transactions
 *   (`flushIntervalMs` after the first queued row, `chunkRows` per transaction), committed
 *   with `synchronous = NORMAL` (in WAL mode: no fsync per commit, the WAL is synced at
 *   checkpoints): an fsync per request would cap the server at a few hundred requests per
 *   second. For a database file the writes run in a worker thread with its own connection
 *   (`request-log-writer.ts`), so the event loop serving requests never runs them; for an
 *   in-memory database (or if that worker dies) they run on the main thread, yielding to the
 *   event loop between transactions. A process crash can lose the rows still queued (at most
 *   `flushIntervalMs` worth, plus the batch being written), a power cut the rows since the
 *   last checkpoint; never feedback. A lookup by id (feedback, `/v1/requests/:id`) flushes
 *   first, waiting for the worker if there is one, so feedback on a request answered a
 *   millisecond ago finds it.
 */
import { randomBytes } from "node:crypto";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { pseudonymOf } from "../privacy/name-pseudonyms.js";
import { logTextRedactor } from "../privacy/personal-spans.js";
import {
  createPersonalDataTest,
  cutForPrefix,
  redactedTypes,
} from "../privacy/redact-personal-data.js";
import type { RedactionConfig } from "../privacy/redaction-config.js";
import type { PostgresStateDatabase } from "../state/postgres-state-database.js";
import { hasSqliteFile } from "../state/sqlite-worker.js";
import {
  type ComponentMigration,
  getLater,
  migrateComponent,
  postgresState,
  readLater,
  type StateDatabase,
  withoutSync,
} from "../state/state-database.js";
import {
  POSTGRES_CLASSIFICATION_MINUTES_SQL,
  POSTGRES_HOURS_SQL,
  POSTGRES_MINUTES_SQL,
  SQLITE_CLASSIFICATION_MINUTES_SQL,
  SQLITE_HOURS_SQL,
  SQLITE_MINUTES_SQL,
} from "./request-log-minutes.js";
import { type ColumnValue, type RecordBatch, readRecords } from "./request-log-records.js";
import { RequestLogWriter } from "./request-log-writer.js";
import type { LoggedAnswer } from "./session-affinity.js";

export const ROUTING_COMPONENT = "routing";

export const ROUTING_MIGRATIONS: readonly ComponentMigration[] = [
  {
    version: 1,
    description: "request log and feedback",
    sql: `
      CREATE TABLE routing_requests (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        task TEXT,
        requested TEXT,
        route TEXT,
        model TEXT,
        reason TEXT,
        status INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        model_latency_ms REAL,
        error_code TEXT,
        domain TEXT,
        input_text TEXT,
        output_text TEXT,
        output_label TEXT,
        decision TEXT
      );
      CREATE INDEX routing_requests_created_at ON routing_requests (created_at);
      CREATE INDEX routing_requests_route_model ON routing_requests (route, model);
      CREATE TABLE routing_feedback (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL REFERENCES routing_requests (id),
        created_at TEXT NOT NULL,
        rating REAL,
        correct INTEGER,
        label TEXT,
        latency_ms REAL,
        reward REAL,
        applied INTEGER NOT NULL DEFAULT 0,
        apply_error TEXT
      );
      CREATE INDEX routing_feedback_request ON routing_feedback (request_id);
      CREATE INDEX routing_feedback_unapplied ON routing_feedback (applied) WHERE applied = 0;
    `,
  },
  {
    version: 2,
    description: "tokens and cost of each answer",
    sql: `
      ALTER TABLE routing_requests ADD COLUMN prompt_tokens INTEGER;
      ALTER TABLE routing_requests ADD COLUMN completion_tokens INTEGER;
      ALTER TABLE routing_requests ADD COLUMN cost_usd REAL;
    `,
  },
  {
    version: 3,
    description: "the session each request named (session affinity, ADR 0054)",
    sql: `
      ALTER TABLE routing_requests ADD COLUMN session TEXT;
      CREATE INDEX routing_requests_session ON routing_requests (session, created_at)
        WHERE session IS NOT NULL;
    `,
  },
  {
    version: 4,
    description: "the request log summed per minute, for the admin side's series (ADR 0073)",
    sql: `
      CREATE TABLE routing_minutes (
        minute INTEGER NOT NULL,
        route TEXT NOT NULL,
        model TEXT NOT NULL,
        requests INTEGER NOT NULL,
        ok INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        cost_usd REAL,
        feedback INTEGER NOT NULL,
        rewards INTEGER NOT NULL,
        reward_sum REAL NOT NULL,
        PRIMARY KEY (minute, route, model)
      ) WITHOUT ROWID;
      CREATE TABLE routing_latency_minutes (
        minute INTEGER NOT NULL,
        route TEXT NOT NULL,
        model TEXT NOT NULL,
        bin INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (minute, route, model, bin)
      ) WITHOUT ROWID;
    `,
    sqlite: SQLITE_MINUTES_SQL,
    postgres: POSTGRES_MINUTES_SQL,
  },
  {
    version: 5,
    description: "the latency bins summed per hour too, for windows of many hours (ADR 0073)",
    sql: `
      CREATE TABLE routing_latency_hours (
        hour INTEGER NOT NULL,
        route TEXT NOT NULL,
        model TEXT NOT NULL,
        bin INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (hour, route, model, bin)
      ) WITHOUT ROWID;
    `,
    sqlite: SQLITE_HOURS_SQL,
    postgres: POSTGRES_HOURS_SQL,
  },
  {
    version: 6,
    description: "the key of the pseudonyms of session and domain names holding personal data",
    sql: "CREATE TABLE routing_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
  },
  {
    version: 7,
    description:
      "what each request's classification steps' model calls cost, and its sums per minute (ADR 0091)",
    sql: `
      ALTER TABLE routing_requests ADD COLUMN classification_tokens INTEGER;
      ALTER TABLE routing_requests ADD COLUMN classification_cost_usd REAL;
      ALTER TABLE routing_minutes ADD COLUMN classification_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE routing_minutes ADD COLUMN classification_cost_usd REAL;
    `,
    sqlite: SQLITE_CLASSIFICATION_MINUTES_SQL,
    postgres: POSTGRES_CLASSIFICATION_MINUTES_SQL,
  },
];

/**
 * The names a session or domain given by an operator may be logged under: its pseudonym when
 * it holds personal data and a server made the pseudonyms' key, and the name as written
 * (a server with redaction off keeps it so).
 */
export function storedNames(database: StateDatabase, name: string): [string, string] {
  if (!findsPersonalData(name)) return [name, name];
  let key: Buffer | undefined;
  try {
    key = storedPseudonymKey(database);
  } catch {
    // A log from before the pseudonyms (routing migration 6) holds names as written.
    key = undefined;
  }
  return key === undefined ? [name, name] : [pseudonymOf(name, key), name];
}

const findsPersonalData = createPersonalDataTest();

/** The row of `routing_secrets` that holds the pseudonyms' key. */
const PSEUDONYM_KEY_NAME = "name-pseudonyms";

/** The pseudonyms' key, if a server has made it. */
function storedPseudonymKey(database: StateDatabase): Buffer | undefined {
  const row = database
    .prepare("SELECT value FROM routing_secrets WHERE name = ?")
    .get(PSEUDONYM_KEY_NAME) as { value: string } | undefined;
  return row === undefined ? undefined : Buffer.from(row.value, "base64");
}

export interface RequestLogRow {
  id: string;
  createdAt: string;
  /** `chat.completions`, `embeddings`, `tasks`. */
  endpoint: string;
  task: string | null;
  requested: string | null;
  route: string | null;
  model: string | null;
  reason: string | null;
  status: number;
  latencyMs: number;
  modelLatencyMs: number | null;
  errorCode: string | null;
  domain: string | null;
  inputText: string | null;
  outputText: string | null;
  /** The top label of a classification answer, to score `label` feedback. */
  outputLabel: string | null;
  /** Tokens the model read and wrote, when its server said (OpenAI's `usage`). */
  promptTokens: number | null;
  completionTokens: number | null;
  /** What the answer cost in US dollars: the tokens at the model's declared `price`. */
  costUsd: number | null;
  /** The session the request named (`x-modelscout-session`, ADR 0054); absent or null: none. */
  session?: string | null;
  /**
   * Tokens read and written by the request's classification steps' model calls that reported
   * them (ADR 0090, 0091): a batch item's own, any other request's steps. Absent or null: no
   * step reported any (rules, a local encoder), or the row predates them.
   */
  classificationTokens?: number | null;
  /** What those calls cost in US dollars, of steps whose model declares a `price`. */
  classificationCostUsd?: number | null;
  /**
   * The decision as JSON, in its wire form (`server/decision-wire.ts`: the answer's
   * `modelscout` field). Rows logged before 2026-11-30 hold the `RoutingDecision` itself;
   * `loggedDecisionBody` reads both.
   */
  decision: string | null;
}

export interface FeedbackInput {
  requestId: string;
  createdAt: string;
  rating: number | null;
  correct: boolean | null;
  label: string | null;
  latencyMs: number | null;
  reward: number | null;
}

export interface FeedbackRow extends FeedbackInput {
  id: number;
  applied: boolean;
  applyError: string | null;
}

export interface RoutingStoreOptions {
  /** How long a row may wait before the background writer starts. Default 20 ms. */
  flushIntervalMs?: number;
  /**
   * Rows per background transaction. Default 32 on the main thread (a request waits behind at
   * most one such transaction), 128 in the worker (only a feedback write can wait for its
   * lock, about 1 ms; bigger transactions rewrite the table's and indexes' last pages less
   * often: 23-28 -> 19-21 us of CPU per row in `bench/request-log-rows.ts`).
   */
  chunkRows?: number;
  /**
   * Where request rows are written: `worker` (default for a database file: a worker thread
   * with its own connection) or `main-thread` (always for an in-memory database).
   */
  writer?: "worker" | "main-thread";
  /**
   * The worker's scheduling class: `idle` (default) runs it under Linux's `SCHED_IDLE` where
   * the process may later raise it again (`state/thread-priority.ts`), so the event loop
   * never waits for a CPU behind a batch; `normal` leaves it as it starts.
   */
  writerPriority?: "idle" | "normal";
}

interface RawRequestRow {
  id: string;
  created_at: string;
  endpoint: string;
  task: string | null;
  requested: string | null;
  route: string | null;
  model: string | null;
  reason: string | null;
  status: number;
  latency_ms: number;
  model_latency_ms: number | null;
  error_code: string | null;
  domain: string | null;
  input_text: string | null;
  output_text: string | null;
  output_label: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  session: string | null;
  classification_tokens: number | null;
  classification_cost_usd: number | null;
  decision: string | null;
}

interface RawFeedbackRow {
  id: number;
  request_id: string;
  created_at: string;
  rating: number | null;
  correct: number | null;
  label: string | null;
  latency_ms: number | null;
  reward: number | null;
  applied: number;
  apply_error: string | null;
}

function fromRawRequest(row: RawRequestRow): RequestLogRow {
  return {
    id: row.id,
    createdAt: row.created_at,
    endpoint: row.endpoint,
    task: row.task,
    requested: row.requested,
    route: row.route,
    model: row.model,
    reason: row.reason,
    status: row.status,
    latencyMs: row.latency_ms,
    modelLatencyMs: row.model_latency_ms,
    errorCode: row.error_code,
    domain: row.domain,
    inputText: row.input_text,
    outputText: row.output_text,
    outputLabel: row.output_label,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    costUsd: row.cost_usd,
    session: row.session,
    classificationTokens: row.classification_tokens,
    classificationCostUsd: row.classification_cost_usd,
    decision: row.decision,
  };
}

function fromRawFeedback(row: RawFeedbackRow): FeedbackRow {
  return {
    id: row.id,
    requestId: row.request_id,
    createdAt: row.created_at,
    rating: row.rating,
    correct: row.correct === null ? null : row.correct === 1,
    label: row.label,
    latencyMs: row.latency_ms,
    reward: row.reward,
    applied: row.applied === 1,
    applyError: row.apply_error,
  };
}

/** Queued rows past which `logRequest` writes synchronously (the disk is not keeping up). */
const MAX_QUEUED_ROWS = 20_000;

/** The columns of a request row, in `requestValues` order (the decision last). */
const REQUEST_COLUMNS = [
  "id",
  "created_at",
  "endpoint",
  "task",
  "requested",
  "route",
  "model",
  "reason",
  "status",
  "latency_ms",
  "model_latency_ms",
  "error_code",
  "domain",
  "input_text",
  "output_text",
  "output_label",
  "prompt_tokens",
  "completion_tokens",
  "cost_usd",
  "session",
  "classification_tokens",
  "classification_cost_usd",
  "decision",
] as const;

/**
 * Inserts `rows` request rows (positional values, `requestValues` order); a row logged again
 * (a batch written but never confirmed, written twice) replaces the first, and is not summed
 * into its minute again (an upsert's update fires no insert trigger). One statement for
 * many rows is what PostgreSQL's background writes use (a round trip per statement).
 */
export function insertRequestsSql(rows: number): string {
  let sql = insertSqlByRows.get(rows);
  if (sql === undefined) {
    sql = buildInsertRequestsSql(rows);
    insertSqlByRows.set(rows, sql);
  }
  return sql;
}

const insertSqlByRows = new Map<number, string>();

function buildInsertRequestsSql(rows: number): string {
  const placeholders = `(${REQUEST_COLUMNS.map(() => "?").join(", ")})`;
  return `INSERT INTO routing_requests (${REQUEST_COLUMNS.join(", ")})
   VALUES ${Array.from({ length: rows }, () => placeholders).join(", ")}
   ON CONFLICT (id) DO UPDATE SET ${REQUEST_COLUMNS.slice(1)
     .map((column) => `${column} = excluded.${column}`)
     .join(", ")}`;
}

/** Positional: the values of a row in `requestValues` order (the decision last). */
const INSERT_REQUEST_SQL = insertRequestsSql(1);

/** The input and output columns in `valuesBeforeDecision`, as `RecordBatch.append`'s mask. */
const LOGGED_TEXTS_MASK =
  (1 << REQUEST_COLUMNS.indexOf("input_text")) | (1 << REQUEST_COLUMNS.indexOf("output_text"));

/**
 * A request's input and output as they came, for the store to redact and clip before it
 * writes them (`RoutingStore.redactTextsInWriter`).
 */
export interface UnredactedTexts {
  input: string | null;
  output: string | null;
}

/** A row's columns but the decision, in `INSERT_REQUEST_SQL` order. */
function valuesBeforeDecision(row: RequestLogRow): ColumnValue[] {
  return [
    row.id,
    row.createdAt,
    row.endpoint,
    row.task,
    row.requested,
    row.route,
    row.model,
    row.reason,
    row.status,
    row.latencyMs,
    row.modelLatencyMs,
    row.errorCode,
    row.domain,
    row.inputText,
    row.outputText,
    row.outputLabel,
    row.promptTokens,
    row.completionTokens,
    row.costUsd,
    row.session ?? null,
    row.classificationTokens ?? null,
    row.classificationCostUsd ?? null,
  ];
}

function requestValues(row: RequestLogRow): ColumnValue[] {
  const values = valuesBeforeDecision(row);
  values.push(row.decision);
  return values;
}

/** The row a record of `requestValues` holds (a batch the worker never confirmed). */
function rowFromValues(values: ColumnValue[]): RequestLogRow {
  const text = (index: number) => values[index] as string;
  const textOrNull = (index: number) => values[index] as string | null;
  return {
    id: text(0),
    createdAt: text(1),
    endpoint: text(2),
    task: textOrNull(3),
    requested: textOrNull(4),
    route: textOrNull(5),
    model: textOrNull(6),
    reason: textOrNull(7),
    status: values[8] as number,
    latencyMs: values[9] as number,
    modelLatencyMs: values[10] as number | null,
    errorCode: textOrNull(11),
    domain: textOrNull(12),
    inputText: textOrNull(13),
    outputText: textOrNull(14),
    outputLabel: textOrNull(15),
    promptTokens: values[16] as number | null,
    completionTokens: values[17] as number | null,
    costUsd: values[18] as number | null,
    session: textOrNull(19),
    classificationTokens: values[20] as number | null,
    classificationCostUsd: values[21] as number | null,
    decision: textOrNull(22),
  };
}

/**
 * A batch's first size: a little over what the last one took, so it rarely has to grow,
 * rounded up to a power of two, so that a reused batch fits the next one while traffic
 * holds steady (the writer hands back batches at least this large).
 */
function nextBatchBytes(last: RecordBatch): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, last.byteLength * 1.25)));
}

/** Rows per statement on PostgreSQL: 23 parameters each, under its 65,535 per statement. */
const POSTGRES_INSERT_ROWS = 500;

/**
 * Request-log statements the PostgreSQL bridge may hold uncommitted before a flush waits for
 * them: about 20 s of traffic at one statement per 20 ms flush (while the server is away).
 */
const POSTGRES_MAX_OUTSTANDING = 1000;

/** Rows per worker transaction unless `chunkRows` says otherwise. */
const WORKER_CHUNK_ROWS = 128;

/** How long a lookup waits for the writer worker: past the busy timeout of both connections. */
const WORKER_FLUSH_TIMEOUT_MS = 15_000;

interface SessionAnswerRow {
  route: string;
  model: string;
  created_at: string;
}

const SESSION_ANSWER_SQL = `SELECT route, model, created_at FROM routing_requests
       WHERE session = ? AND created_at >= ? AND requested = ? AND task = ?
         AND status < 400 AND route IS NOT NULL AND model IS NOT NULL
       ORDER BY created_at DESC, rowid DESC LIMIT 1`;

function sessionAnswer(row: SessionAnswerRow | undefined): LoggedAnswer | undefined {
  return row === undefined
    ? undefined
    : { route: row.route, model: row.model, atMs: Date.parse(row.created_at) };
}

const SELECT_REQUEST_SQL = "SELECT * FROM routing_requests WHERE id = ?";

/** `RoutingStore.redactTextsInWriter`'s setting, and the same redaction on the main thread. */
interface LogRedaction {
  keep: number;
  /** A text redacted and clipped to `keep` characters (`logTextRedactor`). */
  redact: (text: string) => string;
}

const INPUT_TEXT = REQUEST_COLUMNS.indexOf("input_text");
const OUTPUT_TEXT = REQUEST_COLUMNS.indexOf("output_text");

export class RoutingStore {
  readonly #database: StateDatabase;
  /** Rows for the main-thread writer (no worker, or after it died). */
  readonly #queue: RequestLogRow[] = [];
  /** Rows for the worker, as they are logged (`request-log-records.ts`). */
  #batch: RecordBatch | undefined;
  #batchBytes = 0;
  readonly #chunkRows: number;
  readonly #flushIntervalMs: number;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastFlushError: string | null = null;
  #worker: RequestLogWriter | undefined;
  /** How rows logged with unredacted texts are redacted (`redactTextsInWriter`). */
  #redaction: LogRedaction | undefined;
  /** On PostgreSQL: rows go out on the bridge's background connection (`#post`). */
  readonly #postgres: PostgresStateDatabase | undefined;
  readonly #insertRequest;
  readonly #insertBatch;
  readonly #selectRequest;
  readonly #insertAppliedFeedback;
  readonly #markApplied;
  readonly #selectUnapplied;
  readonly #selectFeedback;
  readonly #selectSessionAnswer;

  constructor(database: StateDatabase, options: RoutingStoreOptions = {}) {
    migrateComponent(database, ROUTING_COMPONENT, ROUTING_MIGRATIONS);
    this.#database = database;
    this.#chunkRows = options.chunkRows ?? 32;
    this.#flushIntervalMs = options.flushIntervalMs ?? 20;
    this.#insertRequest = database.prepare(INSERT_REQUEST_SQL);
    this.#insertBatch = database.transaction((rows: RequestLogRow[]) => {
      for (const row of rows) this.#insertRequest.run(requestValues(row));
    });
    this.#selectRequest = database.prepare(SELECT_REQUEST_SQL);
    this.#insertAppliedFeedback = database.prepare(
      `INSERT INTO routing_feedback (request_id, created_at, rating, correct, label, latency_ms, reward, applied, apply_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.#markApplied = database.prepare(
      "UPDATE routing_feedback SET applied = ?, apply_error = ? WHERE id = ?",
    );
    this.#selectUnapplied = database.prepare(
      "SELECT * FROM routing_feedback WHERE applied = 0 ORDER BY id",
    );
    this.#selectFeedback = database.prepare(
      "SELECT * FROM routing_feedback WHERE request_id = ? ORDER BY id",
    );
    this.#selectSessionAnswer = database.prepare<
      [string, string, string, string],
      SessionAnswerRow
    >(SESSION_ANSWER_SQL);
    this.#postgres = postgresState(database);
    if ((options.writer ?? "worker") === "worker" && hasSqliteFile(database)) {
      this.#worker = new RequestLogWriter({
        path: database.name,
        insertSql: INSERT_REQUEST_SQL,
        chunkRows: options.chunkRows ?? WORKER_CHUNK_ROWS,
        retryMs: this.#flushIntervalMs * 10,
        busyTimeoutMs: database.pragma("busy_timeout", { simple: true }) as number,
        flushTimeoutMs: WORKER_FLUSH_TIMEOUT_MS,
        onError: (message) => {
          this.#lastFlushError = message;
        },
        onExit: (error) => this.#workerDied(error),
        idlePriority: (options.writerPriority ?? "idle") === "idle",
      });
    }
  }

  /**
   * Has the request-log writer thread redact each logged row's input and output, keeping
   * `keep` characters of each as `createPrefixRedactor(config)` does (the writer loads only
   * the types' detectors, `logTextRedactor`), so that rows can be
   * logged with their texts as they came (`logRequest`'s `texts`) and the event loop does not
   * run the redaction (ADR 0085). False, and nothing changes, where there is no writer thread
   * (an in-memory database, PostgreSQL, `writer: "main-thread"`): the caller redacts then.
   * Rows logged before the writer has loaded its redactor (or if it cannot), rows it does not
   * confirm, and rows logged after it has ended are redacted here.
   */
  redactTextsInWriter(config: RedactionConfig | undefined, keep: number): boolean {
    if (this.#worker === undefined || keep <= 0) return false;
    const types = redactedTypes(config);
    this.#redaction = { keep, redact: logTextRedactor(types, keep) };
    this.#worker.redactTexts(types, keep);
    return true;
  }

  /** `row` with `texts` redacted and clipped, for a write on this thread. */
  #redactedRow(row: RequestLogRow, texts: UnredactedTexts): RequestLogRow {
    const { redact } = this.#redaction as LogRedaction;
    const clipped = (text: string | null) => (text === null ? null : redact(text));
    // Rare (the writer thread starting or ended): a copy, as the caller's row also goes to observers.
    return Object.assign({}, row, {
      inputText: clipped(texts.input),
      outputText: clipped(texts.output),
    });
  }

  /** Whether the writer thread now redacts the logged texts (`redactTextsInWriter`, once loaded). */
  get textsRedactedInWriter(): boolean {
    return this.#redaction !== undefined && this.#worker?.redacting === true;
  }

  /**
   * Why the writer thread could not load the redaction `redactTextsInWriter` asked for (the
   * rows are then redacted on this thread, as before it loads), or null; for `/ready`.
   */
  get logRedactionError(): string | null {
    return this.#redaction === undefined ? null : (this.#worker?.redactionError ?? null);
  }

  /** The request-log writer thread's scheduling (`idle`, `normal`, `raised`, ...), for `/ready`. */
  get writerPriority(): string {
    return this.#worker?.priority ?? "main-thread";
  }

  /** Queues a request row; written within about `flushIntervalMs`. */
  logRequest(row: RequestLogRow, texts?: UnredactedTexts): void {
    if (this.#closed) return;
    let queued: number;
    if (texts !== undefined && this.#redaction === undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        "A request row came with unredacted texts, but the store was never told how to redact them (redactTextsInWriter).",
      );
    }
    const worker = this.#worker;
    if (worker !== undefined) {
      this.#batch ??= worker.batch(this.#batchBytes);
      if (texts === undefined) {
        this.#batch.append(valuesBeforeDecision(row), row.decision);
      } else if (!worker.redacting) {
        // Its redactor is not loaded yet (or could not be): redacted here meanwhile.
        const redacted = this.#redactedRow(row, texts);
        this.#batch.append(valuesBeforeDecision(redacted), redacted.decision);
      } else {
        const keep = (this.#redaction as LogRedaction).keep;
        const values = valuesBeforeDecision(row);
        values[INPUT_TEXT] = texts.input === null ? null : cutForPrefix(texts.input, keep);
        values[OUTPUT_TEXT] = texts.output === null ? null : cutForPrefix(texts.output, keep);
        this.#batch.append(values, row.decision, LOGGED_TEXTS_MASK);
      }
      queued = this.#batch.count;
    } else {
      this.#queue.push(texts === undefined ? row : this.#redactedRow(row, texts));
      queued = this.#queue.length;
    }
    // Backpressure: if the disk cannot keep up, write everything now rather than grow forever.
    if (queued >= MAX_QUEUED_ROWS) this.flush();
    else if (this.#timer === undefined && !this.#writing) {
      this.#timer = setTimeout(() => this.#writeInBackground(), this.#flushIntervalMs).unref();
    }
  }

  /** The last background write failure (rows are kept and retried), for `/ready`. */
  get lastFlushError(): string | null {
    return this.#lastFlushError;
  }

  /**
   * With the worker: posts the queue to it. On the main thread: writes up to `chunkRows` rows,
   * then yields to the event loop (`setImmediate`) before the next chunk, so a request never
   * waits behind more than one small transaction. One transaction of 300 rows took 4.6 ms
   * (p50) on the project machine at 5,000 requests/s, which showed up directly as tail
   * latency.
   */
  #writeInBackground(): void {
    this.#timer = undefined;
    this.#writing = false;
    if (this.#worker !== undefined) {
      this.#postToWorker(this.#worker);
      return;
    }
    if (this.#queue.length === 0) return;
    if (this.#postgres !== undefined) {
      this.#postQueue(this.#postgres);
      return;
    }
    try {
      this.#write(this.#queue.splice(0, this.#chunkRows));
      this.#lastFlushError = null;
    } catch (error) {
      // A timer callback must not throw (it would end the process); retry later.
      this.#lastFlushError = (error as Error).message;
      this.#timer = setTimeout(() => this.#writeInBackground(), this.#flushIntervalMs * 10).unref();
      return;
    }
    if (this.#queue.length > 0) {
      this.#writing = true;
      setImmediate(() => this.#writeInBackground());
    }
  }

  /** Writes every queued row now (in one transaction, or by the worker); throws if it cannot. */
  flush(): void {
    if (this.#postgres !== undefined) {
      this.#postQueue(this.#postgres);
      try {
        this.#postgres.drain();
        this.#lastFlushError = null;
      } catch (error) {
        // The bridge keeps the rows and goes on trying; a lookup cannot wait for that.
        this.#lastFlushError = (error as Error).message;
        throw new ModelScoutError(
          "STORE_UNAVAILABLE",
          `Could not write the request log to the state database: ${(error as Error).message}`,
          { cause: error, isRetryable: true },
        );
      }
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#worker !== undefined) {
      this.#postToWorker(this.#worker);
      this.#worker.flush();
      return;
    }
    if (this.#queue.length === 0) return;
    this.#write(this.#queue.splice(0, this.#queue.length));
  }

  /** PostgreSQL: hands every queued row to the bridge now, its timer no longer due. */
  #postQueue(database: PostgresStateDatabase): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#post(database, this.#queue.splice(0, this.#queue.length));
  }

  /**
   * PostgreSQL: hands the rows to the bridge's background connection, one multi-row statement
   * per `POSTGRES_INSERT_ROWS`, without waiting (a round trip per row would cost the event
   * loop); the bridge retries a failed write until it commits, and `flush` waits for them.
   */
  #post(database: PostgresStateDatabase, rows: RequestLogRow[]): void {
    for (let start = 0; start < rows.length; start += POSTGRES_INSERT_ROWS) {
      const chunk = rows.slice(start, start + POSTGRES_INSERT_ROWS);
      database.post(insertRequestsSql(chunk.length), chunk.flatMap(requestValues));
    }
    // Backpressure: while PostgreSQL is unreachable the bridge keeps retrying what it holds;
    // past this many statements, wait for it rather than grow without bound.
    if (database.outstandingPosts >= POSTGRES_MAX_OUTSTANDING) {
      try {
        database.drain();
      } catch (error) {
        this.#lastFlushError = (error as Error).message;
      }
    }
  }

  /** Hands the batch to the worker (it writes it in `chunkRows` transactions). */
  #postToWorker(worker: RequestLogWriter): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    this.#batchBytes = nextBatchBytes(batch);
    worker.post(batch);
    // Backpressure: if the disk cannot keep up, wait for it rather than grow forever.
    if (worker.unconfirmedRows >= MAX_QUEUED_ROWS) {
      try {
        worker.flush();
      } catch (error) {
        this.#lastFlushError = (error as Error).message;
      }
    }
  }

  /** The worker ended unexpectedly: its unconfirmed rows go back to the queue, written here. */
  #workerDied(error: Error): void {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    this.#takeBack(worker);
    this.#lastFlushError = `request-log writer thread ended (${error.message}); writing on the main thread`;
    if (this.#queue.length > 0 && this.#timer === undefined && !this.#writing) {
      this.#timer = setTimeout(() => this.#writeInBackground(), this.#flushIntervalMs).unref();
    }
  }

  /**
   * The rows the worker never confirmed, and those not yet posted to it, go back to the
   * main-thread queue, oldest first (before any row logged since).
   */
  #takeBack(worker: RequestLogWriter): void {
    const rows: RequestLogRow[] = [];
    const batches = worker.takeUnconfirmed().map(({ batch }) => batch);
    if (this.#batch !== undefined) batches.push(this.#batch);
    this.#batch = undefined;
    for (const batch of batches) {
      for (const values of readRecords(batch.memory, batch.byteLength, this.#redaction?.redact)) {
        rows.push(rowFromValues(values));
      }
    }
    this.#queue.unshift(...rows);
  }

  #write(rows: RequestLogRow[]): void {
    try {
      // Only this batch skips the fsync.
      withoutSync(this.#database, () => this.#insertBatch(rows));
    } catch (error) {
      // Keep the rows for the next write rather than losing them to a busy database.
      this.#queue.unshift(...rows);
      throw new ModelScoutError(
        "STORE_UNAVAILABLE",
        `Could not write ${rows.length} request log rows to the state database: ${(error as Error).message}`,
        { cause: error, isRetryable: true },
      );
    }
  }

  findRequest(id: string): RequestLogRow | null {
    this.flush();
    const row = this.#selectRequest.get(id) as RawRequestRow | undefined;
    return row === undefined ? null : fromRawRequest(row);
  }

  /**
   * `findRequest` for the request path (a feedback's lookup): on PostgreSQL the queue is
   * posted and the row read after it is committed, awaited rather than blocking the server
   * (ADR 0070); on a file it is `findRequest`.
   */
  lookupRequest(id: string): RequestLogRow | null | Promise<RequestLogRow | null> {
    if (this.#postgres === undefined) return this.findRequest(id);
    this.#postQueue(this.#postgres);
    return this.#postgres
      .readRows(SELECT_REQUEST_SQL, [id], { afterPosts: true })
      .then((rows) =>
        rows[0] === undefined ? null : fromRawRequest(rows[0] as unknown as RawRequestRow),
      );
  }

  /**
   * The rows `sql` reads (positional parameters), with `afterLogged` once the rows logged so
   * far are written (the admin side's series; its later pages need not wait again): on
   * PostgreSQL awaited rather than blocking the server (ADR 0070); on a file after `flush()`.
   */
  async readLogged(
    sql: string,
    values: readonly unknown[],
    afterLogged = true,
  ): Promise<Record<string, unknown>[]> {
    if (!afterLogged) return readLater(this.#database, sql, values);
    if (this.#postgres === undefined) {
      this.flush();
      return this.#database.prepare(sql).all(...values) as Record<string, unknown>[];
    }
    this.#postQueue(this.#postgres);
    return this.#postgres.readRows(sql, values, { afterPosts: true });
  }

  /**
   * The key of the pseudonyms of names holding personal data (`privacy/name-pseudonyms.ts`):
   * made by the first server that needs it, then the same for every server on this state.
   */
  pseudonymKey(): Buffer {
    this.#database
      .prepare("INSERT INTO routing_secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING")
      .run(PSEUDONYM_KEY_NAME, randomBytes(32).toString("base64"));
    return storedPseudonymKey(this.#database) as Buffer;
  }

  /**
   * The requests that named `session` (`x-modelscout-session`), oldest first, at most `limit`.
   * A session named with personal data (an email) is logged under its pseudonym
   * (`privacy/name-pseudonyms.ts`), and found by either.
   */
  sessionRequests(session: string, limit = 200): RequestLogRow[] {
    this.flush();
    return (
      this.#database
        .prepare(
          "SELECT * FROM routing_requests WHERE session IN (?, ?) ORDER BY created_at, rowid LIMIT ?",
        )
        .all(...storedNames(this.#database, session), limit) as RawRequestRow[]
    ).map(fromRawRequest);
  }

  /**
   * The route and model of the session's last answered request (status under 400) for the
   * model asked for and the task, logged at or after `sinceMs`; `undefined` when there is none.
   * Reads what is written, without flushing this server's queue: it serves the router's
   * session affinity on the request path (`SharedSessionLog`), where this server's own
   * answers are in its memory already.
   */
  lastSessionAnswer(
    session: string,
    requested: string,
    task: string,
    sinceMs: number,
  ): LoggedAnswer | undefined | Promise<LoggedAnswer | undefined> {
    const values = [session, new Date(sinceMs).toISOString(), requested, task] as const;
    // On PostgreSQL a round trip, which the request awaits rather than blocks the server on.
    if (this.#postgres !== undefined) {
      return this.#postgres
        .readRows(SESSION_ANSWER_SQL, values)
        .then((rows) => sessionAnswer(rows[0] as SessionAnswerRow | undefined));
    }
    return sessionAnswer(this.#selectSessionAnswer.get(...values));
  }

  /** Stores feedback durably (committed when this returns) and gives its id. */
  recordFeedback(
    feedback: FeedbackInput,
    applied = false,
    applyError: string | null = null,
  ): number {
    this.flush();
    return this.insertFeedback(feedback, applied, applyError)();
  }

  /**
   * What must happen before a write transaction that takes the state's write lock: with the
   * SQLite writer thread, the queued rows are written first, because that thread needs the
   * same lock. On PostgreSQL the request log's connection takes no lock, so nothing is waited
   * for.
   */
  beforeWriteLock(): void {
    if (this.#postgres === undefined) this.flush();
  }

  /**
   * Stores one feedback, applied or not (with the learner's error), without
   * flushing the request log first: for a caller inside a write transaction (the learner's,
   * ADR 0069), where the log's writer thread could not take the write lock to flush. The
   * caller flushes before (`recordFeedback` does both, outside one). Gives the feedback's id,
   * to be read once the transaction is done (on PostgreSQL it comes back with its end, ADR
   * 0070).
   */
  insertFeedback(
    feedback: FeedbackInput,
    applied: boolean,
    applyError: string | null,
  ): () => number {
    const inserted = getLater(
      this.#insertAppliedFeedback,
      feedback.requestId,
      feedback.createdAt,
      feedback.rating,
      feedback.correct === null ? null : feedback.correct ? 1 : 0,
      feedback.label,
      feedback.latencyMs,
      feedback.reward,
      applied ? 1 : 0,
      applyError,
    );
    return () => (inserted() as { id: number }).id;
  }

  markFeedbackApplied(id: number, error: string | null): void {
    this.#markApplied.run(error === null ? 1 : 0, error, id);
  }

  unappliedFeedback(): FeedbackRow[] {
    return (this.#selectUnapplied.all() as RawFeedbackRow[]).map(fromRawFeedback);
  }

  feedbackFor(requestId: string): FeedbackRow[] {
    return (this.#selectFeedback.all(requestId) as RawFeedbackRow[]).map(fromRawFeedback);
  }

  /** Flushes and stops queuing; the database stays open (its owner closes it). */
  close(): void {
    const worker = this.#worker;
    if (worker !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#postToWorker(worker);
      this.#worker = undefined;
      try {
        worker.close();
      } catch {
        // Whatever the worker could not write is written below (or the error thrown there).
      }
      this.#takeBack(worker);
    }
    this.flush();
    this.#closed = true;
  }
}
