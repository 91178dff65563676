/**
 * @module
 * The request log and its feedback as selection sample data (ADR 0056): each logged task
 * request whose feedback says what the answer should have been becomes one JSONL item,
 * `{"text", "label"}` as `select/sample-data.ts` reads them by default, with where it came
 * from beside it. `modelscout requests export` writes them, so a route's model can be chosen
 * again, among new candidates too, on what its users actually sent, labelled by what they
 * said (the product's loop: route, feedback, select again, and the server follows the new
 * decision, ADR 0048).
 *
 * What an item's label is, from the request's latest feedback that gives a `label` or a
 * `correct` (a later one replaces an earlier one, as it does for the learner):
 * - a `label`: that label (the true class, as `/v1/feedback` defines it);
 * - `correct: true`: the answer itself, its top label for a classifier, its text for a
 *   generation task (a reference answer the user accepted) when the log kept it whole;
 * - `correct: false` without a label, a rating alone, or no feedback: no label. Such
 *   requests are left out unless unlabelled items are asked for; the result counts those
 *   that feedback called wrong, because leaving them out keeps the served model's successes
 *   and drops its failures, which favours it in a new selection.
 *
 * What it cannot give: the log keeps each text redacted (personal data replaced by
 * placeholders) and cut to `server.log_text_chars`, so an input that long may have been cut
 * and is left out (counted); images and sounds are logged as a description, so their tasks
 * cannot be exported; chat requests are logged as their last user message, not the
 * conversation, so only `/v1/tasks/<task>` requests are read; nor zero-shot classification,
 * whose candidate labels are not logged. The same input twice is one item, the latest
 * labelled one.
 *
 * The log is read in chunks (`chunkRows`), each after the last row of the one before, by
 * time and then log order: a long log is never one statement's answer, which on PostgreSQL
 * arrives whole (ADR 0068).
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import { taskFamily } from "../select/metrics/metric-registry.js";
import type { StateDatabase } from "../state/state-database.js";
import type { TaskId } from "../tasks/resolve-task.js";
import { taskInputKind } from "../tasks/task-input-kind.js";
import { storedNames } from "./routing-store.js";

export interface RequestLogExportOptions {
  task: TaskId;
  /** Only requests routed to this route. */
  route?: string;
  /**
   * Only requests of this domain (`x-modelscout-domain`, or the request's language on a
   * target with a language step, ADR 0058).
   */
  domain?: string;
  /** ISO times: requests created at or after `from` and before `to`. */
  from?: string;
  to?: string;
  /** The most recent `limit` items (after duplicates are merged), still oldest first. */
  limit?: number;
  /** Also requests without a label, as items whose label is null. */
  includeUnlabelled?: boolean;
  /**
   * Rows read per statement (default 2000): the log is read in chunks, each after the last
   * row of the one before, so neither database holds the whole window's rows at once (on
   * PostgreSQL a statement's rows all come back together).
   */
  chunkRows?: number;
  /**
   * The server's `server.log_text_chars` (2000 by default): a logged text this long may have
   * been cut, so it is not used as an input or a reference answer.
   */
  logTextChars: number;
}

export interface ExportedItem {
  text: string;
  label: string | null;
  /** Where the label came from: the feedback's `label`, or the answer feedback called correct. */
  label_from: "label" | "correct" | null;
  request_id: string;
  created_at: string;
  route: string | null;
  model: string | null;
}

export interface RequestLogExport {
  items: ExportedItem[];
  /** Logged requests of the task (and route, and window) that were read. */
  read: number;
  /**
   * Requests of the task (route, domain, window) that came through the chat, completions or
   * responses endpoints: never exported, since the log keeps a chat's last user message, not
   * the conversation. Counted so that an export with none to give can say why.
   */
  otherEndpoints: number;
  left: {
    /** Feedback said the answer was wrong but gave no label (the served model's failures). */
    wrongWithoutLabel: number;
    /** No feedback with a label or `correct`, and unlabelled items were not asked for. */
    unlabelled: number;
    /** The log kept no input text (`server.log_text_chars: 0`). */
    noText: number;
    /** The input, or the accepted answer used as the label, was as long as the log keeps. */
    possiblyCut: number;
    /** Another request with the same input (the latest labelled one is kept). */
    duplicates: number;
    /** Of those, duplicates whose label differed from the kept one's. */
    conflicting: number;
    /** Past `limit`. */
    pastLimit: number;
  };
}

