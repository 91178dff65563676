/**
 * @module
 * Reads a score matrix (CSV: a `model` column, then one column per item, each cell a 0..1
 * outcome) as a `ReplayDataset` whose items are the columns. This is how a task-level pool
 * such as MTEB's models x tasks main scores is replayed: an "item" is a whole task and the
 * best model is the one with the best mean over the tasks sampled as the user's suite.
 *
 * Real matrices have holes (not every model was run on every task) and a replay needs every
 * model scored on every item, so columns scored by fewer than `minModelShare` of the models
 * are dropped first (a few tasks hold most holes), then the models still missing a cell.
 * Cells are clamped to 0..1: MTEB's STS scores are correlations, and a few near-random models
 * score slightly below 0. What was dropped or clamped is listed in `notes`.
 */
import { CsvSyntaxError, parseCsv } from "../../catalog/snapshot/parse-csv.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { ReplayDataset, ReplayItem } from "./replay-dataset.js";

export interface ScoreMatrixOptions {
  /** Keep a column only if at least this share of the models has a score for it. Default 0.9. */
  minModelShare?: number;
}

function invalid(source: string, message: string, details: Record<string, unknown> = {}) {
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `Score matrix ${source}: ${message}. Expected a CSV with a model column and one numeric column per item.`,
    { details: { source, ...details } },
  );
}

export function parseScoreMatrixCsv(
  text: string,
  source: string,
  options: ScoreMatrixOptions = {},
): ReplayDataset {
  const minModelShare = options.minModelShare ?? 0.9;
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw invalid(source, error.message, { line: error.line });
    throw error;
  }
  const [header, ...body] = rows;
  if (header === undefined || header.length < 2 || body.length === 0)
    throw invalid(source, "needs a header and at least one model row with one item column");
  const itemNames = header.slice(1);
  const models: string[] = [];
  const cells: (number | null)[][] = [];
  let clamped = 0;
  for (const [index, row] of body.entries()) {
    const line = index + 2;
    if (row.length !== header.length) {
      throw invalid(source, `line ${line} has ${row.length} fields, the header ${header.length}`, {
        line,
      });
    }
    const model = (row[0] as string).trim();
    if (model === "") throw invalid(source, `line ${line} has no model id`, { line });
    if (models.includes(model))
      throw invalid(source, `line ${line} repeats model ${model}`, { line });
    models.push(model);
    cells.push(
      row.slice(1).map((cell, column) => {
        if (cell.trim() === "") return null;
        const value = Number(cell);
        if (!Number.isFinite(value)) {
          throw invalid(
            source,
            `line ${line}, column ${itemNames[column]}: "${cell}" is not a number`,
            {
              line,
            },
          );
        }
        if (value < 0 || value > 1) clamped++;
        return Math.min(1, Math.max(0, value));
      }),
    );
  }
  const keptColumns = itemNames
    .map((_, column) => column)
    .filter(
      (column) =>
        cells.filter((row) => row[column] !== null).length >= minModelShare * models.length,
    );
  const keptModels = models
    .map((_, index) => index)
    .filter((index) => keptColumns.every((column) => cells[index]?.[column] !== null));
  if (keptColumns.length === 0 || keptModels.length === 0) {
    throw invalid(
      source,
      `no item is scored by ${Math.round(minModelShare * 100)}% of the models together with a model scoring all of them`,
    );
  }
  const items: ReplayItem[] = keptColumns.map((column) => ({
    question: itemNames[column] as string,
    scores: Object.fromEntries(
      keptModels.map((index) => [models[index] as string, cells[index]?.[column] as number]),
    ),
  }));
  const notes: string[] = [];
  const droppedColumns = itemNames.length - keptColumns.length;
  if (droppedColumns > 0) {
    notes.push(
      `${droppedColumns} of ${itemNames.length} items dropped (scored by fewer than ${Math.round(minModelShare * 100)}% of the models): ${itemNames.filter((_, column) => !keptColumns.includes(column)).join(", ")}`,
    );
  }
  if (keptModels.length < models.length) {
    notes.push(
      `${models.length - keptModels.length} of ${models.length} models dropped (missing a kept item)`,
    );
  }
  if (clamped > 0) notes.push(`${clamped} cell(s) outside 0..1 clamped`);
  return {
    source,
    models: keptModels.map((index) => models[index] as string),
    items,
    ...(notes.length > 0 ? { notes } : {}),
  };
}
