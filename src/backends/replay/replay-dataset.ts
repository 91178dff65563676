/**
 * @module
 * Reads recorded per-item outcomes of several models (the RouterDC format:
 * `[{question, scores: {model: 0..1}, costs?: {model: number}}]`, or those items one a line as
 * JSON Lines) so selection strategies can
 * be evaluated offline on real results of real models. Rows are validated one by one so a bad
 * file names the item that is wrong instead of failing somewhere downstream. A `.csv` path is
 * read as a models x items score matrix instead (`replay-matrix.ts`, e.g. MTEB tasks).
 */
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { parseScoreMatrixCsv, type ScoreMatrixOptions } from "./replay-matrix.js";

const replayItemSchema = z.looseObject({
  question: z.string().min(1),
  scores: z.record(z.string().min(1), z.number().min(0).max(1)),
  costs: z.record(z.string().min(1), z.number().min(0)).nullish(),
});

export interface ReplayItem {
  question: string;
  /** Recorded outcome per model id, 0 (wrong) to 1 (right). */
  scores: Readonly<Record<string, number>>;
  /** Recorded cost per model id, in the source's unit, when the file has them. */
  costs?: Readonly<Record<string, number>>;
}

export interface ReplayDataset {
  /** Where the data came from (a path or a caller-chosen name), for messages. */
  source: string;
  /** Model ids in the order of the first item. */
  models: readonly string[];
  items: readonly ReplayItem[];
  /** What reading changed (items or models dropped, values clamped), for reports. */
  notes?: readonly string[];
}

function invalid(source: string, message: string, details: Record<string, unknown> = {}) {
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `Replay data ${source}: ${message}. Fix the file so every item is {question, scores: {model: 0..1}, costs?}.`,
    { details: { source, ...details } },
  );
}

/** Validates already-parsed JSON; every item must score the same models as the first. */
export function parseReplayDataset(raw: unknown, source: string): ReplayDataset {
  if (!Array.isArray(raw)) throw invalid(source, "expected a JSON array of items");
  if (raw.length === 0) throw invalid(source, "the array is empty");
  const items: ReplayItem[] = [];
  let models: string[] = [];
  for (const [index, row] of raw.entries()) {
    const parsed = replayItemSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "item";
      throw invalid(source, `item ${index}: ${where}: ${issue?.message ?? "invalid"}`, {
        itemIndex: index,
      });
    }
    const scoredModels = Object.keys(parsed.data.scores);
    if (index === 0) {
      if (scoredModels.length === 0) throw invalid(source, "item 0 scores no model");
      models = scoredModels;
    } else {
      const missing = models.filter((model) => !(model in parsed.data.scores));
      const extra = scoredModels.filter((model) => !models.includes(model));
      if (missing.length > 0 || extra.length > 0) {
        throw invalid(
          source,
          `item ${index} scores different models than item 0 (missing: ${missing.join(", ") || "none"}; extra: ${extra.join(", ") || "none"})`,
          { itemIndex: index },
        );
      }
    }
    items.push({
      question: parsed.data.question,
      scores: parsed.data.scores,
      ...(parsed.data.costs ? { costs: parsed.data.costs } : {}),
    });
  }
  return { source, models, items };
}

/** Reads and validates a replay file: JSON items, or a `.csv` models x items score matrix. */
export async function readReplayDataset(
  path: string,
  matrixOptions: ScoreMatrixOptions = {},
): Promise<ReplayDataset> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new ModelScoutError("NOT_FOUND", `Replay data ${path} cannot be read; check the path.`, {
      cause,
      details: { path },
    });
  }
  if (path.toLowerCase().endsWith(".csv")) return parseScoreMatrixCsv(text, path, matrixOptions);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    // JSON Lines, one item a line, as ModelScout's other data files are written.
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const items: unknown[] = [];
    for (const [index, line] of lines.entries()) {
      try {
        items.push(JSON.parse(line));
      } catch {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Replay data ${path} is neither a JSON array (${(cause as Error).message}) nor JSON Lines (line ${index + 1} is not JSON). It holds items {question, scores: {model: 0..1}, costs?}: one model's recorded score per item for every model, as a JSON array or one item a line.`,
          { cause, details: { path } },
        );
      }
    }
    raw = items;
  }
  return parseReplayDataset(raw, path);
}
