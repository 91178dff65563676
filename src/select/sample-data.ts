/**
 * @module
 * Reading the user's sample data (the `data` block of a task spec): a JSONL or CSV file of
 * inputs with optional labels, the column mapping and the label mapping applied, into
 * `SampleData` items that keep the line number each came from, so every later complaint
 * ("line 42 was mislabelled") can point back into the user's file.
 *
 * Policy on malformed rows: by default the load FAILS, listing up to 10 bad lines with what
 * is wrong on each, because silently probing on fewer rows than the user gave would change
 * the decision without saying so. `onMalformedRow: "skip"` (the task spec's
 * `data.on_malformed_row`) keeps the good rows and reports
 * every skipped line in `skipped`. Problems with the file as a whole (missing, empty,
 * unknown format, a CSV without the input column, an unclosed CSV quote) always fail.
 * The file is UTF-8 (a byte order mark skipped; a UTF-16 one read as UTF-16) unless the spec's
 * `data.encoding` names another; bytes that are not UTF-8 fail the load, naming the line and,
 * when the line reads as Chinese in GB18030 (Excel's CSV in China), saying so.
 * Blank lines are not rows and are ignored. Labels that are numbers or booleans become
 * strings (`1` -> "1") before the label map is applied; an empty label is `null`.
 *
 * A file with more usable rows than `maxRows` is read and checked whole, and a seeded sample
 * of `maxRows` of its rows, spread over the whole file, is kept (in file order): the first
 * rows of a file sorted by label would be mostly one label.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, isAbsolute, resolve } from "node:path";
import { CsvSyntaxError, parseCsv } from "../catalog/snapshot/parse-csv.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { guessDataColumns } from "./guess-data-columns.js";
import { seededRandom } from "./strategies/seeded-random.js";
import type { TaskSpec } from "./task-spec.js";

export type SampleDataSpec = NonNullable<TaskSpec["data"]>;

export interface SampleItem {
  input: string;
  /** The label after the label map, or null when the row has none. */
  label: string | null;
  /** 1-based line in the file where the row starts (CSV rows may span several lines). */
  line: number;
}

export interface SkippedRow {
  line: number;
  reason: string;
}

export interface SampleData {
  /** Absolute path that was read. */
  path: string;
  /** SHA-256 (hex) of the file's bytes as read: what the items came from, whatever the path holds later. */
  sha256: string;
  /** Seed of the sample of `items` when the file had more usable rows than `maxRows`. */
  sampleSeed: number;
  format: "jsonl" | "csv";
  items: SampleItem[];
  /** Distinct labels of the items, sorted. */
  labels: string[];
  /** True when at least one item has a label. */
  hasLabels: boolean;
  /** Rows left out with `onMalformedRow: "skip"` (always empty when failing on them). */
  skipped: SkippedRow[];
  /** Usable rows in the file: more than `items.length` when `items` is a sample of them. */
  rows: number;
  /**
   * The column (CSV) or field (JSONL) the inputs were read from when the spec named none and
   * the file has no `text` one: the one named as inputs are (`sentence`, `review`, `评论`...),
   * else the one text column besides the label's; absent otherwise.
   */
  guessedInputColumn?: string;
  /**
   * The column the labels were read from when the spec named none and the file has no
   * `label` column, but one column named as labels are (`标签`, `sentiment`, `target`...).
   */
  guessedLabelColumn?: string;
}

export interface LoadSampleDataOptions {
  /** Folder a relative `path` is resolved against (the task spec's folder); default: cwd. */
  baseDirectory?: string;
  /** Keep at most this many items: a seeded sample over the whole file when it has more. */
  maxRows?: number;
  /** Seed of that sample. Default 1, so the same file gives the same items. */
  sampleSeed?: number;
  /**
   * `fail` throws listing the bad lines; `skip` keeps going and reports them. Default: the
   * spec's `onMalformedRow` (the task spec's `data.on_malformed_row`), else `fail`.
   */
  onMalformedRow?: "fail" | "skip";
  /**
   * What the error for a missing input column tells the user to do. Default: set
   * `data.columns.input` in the task spec; a caller that read the file some other way (the
   * CLI's `--data`) says what applies there.
   */
  columnsHint?: string;
  /**
   * What the malformed-rows error tells the user to do to leave them out. Default: the task
   * spec's `data.on_malformed_row`; a caller without a task spec names its own way, or none.
   */
  skipHint?: string;
}

