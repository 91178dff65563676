/**
 * @module
 * `catalog sync`: copies Hub model metadata into the catalog store, page by page.
 *
 * - Idempotent: models are upserted by id; syncing the same models twice changes nothing and
 *   reports them as unchanged.
 * - Crash-safe and resumable: each page's upserts and the cursor to the next page commit in
 *   one store transaction, under a meta key derived from the endpoint and the query. A run of
 *   the same query after an interrupted one resumes from that cursor (and says so); a run
 *   that finishes clears it.
 * - Incremental: pages come newest `lastModified` first, and a run stops after the first page
 *   holding a model already stored with the same `lastModified`, provided that model is no
 *   newer than the watermark left by the last *complete* run of the query. The watermark
 *   rule keeps a `--limit` run, or a sync of an overlapping query, from hiding models a
 *   complete run never reached. See docs/decisions/0004-hub-sync.md.
 * - Non-destructive: what the Hub listing does not know (leaderboard scores, measured
 *   latency, MTEB metadata from the offline snapshot) is kept, by the same rule the snapshot
 *   loader applies (`mergeSnapshotRecord`), with the Hub's fields winning. A listing without
 *   `siblings` (a mirror's) keeps the files an earlier listing or look-up found
 *   (`syncedOnnxFileFields`); one with them replaces the list whole.
 */
import { z } from "zod";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { hubEndpoint, hubToken } from "../hub/hub-endpoint.js";
import type { HubRetryEvent, HubRetryPolicy } from "../hub/hub-request.js";
import { HUB_MAX_PAGE_SIZE, listModels } from "../hub/list-models.js";
import { mapHubModel } from "../hub/map-hub-model.js";
import { resolveTask } from "../tasks/resolve-task.js";
import type { CatalogStore } from "./catalog-store.js";
import type { ModelRecord } from "./model-record.js";
import { syncedOnnxFileFields, withOnnxFileFields } from "./resolve-onnx-variants.js";
import { mergeSnapshotRecord } from "./snapshot/merge-snapshot-record.js";
import { quantisedVariants } from "./store-onnx-files.js";

export interface SyncCatalogOptions {
  store: CatalogStore;
  /** Hub base URL; defaults to `HF_ENDPOINT` or https://huggingface.co. */
  endpoint?: string;
  /** Access token; defaults to `HF_TOKEN` / `HUGGING_FACE_HUB_TOKEN`. */
  token?: string;
  /** Task name or alias (`sentiment`), resolved to a pipeline tag. */
  task?: string;
  /** Substring of model ids. */
  search?: string;
  /** Owner (user or organisation). */
  author?: string;
  /** Tags every model must have, e.g. `onnx` (the Hub's `filter`). */
  tags?: readonly string[];
  /** Stop after this many models (counting the interrupted run a resumed sync continues). */
  limit?: number;
  /** Models per Hub request, 1..1000 (default 500). */
  pageSize?: number;
  /** Fetch every page even when the catalog is known to be up to date (refreshes downloads). */
  full?: boolean;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  retry?: HubRetryPolicy;
  requestTimeoutMs?: number;
  onEvent?: (event: SyncEvent) => void;
}

export interface SyncQuery {
  task: string | null;
  search: string | null;
  author: string | null;
  /** Sorted, each once; empty for none. */
  tags: string[];
}

export interface SyncCounts {
  fetched: number;
  /** Quantised variants (`id@q8`, ...) written beside the models fetched. */
  variants: number;
  inserted: number;
  updated: number;
  unchanged: number;
  pages: number;
}

export interface SyncSummary extends SyncCounts {
  endpoint: string;
  query: SyncQuery;
  /** True when this run continued an interrupted one; counts include the earlier part. */
  resumed: boolean;
  /** True when the run stopped at models the catalog already had. */
  stoppedEarly: boolean;
  /** True when `limit` ended the run. */
  limitReached: boolean;
  durationMs: number;
}