/** Tasks whose requests the log keeps too little of to be sample data again. */
const NOT_EXPORTABLE: Partial<Record<TaskId, string>> = {
  "zero-shot-classification":
    "zero-shot requests name their candidate labels, and the request log does not keep them",
};

/** The requests an export reads: the task's, on `/v1/tasks`, in the window, route and domain. */
const REQUESTS_READ = `r.endpoint = 'tasks' AND r.task = @task
    AND r.created_at >= @from AND r.created_at < @to
    AND (CAST(@route AS TEXT) IS NULL OR r.route = @route)
    AND (CAST(@domain AS TEXT) IS NULL OR r.domain = @domain OR r.domain = @domainAsWritten)`;

/**
 * The parameters of `REQUESTS_READ`. A domain named with personal data is logged under its
 * pseudonym (`storedNames`), and found by either.
 */
function readParameters(database: StateDatabase, options: RequestLogExportOptions) {
  const [domain, domainAsWritten] =
    options.domain === undefined ? [null, null] : storedNames(database, options.domain);
  return {
    task: options.task,
    from: options.from ?? "",
    to: options.to ?? "9999",
    route: options.route ?? null,
    domain,
    domainAsWritten,
  };
}

/**
 * One chunk: the requests after (`@afterAt`, `@afterRow`) in log order, each with its latest
 * feedback that gives a label or `correct` (found through the feedback's request index).
 */
const EXPORT_SQL = `
  SELECT r.rowid AS log_row, r.id, r.created_at, r.route, r.model, r.input_text, r.output_text,
    r.output_label, f.label AS feedback_label, f.correct AS feedback_correct
  FROM routing_requests r
  LEFT JOIN routing_feedback f ON f.id = (
    SELECT MAX(g.id) FROM routing_feedback g
    WHERE g.request_id = r.id AND (g.label IS NOT NULL OR g.correct IS NOT NULL))
  WHERE ${REQUESTS_READ}
    AND (@unlabelled = 1 OR f.id IS NOT NULL)
    AND (r.created_at > @afterAt OR (r.created_at = @afterAt AND r.rowid > @afterRow))
  ORDER BY r.created_at, r.rowid
  LIMIT @chunkRows`;

const DEFAULT_CHUNK_ROWS = 2000;

interface ExportRow {
  log_row: number;
  id: string;
  created_at: string;
  route: string | null;
  model: string | null;
  input_text: string | null;
  output_text: string | null;
  output_label: string | null;
  feedback_label: string | null;
  feedback_correct: number | null;
}