const MAX_LISTED_PROBLEMS = 10;

/** Items a selection keeps from its sample data at most (a seeded sample when there are more). */
export const MAX_SAMPLE_ITEMS = 5000;

interface RawRow {
  line: number;
  fields: Record<string, unknown>;
}

/** Reads and validates the sample data named by a task spec's `data` block. */
export async function loadSampleData(
  spec: TaskSpec["data"],
  options: LoadSampleDataOptions = {},
): Promise<SampleData> {
  if (spec === null) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      'Task spec has no data block: add "data": {"path": "samples.jsonl"} pointing at a JSONL or CSV file of inputs',
    );
  }
  const baseDirectory = options.baseDirectory ?? process.cwd();
  const path = isAbsolute(spec.path) ? spec.path : resolve(baseDirectory, spec.path);
  // Read first: a missing file or a folder says so before its extension is judged.
  const bytes = await readBytes(spec.path, path, baseDirectory);
  const format = spec.format ?? formatFromExtension(spec.path);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const text = decodeSampleText(bytes, spec, path);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === "") {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Sample data ${path} is empty: put one input per line (JSONL) or a header and rows (CSV)`,
      { details: { path } },
    );
  }
  const problems: SkippedRow[] = [];
  const csv =
    format === "jsonl"
      ? null
      : csvRows(body, path, spec, options.columnsHint ?? "Set data.columns.input in the task spec");
  const rows = csv === null ? jsonlRows(body, problems) : csv.rows;
  const { inputColumn, labelColumn } = csv ?? jsonlColumns(rows, spec);
  if (rows.length === 0 && problems.length === 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Sample data ${path} has a header but no rows: add at least one row of data`,
      { details: { path } },
    );
  }
  const usable: SampleItem[] = [];
  for (const row of rows) {
    const problem = rowProblem(row, inputColumn, labelColumn);
    if (problem !== null) {
      problems.push({ line: row.line, reason: problem });
      continue;
    }
    const rawLabel = labelText(row.fields[labelColumn]);
    usable.push({
      input: row.fields[inputColumn] as string,
      label: rawLabel === null ? null : (spec.labelMap[rawLabel] ?? rawLabel),
      line: row.line,
    });
  }
  problems.sort((left, right) => left.line - right.line);
  if (problems.length > 0 && (options.onMalformedRow ?? spec.onMalformedRow ?? "fail") === "fail") {
    throw malformedRowsError(path, problems, options.skipHint ?? SPEC_SKIP_HINT);
  }
  if (usable.length === 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Sample data ${path}: no usable rows (${problems.length} skipped as malformed); fix the file`,
      { details: { path, skipped: problems } },
    );
  }
  const sampleSeed = options.sampleSeed ?? 1;
  const items = sampleItems(usable, options.maxRows, sampleSeed);
  const labels = [
    ...new Set(items.flatMap((item) => (item.label === null ? [] : [item.label]))),
  ].sort();
  return {
    path,
    sha256,
    sampleSeed,
    format,
    items,
    labels,
    hasLabels: labels.length > 0,
    skipped: problems,
    rows: usable.length,
    ...(inputColumn !== spec.inputColumn && { guessedInputColumn: inputColumn }),
    ...(labelColumn !== spec.labelColumn && { guessedLabelColumn: labelColumn }),
  };
}

/**
 * A JSONL file's input and label fields: the spec's, or, when it names none and no row has
 * them, the fields `guessDataColumns` finds among the rows' (`{"sentence": ..., "label": 1}`).
 */
function jsonlColumns(
  rows: readonly RawRow[],
  spec: SampleDataSpec,
): { inputColumn: string; labelColumn: string } {
  const fields = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.fields)) fields.add(name);
  return guessDataColumns([...fields], (field) => rows.map((row) => row.fields[field]), spec);
}

/** `maxRows` of the items picked at random by `seed`, in file order; all when there are fewer. */
function sampleItems(items: SampleItem[], maxRows: number | undefined, seed: number) {
  if (maxRows === undefined || items.length <= maxRows) return items;
  const picked = seededRandom(seed)
    .shuffle(items.map((_, index) => index))
    .slice(0, maxRows)
    .sort((left, right) => left - right);
  return picked.map((index) => items[index] as SampleItem);
}

function formatFromExtension(path: string): "jsonl" | "csv" {
  const extension = extname(path).toLowerCase();
  if (extension === ".jsonl" || extension === ".ndjson") return "jsonl";
  if (extension === ".csv") return "csv";
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `Sample data ${path}: cannot tell the format from the extension "${extension}"; name the file .jsonl or .csv, or set data.format to "jsonl" or "csv" in the task spec`,
    { details: { path } },
  );
}

/**
 * The file's text: in the spec's `encoding`, else UTF-16 after its byte order mark, else
 * UTF-8, checked: a GBK file read as UTF-8 would turn every Chinese character into U+FFFD
 * and fail later as a header without the named columns, which says nothing of the cause.
 */
function decodeSampleText(
  bytes: Uint8Array,
  spec: Pick<SampleDataSpec, "encoding">,
  path: string,
): string {
  if (spec.encoding !== undefined) return new TextDecoder(spec.encoding).decode(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    const loose = new TextDecoder("utf-8").decode(bytes);
    const badAt = loose.indexOf("\uFFFD");
    const lineNumber = loose.slice(0, Math.max(0, badAt)).split("\n").length;
    const lineStart = lineByteOffset(bytes, lineNumber);
    const lineEnd = bytes.indexOf(0x0a, lineStart);
    const lineBytes = bytes.subarray(lineStart, lineEnd === -1 ? bytes.length : lineEnd);
    const asGb18030 = new TextDecoder("gb18030").decode(lineBytes).trim();
    const looksChinese = !asGb18030.includes("\uFFFD") && /\p{Script=Han}/u.test(asGb18030);
    const hint = looksChinese
      ? ` Read as GB18030 (GBK, which Excel uses for a CSV saved in Chinese), the line says "${shorten(asGb18030, 60)}": add "encoding": "gb18030" to the data block of the task spec, or save the file as UTF-8 (Excel: "CSV UTF-8"; or iconv -f GB18030 -t UTF-8 in.csv > out.csv).`
      : ' Name its encoding in the data block of the task spec ("encoding": "gb18030", "big5", "shift_jis", "utf-16le"...), or save it as UTF-8.';
    return throwNotUtf8(path, lineNumber, hint, error);
  }
}

function throwNotUtf8(path: string, line: number, hint: string, cause: unknown): never {
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `Sample data ${path} is not UTF-8 text: line ${line} has bytes that are not.${hint}`,
    { cause, details: { path, line } },
  );
}

/** Byte offset where 1-based line `line` starts. */
function lineByteOffset(bytes: Uint8Array, line: number): number {
  let offset = 0;
  for (let current = 1; current < line; current += 1) {
    const newline = bytes.indexOf(0x0a, offset);
    if (newline === -1) return bytes.length;
    offset = newline + 1;
  }
  return offset;
}

function shorten(text: string, maxCharacters: number): string {
  const characters = [...text];
  return characters.length <= maxCharacters
    ? text
    : `${characters.slice(0, maxCharacters - 1).join("")}…`;
}

/** The file's bytes, read once: hashed for the record and decoded for parsing. */
async function readBytes(given: string, path: string, baseDirectory: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      const relativeTo = isAbsolute(given)
        ? ""
        : ` (data.path "${given}" relative to ${baseDirectory})`;
      throw new ModelScoutError(
        "NOT_FOUND",
        `Sample data file not found: ${path}${relativeTo}; check data.path in the task spec (relative paths are resolved from the task spec's folder)`,
        { cause: error, details: { path, given, baseDirectory } },
      );
    }
    if (code === "EISDIR") {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Sample data ${path} is a folder, not a file: name a .jsonl or .csv file in data.path (or --data)`,
        { cause: error, details: { path } },
      );
    }
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Cannot read sample data ${path}: ${(error as Error).message}; check the file's permissions`,
      { cause: error, details: { path } },
    );
  }
}

