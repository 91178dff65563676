/**
 * @module
 * Catalog search, the core behind `modelscout catalog search` (and later the server's
 * catalog endpoint). It validates the user's options, resolves task aliases, language names
 * and hardware profiles, turns "fits in memory" into a memory bound and "fast enough" into
 * a latency model the store evaluates, then annotates each hit with its fit verdicts and
 * latency (measured where measured, else a labelled estimate). A model whose size is unknown
 * passes a memory bound with its fit shown as unknown, as selection's filters keep it.
 */

import { z } from "zod";
import { describeIssue, dottedPath } from "../config/zod-issues.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { problemsMessage } from "../errors/problems-message.js";
import { estimateLatencyMs, latencyCoefficients } from "../hardware/estimate-latency.js";
import { fitsByDtype, MEMORY_OVERHEAD_FACTOR, memoryBound } from "../hardware/memory-fit.js";
import { resolveHardware } from "../hardware/resolve-hardware.js";
import { compatibleTasks, resolveTask } from "../tasks/resolve-task.js";
import type { CatalogSort, CatalogStore, StoreSearchQuery } from "./catalog-store.js";
import { normaliseLanguage } from "./languages.js";
import { measuredLatency } from "./measured-latency.js";
import {
  DTYPES,
  type Dtype,
  MODEL_SOURCES,
  type ModelRecord,
  type ModelSource,
  weightBytes,
} from "./model-record.js";

export const CATALOG_SORTS = [
  "downloads",
  "likes",
  "score",
  "latency",
  "lastModified",
] as const satisfies readonly CatalogSort[];
export const MAX_SEARCH_LIMIT = 1000;

export const catalogSearchOptionsSchema = z
  .object({
    /** Pipeline tag or alias (`text-classification`, `sentiment`, `text_generation`). */
    task: z.string().min(1).optional(),
    /** Language code or name (`zh`, `zho`, `chinese`). */
    language: z.string().min(1).optional(),
    /** Licence id (`apache-2.0`, `mit`); case-insensitive. */
    license: z.string().min(1).optional(),
    source: z.enum(MODEL_SOURCES).optional(),
    /**
     * Library names, comma-separated (`transformers.js,onnx`: the ONNX conversions
     * transformers.js runs here; `timm`, `sentence-transformers`).
     */
    library: z.string().min(1).optional(),
    /**
     * Only models with ONNX weights for transformers.js, of any library (a conversion, or a
     * repository the Hub tags `onnx`, unless its files are known to hold none under `onnx/`).
     */
    onnx: z.boolean().optional(),
    /** Hardware profile id or alias (`a100`, `NVIDIA_A100`, `rpi5`). */
    hardware: z.string().min(1).optional(),
    /** Weight format for fit and latency; defaults to the hardware's usual one, else fp32. */
    dtype: z.enum(DTYPES as [Dtype, ...Dtype[]]).optional(),
    /** Memory budget in GB (1e9 bytes), weights plus runtime overhead. */
    maxMemoryGb: z.number().positive().optional(),
    /** Latency bound per item on `hardware`, in milliseconds. */
    maxLatencyMs: z.number().positive().optional(),
    sort: z.enum(CATALOG_SORTS).default("downloads"),
    limit: z.number().int().positive().max(MAX_SEARCH_LIMIT).default(20),
    offset: z.number().int().nonnegative().default(0),
  })
  .strict();
export type CatalogSearchOptions = z.input<typeof catalogSearchOptionsSchema>;

export interface CatalogSearchHit {
  id: string;
  source: ModelSource;
  task: string | null;
  library: string | null;
  languages: string[];
  license: string | null;
  params: number | null;
  downloads: number;
  likes: number;
  score: number | null;
  lastModified: string | null;
  contextLength: number | null;
  /** Weights plus runtime overhead at `dtype`, in bytes; null when the size is unknown. */
  memoryBytes: number | null;
  dtype: Dtype;
  /** Target hardware id, or null when the search named none. */
  hardware: string | null;
  /** Fits in the hardware's memory at `dtype` (null: unknown size or no hardware). */
  fits: boolean | null;
  fitsByDtype: Record<Dtype, boolean | null> | null;
  /** Roofline estimate on `hardware`; always an estimate, whatever was measured. */
  estimatedLatencyMs: number | null;
  /** Measured per-item latency on `hardware`, when a measurement exists. */
  measuredLatencyMs: number | null;
  /** The figure used for filtering and sorting: measured if present, else estimated. */
  latencyMs: number | null;
  latencyKind: "measured" | "estimated" | null;
}

export interface CatalogSearchResult {
  /** The options as resolved (aliases expanded), for display and decision records. */
  query: {
    tasks: string[] | null;
    language: string | null;
    license: string | null;
    source: ModelSource | null;
    hardware: string | null;
    dtype: Dtype;
    maxMemoryGb: number | null;
    maxLatencyMs: number | null;
    /** The largest parameter count that fits the memory bound (models sized by it). */
    maxParams: number | null;
    sort: CatalogSort;
    limit: number;
    offset: number;
  };
  models: CatalogSearchHit[];
  hasMore: boolean;
}