export type SyncEvent =
  | {
      type: "start";
      endpoint: string;
      query: SyncQuery;
      limit: number | null;
      resumed: boolean;
      /** What the interrupted run had already stored, when resuming. */
      resumedFrom: SyncCounts | null;
      /** Whether the run may stop early at known models. */
      incremental: boolean;
    }
  | { type: "page"; page: number; models: number; totals: SyncCounts; limit: number | null }
  | { type: "retry"; retry: HubRetryEvent }
  | { type: "stopped-early"; modelId: string; lastModified: string }
  | { type: "cursor-discarded"; reason: string }
  | { type: "done"; summary: SyncSummary };

const syncCursorSchema = z.object({
  version: z.literal(1),
  nextUrl: z.string().url(),
  fetched: z.number().int().nonnegative(),
  inserted: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  pages: z.number().int().nonnegative(),
  variants: z.number().int().nonnegative().default(0),
  /** Newest `lastModified` the run saw: the watermark once it completes. */
  newestLastModified: z.string().nullable(),
  /** The watermark the run started with (incremental stops only at or below it). */
  watermark: z.string().nullable(),
  startedAt: z.string(),
});
type SyncCursor = z.infer<typeof syncCursorSchema>;

/** Meta keys for a query's resume cursor, completion watermark and last finished run. */
export function syncMetaKeys(
  endpoint: string,
  query: SyncQuery,
): { cursor: string; watermark: string; finished: string } {
  // The tags only when there are some: the keys of queries without them stay as they were.
  const scope = JSON.stringify([
    endpoint,
    query.task,
    query.search,
    query.author,
    ...(query.tags.length > 0 ? [query.tags] : []),
  ]);
  return {
    cursor: `hub-sync:cursor:${scope}`,
    watermark: `hub-sync:watermark:${scope}`,
    finished: `hub-sync:finished:${scope}`,
  };
}

/** What a query's last finished run did, kept for `modelscout catalog status`. */
export interface FinishedSync extends SyncCounts {
  finishedAt: string;
  /** It reached the end of the listing or models already stored (not a `limit`). */
  complete: boolean;
}

/** One synced query: its last finished run and, if a run was interrupted, where it stands. */
export interface SyncState {
  endpoint: string;
  query: SyncQuery;
  finished: FinishedSync | null;
  interrupted: { startedAt: string; fetched: number; pages: number } | null;
}

/** Every query this catalog has synced, or started to, from its meta entries. */
export async function listSyncStates(store: CatalogStore): Promise<SyncState[]> {
  const states = new Map<string, SyncState>();
  const entries = await store.listMeta("hub-sync:");
  for (const [key, value] of entries) {
    const match = /^hub-sync:(cursor|finished):(.*)$/.exec(key);
    if (match === null) continue;
    let scope: unknown;
    let parsed: unknown;
    try {
      scope = JSON.parse(match[2] as string);
      parsed = JSON.parse(value);
    } catch {
      continue;
    }
    if (!Array.isArray(scope) || typeof scope[0] !== "string") continue;
    const [endpoint, task, search, author, tags] = scope as [
      string,
      string | null,
      string | null,
      string | null,
      unknown,
    ];
    const state = states.get(match[2] as string) ?? {
      endpoint,
      query: {
        task: task ?? null,
        search: search ?? null,
        author: author ?? null,
        tags: Array.isArray(tags) ? tags.filter((tag) => typeof tag === "string") : [],
      },
      finished: null,
      interrupted: null,
    };
    if (match[1] === "finished") state.finished = parsed as FinishedSync;
    else {
      const cursor = syncCursorSchema.safeParse(parsed);
      if (!cursor.success) continue;
      state.interrupted = {
        startedAt: cursor.data.startedAt,
        fetched: cursor.data.fetched,
        pages: cursor.data.pages,
      };
    }
    states.set(match[2] as string, state);
  }
  return [...states.values()];
}

function optionalText(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? null : trimmed;
}

function validateEndpoint(endpoint: string): string {
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    parsed = new URL("invalid:");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The Hub endpoint must be an http(s) URL such as https://huggingface.co (got "${endpoint}"). Check HF_ENDPOINT.`,
    );
  }
  return endpoint.replace(/\/+$/, "");
}

function validatePositiveInteger(name: string, value: number | undefined, max?: number) {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value <= 0 || (max !== undefined && value > max)) {
    const range = max === undefined ? "a positive whole number" : `a whole number from 1 to ${max}`;
    throw new ModelScoutError("INVALID_ARGUMENT", `Sync ${name} must be ${range} (got ${value}).`);
  }
}