function jsonlRows(body: string, problems: SkippedRow[]): RawRow[] {
  const rows: RawRow[] = [];
  body.split("\n").forEach((rawLine, index) => {
    const text = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (text.trim() === "") return;
    const line = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      problems.push({ line, reason: `not valid JSON (${(error as Error).message})` });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push({
        line,
        reason: "not a JSON object; each line must be {...} with named fields",
      });
      return;
    }
    rows.push({ line, fields: value as Record<string, unknown> });
  });
  return rows;
}

/**
 * CSV rows with the physical line each starts on. `parseCsv` returns only fields, so the
 * line is recomputed from them: a row ends with one line break, plus any inside its quoted
 * fields (a quoted field keeps its `\r\n` or `\n`, each counting one line).
 */
function csvRows(
  body: string,
  path: string,
  spec: SampleDataSpec,
  columnsHint: string,
): { rows: RawRow[]; inputColumn: string; labelColumn: string } {
  let records: string[][];
  try {
    records = parseCsv(body);
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Sample data ${path}: CSV syntax error on line ${error.line}: ${error.message.replace(/ \(line \d+\)$/, "")}; a field containing quotes, commas or line breaks must be wrapped in double quotes, with inner quotes doubled ("")`,
        { cause: error, details: { path, line: error.line } },
      );
    }
    throw error;
  }
  const [header, ...dataRows] = records;
  if (header === undefined) {
    return { rows: [], inputColumn: spec.inputColumn, labelColumn: spec.labelColumn };
  }
  const columns = header.map((name) => name.trim());
  const { inputColumn, labelColumn } = guessDataColumns(
    columns,
    (column) => dataRows.map((fields) => fields[columns.indexOf(column)]),
    spec,
  );
  if (!columns.includes(inputColumn)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Sample data ${path}: line 1 (the header) has no column "${inputColumn}" for the inputs; the columns are ${columns.map((name) => `"${name}"`).join(", ")}. ${columnsHint}`,
      { details: { path, line: 1, columns, inputColumn, labelColumn } },
    );
  }
  const rows: RawRow[] = [];
  let line = 1 + linesSpanned(header);
  for (const fields of dataRows) {
    const start = line;
    line += linesSpanned(fields);
    if (fields.length === 1 && fields[0] === "") continue;
    if (fields.length !== columns.length) {
      rows.push({
        line: start,
        fields: {
          [malformedMarker]: `has ${fields.length} fields, the header has ${columns.length}`,
        },
      });
      continue;
    }
    const record: Record<string, unknown> = {};
    columns.forEach((name, index) => {
      const value = fields[index] as string;
      // An empty cell is "no value" in CSV: a missing label, not the label "".
      record[name] = value === "" ? null : value;
    });
    rows.push({ line: start, fields: record });
  }
  return { rows, inputColumn, labelColumn };
}