/** Turns a zod failure into a message naming the field and what was expected. */
export function invalidOptions(what: string, error: z.ZodError): ModelScoutError {
  const problems = error.issues.map((issue) =>
    describeIssue(issue, issue.path.length > 0 ? dottedPath(issue.path) : "(options)"),
  );
  return new ModelScoutError("INVALID_ARGUMENT", problemsMessage(what, problems), {
    details: { issues: error.issues },
  });
}

export async function searchCatalog(
  store: CatalogStore,
  options: CatalogSearchOptions,
): Promise<CatalogSearchResult> {
  const parsed = catalogSearchOptionsSchema.safeParse(options);
  if (!parsed.success) throw invalidOptions("Catalog search", parsed.error);
  const input = parsed.data;

  const tasks = input.task === undefined ? null : compatibleTasks(resolveTask(input.task));
  let language: string | null = null;
  if (input.language !== undefined) {
    language = normaliseLanguage(input.language);
    if (language === null) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Unknown language "${input.language}". Use an ISO 639 code such as en, zh or fra, or a name such as Chinese.`,
      );
    }
  }
  const profile = input.hardware === undefined ? null : resolveHardware(input.hardware);
  const dtype: Dtype = input.dtype ?? profile?.defaultDtype ?? "fp32";
  if (input.maxLatencyMs !== undefined && profile === null) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      "--max-latency-ms needs --hardware: latency depends on the device (try --hardware cpu-laptop).",
    );
  }
  if (input.sort === "latency" && profile === null) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      "--sort latency needs --hardware (try --hardware cpu-laptop).",
    );
  }

  // The device's memory and the budget, whichever is smaller. Models whose size is unknown
  // stay in, their fit shown as unknown, as selection keeps them; so do models whose latency
  // is unknown under `maxLatencyMs` (ADR 0086).
  const budgets: number[] = [];
  if (profile !== null) budgets.push(profile.memoryBytes);
  if (input.maxMemoryGb !== undefined) budgets.push(input.maxMemoryGb * 1e9);
  const memory = budgets.length > 0 ? memoryBound(Math.min(...budgets), dtype) : null;
  const coefficients = profile === null ? undefined : latencyCoefficients(profile, dtype);

  const storeQuery: StoreSearchQuery = {
    sort: input.sort,
    limit: input.limit,
    offset: input.offset,
    ...(tasks !== null && { tasks }),
    ...(language !== null && { language }),
    ...(input.license !== undefined && { license: input.license.toLowerCase() }),
    ...(input.source !== undefined && { source: input.source }),
    ...(input.library !== undefined && {
      libraries: input.library
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    }),
    ...(input.onnx === true && { onnx: true }),
    ...(memory !== null && { memory }),
    ...(coefficients !== undefined && { latency: coefficients }),
    ...(input.maxLatencyMs !== undefined && { maxLatencyMs: input.maxLatencyMs }),
  };
  const result = await store.searchModels(storeQuery);

  const models = result.hits.map((hit): CatalogSearchHit => {
    const model = hit.model;
    const memory = weightBytes(model, dtype);
    const measured = profile === null ? null : measuredLatency(model, profile.id);
    const verdicts = profile === null ? null : fitsByDtype(model, profile);
    return {
      ...pickListing(model),
      memoryBytes: memory === null ? null : memory * MEMORY_OVERHEAD_FACTOR,
      dtype,
      hardware: profile?.id ?? null,
      fits: verdicts === null ? null : verdicts[dtype],
      fitsByDtype: verdicts,
      estimatedLatencyMs:
        coefficients === undefined ? null : estimateLatencyMs(model, coefficients),
      measuredLatencyMs: measured?.latencyMs ?? null,
      latencyMs: hit.latencyMs ?? null,
      latencyKind: hit.latencyMs == null ? null : (hit.latencyKind ?? null),
    };
  });

  return {
    query: {
      tasks,
      language,
      license: storeQuery.license ?? null,
      source: input.source ?? null,
      hardware: profile?.id ?? null,
      dtype,
      maxMemoryGb: input.maxMemoryGb ?? null,
      maxLatencyMs: input.maxLatencyMs ?? null,
      maxParams: memory?.maxParams ?? null,
      sort: input.sort,
      limit: input.limit,
      offset: input.offset,
    },
    models,
    hasMore: result.hasMore,
  };
}

function pickListing(model: ModelRecord) {
  return {
    id: model.id,
    source: model.source,
    task: model.task,
    library: model.library,
    languages: model.languages,
    license: model.license,
    params: model.params,
    downloads: model.downloads,
    likes: model.likes,
    score: model.score,
    lastModified: model.lastModified,
    contextLength: model.contextLength,
  };
}