function newer(left: string | null, right: string | null): string | null {
  if (left === null) return right;
  if (right === null) return left;
  return Date.parse(right) > Date.parse(left) ? right : left;
}

function notAfter(value: string, watermark: string): boolean {
  return Date.parse(value) <= Date.parse(watermark);
}

async function readCursor(
  store: CatalogStore,
  key: string,
  endpoint: string,
): Promise<{ cursor: SyncCursor | null; problem: string | null }> {
  const raw = await store.getMeta(key);
  if (raw === null) return { cursor: null, problem: null };
  let parsed: ReturnType<typeof syncCursorSchema.safeParse>;
  try {
    parsed = syncCursorSchema.safeParse(JSON.parse(raw));
  } catch {
    return { cursor: null, problem: "the saved cursor is not valid JSON" };
  }
  if (!parsed.success) return { cursor: null, problem: "the saved cursor has an unknown shape" };
  // Never follow a stored URL to another host: it would receive the token.
  if (new URL(parsed.data.nextUrl).origin !== new URL(endpoint).origin) {
    return { cursor: null, problem: "the saved cursor points at another host" };
  }
  return { cursor: parsed.data, problem: null };
}

function mapPage(models: Parameters<typeof mapHubModel>[0][], url: string): ModelRecord[] {
  return models.map((info) => {
    try {
      return mapHubModel(info);
    } catch (error) {
      throw new ModelScoutError(
        "HUB_RESPONSE_INVALID",
        `The Hub entry ${info.id} from ${url} could not be read as a catalog record (${errorMessage(error)}).`,
        { cause: error, details: { modelId: info.id } },
      );
    }
  });
}

/**
 * The record to store for a freshly fetched Hub record: Hub fields win, the stored copy fills
 * gaps. Its model-card evaluations are dropped first, since the fresh card replaces them.
 */
function mergeWithStored(fetched: ModelRecord, stored: ModelRecord | null): ModelRecord {
  if (stored === null || fetched.lastModified === null) return fetched;
  const carried = {
    ...stored,
    evalResults: stored.evalResults.filter((result) => result.source !== "model-card"),
  };
  return mergeSnapshotRecord(fetched, carried);
}

