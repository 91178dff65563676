/**
 * @module
 * MTEB (embeddings-benchmark/results, derived CSVs) to catalog records. The only place that
 * knows these CSVs' columns.
 *
 * Choices, with reasons (also in docs/decisions/0002-offline-snapshot.md):
 * - `score` is 100 x the mean main score over the 52 tasks of MTEB's dense core matrix, for
 *   the models that have all 52 (74 models); null for the others. A mean over whatever tasks
 *   a model happens to have is not comparable between models (easy and hard tasks differ by
 *   50 points), and a second, smaller common task set would give a second scale under the
 *   same name. Every model keeps its per-task scores in `evalResults` for task-specific use.
 * - Models without open weights (MTEB's `open_weights: False`, or framework `API` only) are
 *   kept with `source: "endpoint"`: they cannot be downloaded, but they are real options a
 *   user can call, and the catalog should say how they compare.
 * - `memory_usage_mb` is MTEB's size of the weights in MiB (2^20 bytes) *as stored*: about
 *   4 bytes per parameter for fp32 checkpoints, 2 for fp16/bf16 ones. It is recorded under
 *   the dtype its ratio to `n_parameters` shows; other ratios (quantised, or parameter
 *   counts that leave out embeddings) are kept only as `extra.memoryUsageMib`.
 * - MTEB results are run by whoever submits them to the results repository (often the
 *   model's authors) with MTEB's code and reviewed there, so they are `verified: false`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { normaliseLanguage } from "../languages.js";
import type { Dtype, EvalResult, ModelRecordInput } from "../model-record.js";
import { csvNumber, parseCsvRecords } from "./parse-csv.js";
import type { SnapshotSourceMapping } from "./snapshot-manifest.js";

const META_FILE = "mteb_model_meta.csv";
const SCORE_FILES = [1, 2, 3].map((part) => `mteb_main_score_one_rev_per_model.part${part}.csv`);
const CORE_MATRIX_FILE = "mteb_core_matrix_tasks_ge200models.csv";
const MEBIBYTE = 1024 * 1024;

/** MTEB framework names -> library id, in order of preference. */
const LIBRARIES: readonly [string, string][] = [
  ["Sentence Transformers", "sentence-transformers"],
  ["Transformers", "transformers"],
  ["PyLate", "pylate"],
  ["ColPali", "colpali"],
  ["GritLM", "gritlm"],
  ["LLM2Vec", "llm2vec"],
  ["OpenVINO", "openvino"],
  ["ONNX", "onnx"],
];

/** A JSON list field; a few rows hold a bare value instead (`nob-Latn`). */
function listField(value: string | undefined): string[] {
  const trimmed = value?.trim() ?? "";
  if (trimmed === "") return [];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed)) return parsed.map(String);
    return [String(parsed)];
  } catch {
    return trimmed.split(",").map((item) => item.trim());
  }
}

function normaliseLicense(value: string | undefined): {
  license: string | null;
  licenseUrl?: string;
} {
  const trimmed = value?.trim().toLowerCase() ?? "";
  if (trimmed === "" || trimmed === "not specified") return { license: null };
  if (trimmed.startsWith("http")) return { license: "other", licenseUrl: value?.trim() ?? "" };
  if (trimmed === "apache-2") return { license: "apache-2.0" };
  return { license: trimmed };
}

/** Dtypes a stored weight size belongs to, from its bytes per parameter. */
function storedDtypes(bytes: number, params: number | null): Dtype[] {
  if (params === null || params <= 0) return [];
  const bytesPerParameter = bytes / params;
  if (bytesPerParameter > 3.5 && bytesPerParameter < 4.5) return ["fp32"];
  // fp16 and bf16 take the same room; the file does not say which it is.
  if (bytesPerParameter > 1.75 && bytesPerParameter < 2.25) return ["fp16", "bf16"];
  return [];
}

/** Variant rows such as `openai/text-embedding-3-small (embed_dim=512)` are not model ids. */
function isConfigurationVariant(name: string): boolean {
  return name.includes(" (") || name.includes("_(");
}

interface ScoreRow {
  task: string;
  split: string;
  value: number;
}