/** Reads the labelled requests of one task from the request log (see the module comment). */
export function exportRequestLog(
  database: StateDatabase,
  options: RequestLogExportOptions,
): RequestLogExport {
  const task = options.task;
  const why =
    taskInputKind(task) !== "text"
      ? `its inputs are ${taskInputKind(task)}s, which the request log keeps as a description, not the file`
      : NOT_EXPORTABLE[task];
  if (why !== undefined) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Requests of ${task} cannot be exported as sample data: ${why}.`,
      { details: { task } },
    );
  }
  const family = taskFamily(task);
  const left: RequestLogExport["left"] = {
    wrongWithoutLabel: 0,
    unlabelled: 0,
    noText: 0,
    possiblyCut: 0,
    duplicates: 0,
    conflicting: 0,
    pastLimit: 0,
  };
  const whole = (text: string) => text.length < options.logTextChars;
  if (!options.includeUnlabelled) {
    left.unlabelled = countUnlabelled(database, options);
  }
  // Keyed by input, in insertion order; a later request with the same input replaces it.
  const byInput = new Map<string, ExportedItem>();
  let read = left.unlabelled;
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!(Number.isInteger(chunkRows) && chunkRows > 0)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `chunkRows must be a whole number above 0 (got ${chunkRows}).`,
      { details: { chunkRows } },
    );
  }
  const statement = database.prepare(EXPORT_SQL);
  const parameters = {
    unlabelled: options.includeUnlabelled === true ? 1 : 0,
    ...readParameters(database, options),
    chunkRows,
  };
  /** One request: an item, a replaced one, or a count of why it was left out. */
  function take(row: ExportRow): void {
    if (row.input_text === null) {
      left.noText += 1;
      return;
    }
    if (!whole(row.input_text)) {
      left.possiblyCut += 1;
      return;
    }
    let label: string | null = null;
    let from: ExportedItem["label_from"] = null;
    if (row.feedback_label !== null) {
      label = row.feedback_label;
      from = "label";
    } else if (row.feedback_correct === 1) {
      const answer =
        family === "classification"
          ? row.output_label
          : family === "generation" || family === "ocr" || family === "speech"
            ? row.output_text
            : null;
      if (answer !== null && family !== "classification" && !whole(answer)) {
        left.possiblyCut += 1;
        return;
      }
      label = answer;
      from = answer === null ? null : "correct";
    } else if (row.feedback_correct === 0 && options.includeUnlabelled !== true) {
      left.wrongWithoutLabel += 1;
      return;
    }
    if (label === null && options.includeUnlabelled !== true) {
      left.unlabelled += 1;
      return;
    }
    const earlier = byInput.get(row.input_text);
    if (earlier !== undefined) {
      left.duplicates += 1;
      // An unlabelled repeat does not replace a labelled item.
      if (label === null && earlier.label !== null) return;
      if (earlier.label !== null && earlier.label !== label) left.conflicting += 1;
      // Deleted first, so the map stays in the order of each kept item's time.
      byInput.delete(row.input_text);
    }
    byInput.set(row.input_text, {
      text: row.input_text,
      label,
      label_from: from,
      request_id: row.id,
      created_at: row.created_at,
      route: row.route,
      model: row.model,
    });
  }
  let afterAt = "";
  let afterRow = 0;
  for (;;) {
    const rows = statement.all(Object.assign({}, parameters, { afterAt, afterRow })) as ExportRow[];
    for (const row of rows) {
      read += 1;
      take(row);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < chunkRows) break;
    afterAt = last.created_at;
    afterRow = last.log_row;
  }
  let items = [...byInput.values()];
  if (options.limit !== undefined && items.length > options.limit) {
    left.pastLimit = items.length - options.limit;
    items = items.slice(items.length - options.limit);
  }
  return { items, read, left, otherEndpoints: countOtherEndpoints(database, options) };
}

/** Requests of the task, route, domain and window logged from endpoints other than /v1/tasks. */
function countOtherEndpoints(database: StateDatabase, options: RequestLogExportOptions): number {
  const row = database
    .prepare(
      `SELECT COUNT(*) AS count FROM routing_requests r
       WHERE ${REQUESTS_READ.replace("r.endpoint = 'tasks'", "r.endpoint <> 'tasks'")}`,
    )
    .get(readParameters(database, options)) as { count: number };
  return row.count;
}

/** Requests of the window with no feedback giving a label or `correct` (not read one by one). */
function countUnlabelled(database: StateDatabase, options: RequestLogExportOptions): number {
  const row = database
    .prepare(
      `SELECT COUNT(*) AS count FROM routing_requests r
       WHERE ${REQUESTS_READ}
         AND NOT EXISTS (
           SELECT 1 FROM routing_feedback f
           WHERE f.request_id = r.id AND (f.label IS NOT NULL OR f.correct IS NOT NULL))`,
    )
    .get(readParameters(database, options)) as { count: number };
  return row.count;
}

/** The items as JSONL, one per line, the form `select`'s `data.path` reads. */
export function exportedJsonl(items: readonly ExportedItem[]): string {
  return items.map((item) => `${JSON.stringify(item)}\n`).join("");
}