const malformedMarker = Symbol("malformed");

function linesSpanned(fields: string[]): number {
  let breaks = 1;
  for (const field of fields) {
    for (let index = 0; index < field.length; index += 1) {
      const character = field[index];
      if (character === "\n") breaks += 1;
      else if (character === "\r" && field[index + 1] !== "\n") breaks += 1;
    }
  }
  return breaks;
}

function rowProblem(row: RawRow, inputColumn: string, labelColumn: string): string | null {
  const marker = (row.fields as Record<symbol, unknown>)[malformedMarker];
  if (typeof marker === "string") return marker;
  if (!(inputColumn in row.fields) || row.fields[inputColumn] === undefined) {
    const present = Object.keys(row.fields);
    return `no "${inputColumn}" field (fields present: ${present.length === 0 ? "none" : present.join(", ")}); set data.columns.input in the task spec`;
  }
  const input = row.fields[inputColumn];
  if (input === null || input === "") return `"${inputColumn}" is empty`;
  if (typeof input !== "string") {
    return `"${inputColumn}" must be a string (got ${Array.isArray(input) ? "an array" : typeof input} ${JSON.stringify(input).slice(0, 40)})`;
  }
  const label = row.fields[labelColumn];
  if (typeof label === "object" && label !== null) {
    return `"${labelColumn}" must be a string, number or boolean (got ${JSON.stringify(label).slice(0, 40)})`;
  }
  return null;
}

function labelText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = String(value).trim();
  return text === "" ? null : text;
}

const SPEC_SKIP_HINT =
  'or set "on_malformed_row": "skip" in the task spec\'s data block to leave them out (the decision counts them)';

function malformedRowsError(
  path: string,
  problems: SkippedRow[],
  skipHint: string,
): ModelScoutError {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => `line ${problem.line}: ${problem.reason}`);
  const more =
    problems.length > MAX_LISTED_PROBLEMS
      ? `; and ${problems.length - MAX_LISTED_PROBLEMS} more`
      : "";
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `Sample data ${path}: ${problems.length} malformed row${problems.length === 1 ? "" : "s"} (${listed.join("; ")}${more}). Fix them${skipHint === "" ? "" : `, ${skipHint}`}`,
    { details: { path, lines: problems.map((problem) => problem.line), problems } },
  );
}
