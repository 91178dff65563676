/**
 * @module
 * The one place the Hub's wire entry (`ApiModelInfo`) becomes the catalog's `ModelRecord`.
 * Card metadata is written by model authors, so every field is read defensively: languages
 * are normalised (and unknown ones dropped), the licence falls back to the `license:` tag,
 * datasets to `dataset:` tags, languages and the task to the tags when a mirror's listing
 * has no card or pipeline tag, and `model-index` results are taken metric by metric, skipping
 * any that lack a name or a numeric value.
 */
import { normaliseLanguage } from "../catalog/languages.js";
import {
  DTYPE_BYTES,
  DTYPES,
  type Dtype,
  type EvalResult,
  type ModelRecord,
  toModelRecord,
} from "../catalog/model-record.js";
import { onnxFilesExtra } from "../catalog/resolve-onnx-variants.js";
import { isTaskId } from "../tasks/resolve-task.js";
import type { ApiModelInfo } from "./api-model-info.js";

/** Bytes per element of each safetensors dtype the Hub reports. */
const SAFETENSORS_DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** The catalog dtype a safetensors dtype is stored as, where the catalog has one. */
const SAFETENSORS_TO_DTYPE: Record<string, Dtype> = {
  F32: "fp32",
  F16: "fp16",
  BF16: "bf16",
  I8: "int8",
};

function asList(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item) => item.trim() !== "");
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function tagValues(tags: readonly string[], prefix: string): string[] {
  return tags.filter((tag) => tag.startsWith(prefix)).map((tag) => tag.slice(prefix.length));
}

/**
 * The card's languages; without a card (a mirror that ignores `expand=cardData` answers in
 * the shape of the Hub's default listing), the language codes among the tags, which the Hub
 * derives from the same card. Only tags that look like codes count: two letters, or three
 * that stand for a language with a two-letter code (`zho`, `cmn`), so a library or
 * architecture tag that happens to be a rare ISO 639-3 code is not taken for a language.
 */
function mapLanguages(info: ApiModelInfo, tags: readonly string[]): string[] {
  const declared =
    info.cardData === null || info.cardData === undefined
      ? tags.filter((tag) => /^[a-z]{2,3}$/.test(tag))
      : asList(info.cardData.language);
  const codes = declared.map(normaliseLanguage);
  const fromTags = info.cardData === null || info.cardData === undefined;
  return unique(
    codes.filter((code): code is string => code !== null && (!fromTags || code.length === 2)),
  );
}

/** The pipeline tag, else the card's, else the one task among the tags (the Hub tags each repo with its pipeline tag). */
function mapTask(info: ApiModelInfo, tags: readonly string[]): string | null {
  const declared = info.pipeline_tag ?? info.cardData?.pipeline_tag;
  if (declared !== null && declared !== undefined) return declared;
  const tasks = unique(tags.filter(isTaskId));
  return tasks.length === 1 ? (tasks[0] as string) : null;
}

function mapLicense(info: ApiModelInfo, tags: readonly string[]): string | null {
  const [cardLicense] = asList(info.cardData?.license);
  // `other` plus a `license_name` is how the Hub records custom licences (llama3, gemma...).
  const licenseName = info.cardData?.license_name?.trim();
  const chosen =
    cardLicense === "other" && licenseName
      ? licenseName
      : (cardLicense ?? tagValues(tags, "license:")[0]);
  return chosen === undefined ? null : chosen.trim().toLowerCase();
}

