/**
 * @module
 * The terminal rendering of a decision: the ranked candidate table in plain aligned columns,
 * then `Winner: <id>` and the explanation. No colours or escape codes, so it reads the same in
 * a log file, a CI job and a pipe. Control characters in model ids and messages (user input,
 * or text a model server sent) are replaced, so a crafted id cannot move the cursor or recolour
 * the terminal. A short Provenance block closes it: the data file's SHA-256, the seeds and each
 * loaded candidate's artifact in one line (`--json` has every file and full hash).
 */
import { displayWidth, padToWidth } from "../../text/display-width.js";
import type { CandidateOutcome, SelectionDecision } from "../decision.js";
import { describeCandidateArtifact, HASH_PREFIX_LENGTH } from "./describe-artifact.js";
import {
  formatBytes,
  formatInterval,
  formatMilliseconds,
  formatUnit,
  qualityLabel,
  rankCandidates,
  shortenMiddle,
} from "./format-decision-values.js";

export const MAX_ID_WIDTH = 48;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

export function plain(text: string): string {
  return text.replace(CONTROL_CHARACTERS, "?");
}

interface Column {
  header: string;
  value: (candidate: CandidateOutcome, rank: number) => string;
  align: "left" | "right";
  maxWidth?: number;
  /** Shown only when this holds for the candidates (a cost column when any model has a price). */
  onlyWhen?: (candidates: readonly CandidateOutcome[]) => boolean;
}

/** US dollars per 1,000 items: `0.0123`, or `—` when unknown. */
function formatCost(usd: number | null): string {
  if (usd === null) return "—";
  return usd === 0 ? "0" : usd < 0.01 ? usd.toPrecision(2) : usd.toFixed(usd < 1 ? 3 : 2);
}

const COLUMNS: readonly Column[] = [
  { header: "#", value: (_, rank) => String(rank), align: "right" },
  { header: "Model", value: (candidate) => candidate.id, align: "left", maxWidth: MAX_ID_WIDTH },
  { header: "Status", value: (candidate) => candidate.status, align: "left" },
  { header: "Quality", value: (candidate) => formatUnit(candidate.quality), align: "right" },
  { header: "95% CI", value: (candidate) => formatInterval(candidate.qualityCi), align: "right" },
  {
    header: "p50",
    value: (candidate) => formatMilliseconds(candidate.latencyMsP50),
    align: "right",
  },
  {
    header: "p95",
    value: (candidate) => formatMilliseconds(candidate.latencyMsP95),
    align: "right",
  },
  { header: "Latency", value: (candidate) => candidate.latencyKind ?? "—", align: "left" },
  { header: "Memory", value: (candidate) => formatBytes(candidate.memoryBytes), align: "right" },
  {
    header: "$/1k items",
    value: (candidate) => formatCost(candidate.costPer1kItemsUsd),
    align: "right",
    onlyWhen: (candidates) => candidates.some((each) => (each.costPer1kItemsUsd ?? 0) > 0),
  },
  { header: "Score", value: (candidate) => formatUnit(candidate.score), align: "right" },
  { header: "Probes", value: (candidate) => String(candidate.probes), align: "right" },
];

export function cut(text: string, maxWidth: number | undefined): string {
  return maxWidth === undefined ? text : shortenMiddle(text, maxWidth);
}

/** Rows a terminal table shows; the rest are counted (the JSON and the report list them all). */
export const MAX_TABLE_ROWS = 25;

/** The ranked candidates as aligned plain-text columns with a header and a rule. */
export function renderCandidateTable(
  candidates: readonly CandidateOutcome[],
  maxRows = Number.POSITIVE_INFINITY,
): string {
  const ranked = rankCandidates(candidates);
  const shown = ranked.slice(0, maxRows);
  const columns = COLUMNS.filter(
    (column) => column.onlyWhen === undefined || column.onlyWhen(candidates),
  );
  const cells = shown.map((candidate, index) =>
    columns.map((column) => cut(plain(column.value(candidate, index + 1)), column.maxWidth)),
  );
  const hidden = ranked.length - shown.length;
  return [
    alignedTable(columns, cells),
    ...(hidden > 0 ? [`... and ${hidden} more (--json or --report lists every candidate)`] : []),
  ].join("\n");
}

/** Rows of cells under their headers, each column as wide as its widest cell, and a rule. */
export function alignedTable(
  columns: readonly { header: string; align: "left" | "right" }[],
  cells: readonly (readonly string[])[],
): string {
  const widths = columns.map((column, index) =>
    Math.max(displayWidth(column.header), ...cells.map((row) => displayWidth(row[index] ?? ""))),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, index) => padToWidth(cell, widths[index] ?? 0, columns[index]?.align ?? "left"))
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((column) => column.header)),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map(line),
  ].join("\n");
}

