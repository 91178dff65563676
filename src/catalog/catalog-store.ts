/**
 * @module
 * The catalog store interface. SQLite (embedded, the default) implements it, and PostgreSQL
 * for deployments that outgrow one machine (`postgres/`, ADR 0051). Every implementation
 * must pass `test/catalog/catalog-store.contract.ts`.
 *
 * Methods are async so that network-backed stores fit; the SQLite store answers synchronously
 * underneath. The store knows nothing of hardware names or task aliases: the core
 * (`search-catalog.ts`) resolves those into plain numeric bounds and coefficients first.
 */
import type { Dtype, ModelRecord, ModelSource } from "./model-record.js";

/**
 * A linear roofline latency model for one hardware profile and dtype, evaluated per row:
 * - encoders and vision models: `overheadMs + max(flops * msPerFlop, params * msPerParam)`
 * - generative models (`generativeTasks`): `overheadMs + flops * msPerFlop + decodeTokens * params * msPerParam`
 * where `flops` is the row's FLOPs per item. A measured figure for `hardwareId` replaces
 * the estimate. Built by `hardware/estimate-latency.ts`, which evaluates the same formula in
 * TypeScript.
 */
export interface LatencyCoefficients {
  hardwareId: string;
  overheadMs: number;
  msPerFlop: number;
  msPerParam: number;
  decodeTokens: number;
  generativeTasks: readonly string[];
}

/**
 * A memory budget, evaluated per row exactly as `memoryFit` (hardware/memory-fit.ts) judges a
 * model against `maxBytes` at `dtype`: a weight size the record gives for `dtype` (beyond what
 * its parameter count says: `recordedWeightBytes`) fits when it times `overheadFactor` is at
 * most `maxBytes`; else a known parameter count fits when it is at most `maxParams`; a model
 * whose size is unknown is kept, as selection keeps it. Built by `memoryBound`.
 */
export interface MemoryBound {
  dtype: Dtype;
  /** Bytes available for the weights plus the runtime's overhead. */
  maxBytes: number;
  /** Memory needed per weight byte (`MEMORY_OVERHEAD_FACTOR`). */
  overheadFactor: number;
  /** The largest parameter count that fits: `maxParamsForMemory` of `maxBytes` at `dtype`. */
  maxParams: number;
}

export type CatalogSort = "downloads" | "likes" | "score" | "latency" | "lastModified";

export interface StoreSearchQuery {
  /** Match any of these pipeline tags. */
  tasks?: readonly string[];
  /** ISO code as stored (see `catalog/languages.ts`). */
  language?: string;
  /** Licence id, lower case. */
  license?: string;
  source?: ModelSource;
  /**
   * Match any of these library names (`ModelRecord.library`), e.g. the libraries of the
   * models a backend here runs (`TRANSFORMERS_JS_MARKERS`).
   */
  libraries?: readonly string[];
  /**
   * Only models with ONNX weights for transformers.js (true) or only those without (false),
   * as `shipsOnnxWeights` judges them: a conversion's library, or the Hub's `onnx` tag on any
   * repository with `.onnx` files, unless its files are known to hold none under `onnx/`.
   */
  onnx?: boolean;
  /** Memory the model must fit in (a device's, a budget's); models of unknown size stay. */
  memory?: MemoryBound;
  /** Latency model for the target hardware: enables `maxLatencyMs` and `sort: "latency"`. */
  latency?: LatencyCoefficients;
  /**
   * Upper bound on the (measured, else estimated) latency; needs `latency`. Models whose
   * latency is unknown (no measurement, no parameter count) stay, as with `memory`; a latency
   * sort puts them last.
   */
  maxLatencyMs?: number;
  sort: CatalogSort;
  limit: number;
  offset?: number;
}

/** `query` with each task once: the stores search task by task, so a repeated task would repeat its rows. */
export function withDistinctTasks(query: StoreSearchQuery): StoreSearchQuery {
  if (query.tasks === undefined || new Set(query.tasks).size === query.tasks.length) return query;
  return { ...query, tasks: [...new Set(query.tasks)] };
}

export interface StoreSearchHit {
  model: ModelRecord;
  /** Present when the query had `latency`: measured if a measurement exists, else estimated. */
  latencyMs?: number | null;
  latencyKind?: "measured" | "estimated";
}

export interface StoreSearchResult {
  hits: StoreSearchHit[];
  /** True when more rows match beyond `offset + limit`. */
  hasMore: boolean;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface CatalogStore {
  readonly kind: "sqlite" | "postgres";
  /** Inserts or replaces models by id, atomically: all of them or none. */
  upsertModels(models: readonly ModelRecord[]): Promise<UpsertResult>;
  getModel(id: string): Promise<ModelRecord | null>;
  /** The stored models among `ids`, by id (absent ids are absent from the map): one read, not one per id. */
  getModels(ids: readonly string[]): Promise<Map<string, ModelRecord>>;
  /** `lastModified` of the stored models among `ids` (absent ids are absent from the map). */
  getLastModified(ids: readonly string[]): Promise<Map<string, string | null>>;
  searchModels(query: StoreSearchQuery): Promise<StoreSearchResult>;
  countModels(filter?: { source?: ModelSource }): Promise<number>;
  /** Small key/value state: sync cursors, snapshot version. */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string | null): Promise<void>;
  /** The meta entries whose key starts with `prefix`, in key order. */
  listMeta(prefix: string): Promise<Map<string, string>>;
  /**
   * Runs `work` so that its upserts and meta writes commit together or not at all (a sync
   * page and its cursor). The callback receives a store bound to the transaction.
   */
  transaction<T>(work: (store: CatalogStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