function mapParams(info: ApiModelInfo): number | null {
  const safetensors = info.safetensors;
  if (safetensors === null || safetensors === undefined) return null;
  if (typeof safetensors.total === "number") return safetensors.total;
  const counts = Object.values(safetensors.parameters ?? {});
  return counts.length === 0 ? null : counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Weight bytes: the exact size of the stored tensors under the dtype most of them use
 * (mixed files such as BF16 weights with F32 norms are summed element by element), plus the
 * size the same parameters would take in every other catalog dtype.
 */
function mapMemory(
  info: ApiModelInfo,
  params: number | null,
): { memoryBytes: ModelRecord["memoryBytes"]; storedDtype: Dtype | null } {
  const memoryBytes: ModelRecord["memoryBytes"] = {};
  let storedDtype: Dtype | null = null;
  const parameters = Object.entries(info.safetensors?.parameters ?? {});
  if (parameters.length > 0) {
    const [dominant] = [...parameters].sort((left, right) => right[1] - left[1])[0] ?? [];
    const known = parameters.every(([dtype]) => SAFETENSORS_DTYPE_BYTES[dtype] !== undefined);
    storedDtype = dominant === undefined ? null : (SAFETENSORS_TO_DTYPE[dominant] ?? null);
    if (storedDtype !== null && known) {
      memoryBytes[storedDtype] = parameters.reduce(
        (sum, [dtype, count]) => sum + count * (SAFETENSORS_DTYPE_BYTES[dtype] ?? 0),
        0,
      );
    }
  }
  if (params !== null) {
    for (const dtype of DTYPES) memoryBytes[dtype] ??= params * DTYPE_BYTES[dtype];
  }
  return { memoryBytes, storedDtype };
}

function mapContextLength(info: ApiModelInfo): number | null {
  // The Hub's trimmed `config` rarely carries these; when it does they are the model's limit.
  for (const key of ["max_position_embeddings", "n_positions"]) {
    const value = info.config?.[key];
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return null;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function numeric(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  // Cards sometimes quote numbers ("91.3"); values like "20.0 ± 1.2" are not a single figure.
  if (typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

/** `model-index` results as eval results; exported for tests of odd cards. */
export function mapModelIndex(modelIndex: unknown): EvalResult[] {
  if (!Array.isArray(modelIndex)) return [];
  const results: EvalResult[] = [];
  for (const entry of modelIndex) {
    const entryResults = record(entry)?.results;
    if (!Array.isArray(entryResults)) continue;
    for (const result of entryResults) {
      const resultRecord = record(result);
      const dataset = record(resultRecord?.dataset);
      const task = record(resultRecord?.task);
      const benchmark =
        text(dataset?.name) ?? text(dataset?.type) ?? text(task?.name) ?? text(task?.type);
      const metrics = resultRecord?.metrics;
      if (benchmark === undefined || !Array.isArray(metrics)) continue;
      const variant = [text(dataset?.config), text(dataset?.split)].filter(Boolean).join("/");
      for (const metric of metrics) {
        const metricRecord = record(metric);
        const name = text(metricRecord?.type) ?? text(metricRecord?.name);
        const value = numeric(metricRecord?.value);
        if (name === undefined || value === null) continue;
        results.push({
          benchmark,
          metric: name,
          value,
          // Cards do not state a scale; 0..1 is by far the common convention for fractions.
          scale: Math.abs(value) <= 1 ? "fraction" : "percent",
          source: "model-card",
          verified: metricRecord?.verified === true,
          ...(variant !== "" && { dataset: variant }),
        });
      }
    }
  }
  return results;
}

function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

export function mapHubModel(info: ApiModelInfo): ModelRecord {
  const tags = info.tags ?? [];
  const params = mapParams(info);
  const { memoryBytes, storedDtype } = mapMemory(info, params);
  const baseModels = asList(info.cardData?.base_model);
  const gated = info.gated === true || typeof info.gated === "string" ? info.gated : null;
  return toModelRecord({
    id: info.id,
    source: "hub",
    task: mapTask(info, tags),
    library: info.library_name ?? info.cardData?.library_name ?? null,
    languages: mapLanguages(info, tags),
    license: mapLicense(info, tags),
    datasets: unique([...asList(info.cardData?.datasets), ...tagValues(tags, "dataset:")]),
    params,
    memoryBytes,
    contextLength: mapContextLength(info),
    downloads: count(info.downloads),
    likes: count(info.likes),
    lastModified: info.lastModified ?? null,
    tags,
    evalResults: mapModelIndex(info.cardData?.["model-index"] ?? info["model-index"]),
    score: null,
    extra: {
      ...(storedDtype !== null && { storedDtype }),
      ...(gated !== null && { gated }),
      ...(baseModels.length > 0 && { baseModels }),
      ...fileFields(info),
    },
  });
}

/**
 * A listing entry without `siblings` (a mirror, or the Hub's listing without `expand`) says
 * nothing about the files: unknown, not "no ONNX weights". An empty list is a known empty repo.
 */
function fileFields(info: ApiModelInfo): Record<string, unknown> {
  const siblings = info.siblings;
  return onnxFilesExtra(
    siblings === null || siblings === undefined
      ? null
      : siblings.map((sibling) => sibling.rfilename),
  );
}