/** The decision for a terminal: table, winner, explanation, then failures and the latency note. */
export function renderDecisionText(decision: SelectionDecision): string {
  const lines: string[] = [];
  if (decision.candidates.length > 0) {
    lines.push(renderCandidateTable(decision.candidates, MAX_TABLE_ROWS), "");
  }
  if (decision.winner === null) {
    const why = decision.error?.message ?? decision.stopReason ?? `status ${decision.status}`;
    // The explanation says why in its own words when the run got as far as scoring.
    const told = decision.explanation.some((sentence) => sentence.includes(why));
    lines.push(plain(told ? "Winner: none" : `Winner: none (${why})`));
  } else {
    lines.push(plain(`Winner: ${decision.winner.id}`));
  }
  for (const sentence of decision.explanation) lines.push(plain(sentence));
  const columns = guessedColumnsSentence(decision.data);
  if (columns !== null) lines.push(plain(columns));
  for (const mismatch of decision.data.labelMismatches ?? []) {
    lines.push(plain(`Labels: ${mismatch}`));
  }
  if (decision.data.skippedRows > 0) {
    lines.push(
      plain(
        `Skipped ${decision.data.skippedRows} malformed row${decision.data.skippedRows === 1 ? "" : "s"} of ${decision.data.path ?? "the sample data"} (data.on_malformed_row: "skip").`,
      ),
    );
  }
  for (const line of filterLines(decision)) lines.push(plain(line));
  for (const candidate of decision.candidates) {
    if (candidate.status === "failed" && candidate.error !== undefined) {
      lines.push(
        plain(`Failed: ${candidate.id} (${candidate.error.code}: ${candidate.error.message})`),
      );
    }
  }
  if (qualityLabel(decision.metric.name) !== decision.metric.name) {
    lines.push(
      plain(
        `Quality is ${qualityLabel(decision.metric.name)} on the probed items, so that higher is better in the table.`,
      ),
    );
  }
  if (decision.latencyNote !== "") lines.push(plain(decision.latencyNote));
  lines.push("", ...renderProvenance(decision).map(plain));
  return `${lines.join("\n")}\n`;
}

/** Examples of what a filter removed shown per step; `--report` and `--json` have up to five. */
const FILTER_EXAMPLES = 3;

/**
 * How the hard filters narrowed the pool: where it came from (the first filter), then a line
 * for each filter that removed any, with its counts, what it kept, and a few of the models it
 * removed with the reason; then a "Left out" line for each model `candidates.ids` named that a
 * filter removed (the user asked for these by name). Nothing when no filter removed a model.
 * Without this a catalog search said only how many candidates passed, not why the others
 * did not.
 */
export function filterLines(decision: Pick<SelectionDecision, "filters">): string[] {
  const removing = decision.filters.filter((step) => step.after < step.before);
  const first = decision.filters[0];
  if (first === undefined || removing.length === 0) return [];
  const last = decision.filters.at(-1) as (typeof decision.filters)[number];
  const lines = [`Filters: ${last.after} of ${first.before} passed:`];
  // The first step says where the pool came from (the catalog's models for the task, or the
  // listed ids), whether or not it removed any.
  for (const step of removing[0] === first ? removing : [first, ...removing]) {
    const listed = new Set((step.removedListed ?? []).map((removed) => removed.id));
    const examples = step.removedExamples.filter((removed) => !listed.has(removed.id));
    const shown = examples.slice(0, FILTER_EXAMPLES);
    const unnamed = step.before - step.after - listed.size - shown.length;
    const named =
      shown.length === 0
        ? ""
        : `; left out ${shown.map((removed) => `${removed.id} (${removed.reason})`).join(", ")}${unnamed > 0 ? ` and ${unnamed} more` : ""}`;
    lines.push(`  - ${step.filter}: ${step.before} -> ${step.after}, ${step.description}${named}`);
  }
  for (const step of removing) {
    for (const removed of step.removedListed ?? []) {
      lines.push(
        `Left out: ${removed.id} (listed in candidates.ids), by the ${step.filter} filter: ${removed.reason}.`,
      );
    }
  }
  return lines;
}

/**
 * What was compared on what: the data's hash, the seeds, and one line per candidate that
 * was loaded (or meant to be). A decision stored before these were recorded says so.
 */
export function renderProvenance(decision: SelectionDecision): string[] {
  const { data } = decision;
  const lines = ["Provenance:"];
  if (data.path === null) lines.push("  Data: none");
  else {
    const hash =
      data.sha256 === undefined
        ? "sha256 not recorded"
        : `sha256 ${data.sha256.slice(0, HASH_PREFIX_LENGTH)}`;
    lines.push(`  Data: ${data.path} ${hash} (${data.items} items)`);
  }
  if (decision.seeds !== undefined) {
    lines.push(`  Seeds: sample ${decision.seeds.sample}, strategy ${decision.seeds.strategy}`);
  } else if (decision.strategy !== undefined) {
    lines.push("  Seeds: not recorded");
  }
  for (const candidate of decision.candidates) {
    if (candidate.artifact === undefined && candidate.status === "not-probed") continue;
    lines.push(`  ${candidate.id}: ${describeCandidateArtifact(candidate)}`);
  }
  return lines;
}

/** What the selection read from which column, when the spec named none and it guessed. */
function guessedColumnsSentence(data: SelectionDecision["data"]): string | null {
  const { inputColumn, labelColumn } = data;
  if (inputColumn === undefined && labelColumn === undefined) return null;
  const read = [
    inputColumn === undefined ? null : `inputs from the column "${inputColumn}"`,
    labelColumn === undefined ? null : `labels from "${labelColumn}"`,
  ].filter((part) => part !== null);
  const missing = [
    inputColumn === undefined ? null : '"text"',
    labelColumn === undefined ? null : '"label"',
  ].filter((part) => part !== null);
  const fields = [
    inputColumn === undefined ? null : "data.columns.input",
    labelColumn === undefined ? null : "data.columns.label",
  ].filter((part) => part !== null);
  return `Read ${read.join(" and ")} (the file has no ${missing.join(" or ")} column; ${fields.join(" and ")} name${fields.length === 1 ? "s" : ""} another).`;
}