export async function syncCatalog(options: SyncCatalogOptions): Promise<SyncSummary> {
  const startedMs = performance.now();
  const { store } = options;
  validatePositiveInteger("limit", options.limit);
  validatePositiveInteger("page size", options.pageSize, HUB_MAX_PAGE_SIZE);
  const endpoint = validateEndpoint(options.endpoint ?? hubEndpoint());
  const token = options.token ?? hubToken();
  const taskName = optionalText(options.task);
  const query: SyncQuery = {
    task: taskName === null ? null : resolveTask(taskName),
    search: optionalText(options.search),
    author: optionalText(options.author),
    tags: [
      ...new Set((options.tags ?? []).map((tag) => tag.trim()).filter((tag) => tag !== "")),
    ].sort(),
  };
  const limit = options.limit ?? null;
  const keys = syncMetaKeys(endpoint, query);
  const emit = (event: SyncEvent) => options.onEvent?.(event);

  const saved = await readCursor(store, keys.cursor, endpoint);
  if (saved.problem !== null) emit({ type: "cursor-discarded", reason: saved.problem });
  const cursor = saved.cursor;
  const resumed = cursor !== null;
  const counts: SyncCounts = {
    fetched: cursor?.fetched ?? 0,
    inserted: cursor?.inserted ?? 0,
    updated: cursor?.updated ?? 0,
    unchanged: cursor?.unchanged ?? 0,
    pages: cursor?.pages ?? 0,
    variants: cursor?.variants ?? 0,
  };
  const watermark = resumed
    ? cursor.watermark
    : options.full
      ? null
      : await store.getMeta(keys.watermark);
  let newestLastModified = cursor?.newestLastModified ?? null;
  const startedAt = cursor?.startedAt ?? new Date().toISOString();
  emit({
    type: "start",
    endpoint,
    query,
    limit,
    resumed,
    resumedFrom: resumed ? { ...counts } : null,
    incremental: watermark !== null,
  });

  let stoppedEarly = false;
  let limitReached = limit !== null && counts.fetched >= limit;
  if (limitReached) await store.setMeta(keys.cursor, null);
  const remaining = limit === null ? undefined : limit - counts.fetched;

  if (!limitReached) {
    const pages = listModels({
      endpoint,
      ...(token !== undefined && { token }),
      ...(query.task !== null && { task: query.task }),
      ...(query.search !== null && { search: query.search }),
      ...(query.author !== null && { author: query.author }),
      ...(query.tags.length > 0 && { tags: query.tags }),
      ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
      ...(remaining !== undefined && { limit: remaining }),
      ...(cursor !== null && { startUrl: cursor.nextUrl }),
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(options.requestTimeoutMs !== undefined && {
        requestTimeoutMs: options.requestTimeoutMs,
      }),
      sort: "lastModified",
      onRetry: (retry) => emit({ type: "retry", retry }),
    });
    for await (const page of pages) {
      const records = mapPage(page.models, page.url);
      for (const record of records) {
        newestLastModified = newer(newestLastModified, record.lastModified);
      }
      let finished = false;
      let stopModel: ModelRecord | undefined;
      await store.transaction(async (transaction) => {
        const stored = await transaction.getLastModified(records.map((record) => record.id));
        if (watermark !== null) {
          stopModel = records.find(
            (record) =>
              record.lastModified !== null &&
              stored.get(record.id) === record.lastModified &&
              notAfter(record.lastModified, watermark),
          );
        }
        // The stored copies in one read (one round trip on PostgreSQL, not one per model).
        const existing = await transaction.getModels(
          records.filter((record) => stored.has(record.id)).map((record) => record.id),
        );
        const merged = records.map((record) => {
          const storedRecord = existing.get(record.id) ?? null;
          // Whatever the other fields do, files a listing did not name are not erased.
          return withOnnxFileFields(
            mergeWithStored(record, storedRecord),
            syncedOnnxFileFields(record, storedRecord),
          );
        });
        const result = await transaction.upsertModels(merged);
        // Quantised ONNX weights the repository ships are candidates of their own, with
        // their own memory figures; they follow their base model and are counted apart.
        const variants = merged.flatMap(quantisedVariants);
        if (variants.length > 0) {
          const variantResult = await transaction.upsertModels(variants);
          counts.variants += variantResult.inserted + variantResult.updated;
        }
        counts.fetched += records.length;
        counts.inserted += result.inserted;
        counts.updated += result.updated;
        counts.unchanged += result.unchanged;
        counts.pages += 1;
        limitReached = limit !== null && counts.fetched >= limit;
        finished = stopModel !== undefined || page.nextUrl === null || limitReached;
        if (!finished && page.nextUrl !== null) {
          const next: SyncCursor = {
            version: 1,
            nextUrl: page.nextUrl,
            ...counts,
            newestLastModified,
            watermark,
            startedAt,
          };
          await transaction.setMeta(keys.cursor, JSON.stringify(next));
          return;
        }
        await transaction.setMeta(keys.cursor, null);
        // Only a run that reached the end, or known ground, covers everything up to its top.
        const complete = stopModel !== undefined || page.nextUrl === null;
        if (complete && newestLastModified !== null) {
          await transaction.setMeta(keys.watermark, newestLastModified);
        }
        const record: FinishedSync = { finishedAt: new Date().toISOString(), ...counts, complete };
        await transaction.setMeta(keys.finished, JSON.stringify(record));
      });
      emit({
        type: "page",
        page: counts.pages,
        models: records.length,
        totals: { ...counts },
        limit,
      });
      if (stopModel !== undefined && stopModel.lastModified !== null) {
        stoppedEarly = true;
        emit({
          type: "stopped-early",
          modelId: stopModel.id,
          lastModified: stopModel.lastModified,
        });
      }
      if (finished) break;
    }
  }

  const summary: SyncSummary = {
    endpoint,
    query,
    ...counts,
    resumed,
    stoppedEarly,
    limitReached,
    durationMs: Math.round(performance.now() - startedMs),
  };
  emit({ type: "done", summary });
  return summary;
}