export function mapMteb(directory: string): SnapshotSourceMapping {
  const notes: Record<string, number | string> = {};
  const metaRows = parseCsvRecords(readFileSync(join(directory, META_FILE), "utf8"));
  const scores = new Map<string, { revision: string; rows: ScoreRow[] }>();
  for (const file of SCORE_FILES) {
    for (const row of parseCsvRecords(readFileSync(join(directory, file), "utf8"))) {
      const value = csvNumber(row.main_score);
      const model = row.model ?? "";
      if (value === null || model === "" || row.task === undefined) continue;
      const entry = scores.get(model) ?? { revision: row.revision ?? "", rows: [] };
      entry.rows.push({ task: row.task, split: row.split ?? "", value });
      scores.set(model, entry);
    }
  }

  // The metadata has one row per evaluated revision; the score files keep one revision per
  // model, so the metadata row for that revision is the one that describes the scores.
  const metaByName = new Map<string, Record<string, string>>();
  for (const row of metaRows) {
    const name = row.name ?? "";
    if (name === "") continue;
    const scoredRevision = scores.get(name)?.revision;
    const current = metaByName.get(name);
    const matchesScores =
      scoredRevision !== undefined &&
      (row.dir_revision ?? "").slice(0, 12) === scoredRevision.slice(0, 12);
    const currentMatches =
      current !== undefined &&
      scoredRevision !== undefined &&
      (current.dir_revision ?? "").slice(0, 12) === scoredRevision.slice(0, 12);
    const better =
      current === undefined ||
      (matchesScores && !currentMatches) ||
      (!currentMatches && current.dir_revision === "external" && row.dir_revision !== "external");
    if (better) metaByName.set(name, row);
  }

  const coreLines = parseCsvRecords(readFileSync(join(directory, CORE_MATRIX_FILE), "utf8"));
  const coreScores = new Map<string, number>();
  for (const row of coreLines) {
    const values = Object.entries(row)
      .filter(([column]) => column !== "model")
      .map(([, value]) => csvNumber(value));
    if (values.length === 0 || values.some((value) => value === null)) continue;
    const mean = (values as number[]).reduce((sum, value) => sum + value, 0) / values.length;
    coreScores.set(row.model ?? "", Math.round(mean * 100 * 1e4) / 1e4);
  }
  notes.coreTasks = Object.keys(coreLines[0] ?? {}).length - 1;
  notes.coreMatrixModels = coreLines.length;
  notes.modelsWithCoreScore = coreScores.size;

  const names = new Set([...metaByName.keys(), ...scores.keys()]);
  const records: ModelRecordInput[] = [];
  let variantsSkipped = 0;
  let droppedLanguageCodes = 0;
  let endpoints = 0;
  for (const name of [...names].sort()) {
    if (isConfigurationVariant(name)) {
      variantsSkipped += 1;
      continue;
    }
    const meta = metaByName.get(name);
    const frameworks = listField(meta?.framework);
    const openWeightsField = meta?.open_weights ?? "";
    const openWeights = openWeightsField === "" ? null : openWeightsField === "True";
    const apiOnly = frameworks.length > 0 && frameworks.every((framework) => framework === "API");
    const isEndpoint = openWeights === false || apiOnly;
    if (isEndpoint) endpoints += 1;

    const languages: string[] = [];
    for (const code of listField(meta?.languages)) {
      const normalised = normaliseLanguage(code);
      if (normalised === null) droppedLanguageCodes += 1;
      else if (!languages.includes(normalised)) languages.push(normalised);
    }
    const modalities = listField(meta?.modalities);
    const task =
      meta?.is_cross_encoder === "True"
        ? "text-ranking"
        : modalities.length > 0 && !modalities.includes("text") && modalities.includes("image")
          ? "image-feature-extraction"
          : "feature-extraction";
    const params = csvNumber(meta?.n_parameters);
    const memoryMib = csvNumber(meta?.memory_usage_mb);
    const memoryBytes: Partial<Record<Dtype, number>> = {};
    if (memoryMib !== null) {
      for (const dtype of storedDtypes(memoryMib * MEBIBYTE, params)) {
        memoryBytes[dtype] = Math.round(memoryMib * MEBIBYTE);
      }
    }
    const contextLength = csvNumber(meta?.max_tokens);
    const embeddingDim = csvNumber(meta?.embed_dim);
    const { license, licenseUrl } = normaliseLicense(meta?.license);
    const library = LIBRARIES.find(([framework]) => frameworks.includes(framework))?.[1] ?? null;
    const evalResults: EvalResult[] = (scores.get(name)?.rows ?? [])
      .sort((left, right) =>
        left.task === right.task
          ? compareStrings(left.split, right.split)
          : compareStrings(left.task, right.task),
      )
      .map((row) => ({
        benchmark: row.task,
        metric: "main_score",
        value: row.value,
        scale: "fraction",
        source: "mteb",
        verified: false,
        dataset: row.split,
      }));
    const extra: Record<string, unknown> = {
      ...(embeddingDim !== null && { embeddingDim }),
      openWeights,
      ...(meta?.adapted_from && { adaptedFrom: meta.adapted_from }),
      ...(meta?.release_date && { releaseDate: meta.release_date }),
      ...(memoryMib !== null && { memoryUsageMib: memoryMib }),
      ...(modalities.length > 0 && !(modalities.length === 1 && modalities[0] === "text")
        ? { modalities }
        : {}),
      ...(licenseUrl !== undefined && { licenseUrl }),
      ...(meta?.reference && { reference: meta.reference }),
      ...(coreScores.has(name) && { scoreBasis: "mean main_score over MTEB's 52 core tasks" }),
    };
    records.push({
      id: name,
      source: isEndpoint ? "endpoint" : "hub",
      task,
      library: isEndpoint ? null : library,
      languages,
      license,
      params: params !== null && params > 0 ? params : null,
      memoryBytes,
      contextLength: contextLength !== null && contextLength > 0 ? Math.round(contextLength) : null,
      evalResults,
      score: coreScores.get(name) ?? null,
      extra,
    });
  }
  return {
    origin: "mteb",
    records,
    files: [META_FILE, ...SCORE_FILES, CORE_MATRIX_FILE],
    notes: {
      ...notes,
      models: records.length,
      endpointModels: endpoints,
      configurationVariantsSkipped: variantsSkipped,
      unknownLanguageCodesDropped: droppedLanguageCodes,
      scoredModelsWithoutMetadata: [...scores.keys()].filter(
        (name) => !metaByName.has(name) && !isConfigurationVariant(name),
      ).length,
      evalResults: records.reduce((sum, record) => sum + (record.evalResults?.length ?? 0), 0),
    },
  };
}

/** Code-unit order, so the output does not depend on the machine's locale. */
function compareStrings(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
