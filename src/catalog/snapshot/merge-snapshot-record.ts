/**
 * @module
 * The rule for a snapshot record meeting a stored record with the same id.
 *
 * - Nothing stored, or the stored copy is not a synced Hub record (an older snapshot, an
 *   npm entry): the snapshot record replaces it. Snapshot records have `lastModified: null`.
 * - The stored copy came from a Hub sync (`source: "hub"` and a `lastModified`): the Hub
 *   knows the model's current metadata (downloads, likes, tags, licence, task, languages)
 *   better than a snapshot built months ago, so every field it has wins. The snapshot still
 *   knows things the Hub listing does not (leaderboard scores, timm measurements, MTEB
 *   metadata), so it fills the gaps: null fields, missing `memoryBytes` dtypes, and
 *   evaluations and measurements the stored record lacks.
 *
 * Exported so that a Hub sync can apply the same rule in the other direction.
 */
import type { EvalResult, HardwareAnnotation, ModelRecord } from "../model-record.js";

function evalKey(result: EvalResult): string {
  return [
    result.source,
    result.benchmark,
    result.metric,
    result.dataset ?? "",
    result.domain ?? "",
  ].join("\u0000");
}

function hardwareKey(annotation: HardwareAnnotation): string {
  return [
    annotation.source,
    annotation.hardware,
    annotation.kind,
    annotation.dtype ?? "",
    annotation.batchSize,
    annotation.inputSize ?? "",
  ].join("\u0000");
}

function unionBy<T>(kept: readonly T[], added: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set(kept.map(key));
  return [...kept, ...added.filter((item) => !seen.has(key(item)))];
}

export function isSyncedHubRecord(record: ModelRecord): boolean {
  return record.source === "hub" && record.lastModified !== null;
}

/** The record to store when `snapshot` is loaded over `stored` (see the module header). */
export function mergeSnapshotRecord(
  stored: ModelRecord | null,
  snapshot: ModelRecord,
): ModelRecord {
  if (stored === null || !isSyncedHubRecord(stored)) return snapshot;
  return {
    ...stored,
    library: stored.library ?? snapshot.library,
    languages: stored.languages.length > 0 ? stored.languages : snapshot.languages,
    license: stored.license ?? snapshot.license,
    datasets: stored.datasets.length > 0 ? stored.datasets : snapshot.datasets,
    params: stored.params ?? snapshot.params,
    memoryBytes: { ...snapshot.memoryBytes, ...stored.memoryBytes },
    flopsPerItem: stored.flopsPerItem ?? snapshot.flopsPerItem,
    contextLength: stored.contextLength ?? snapshot.contextLength,
    evalResults: unionBy(stored.evalResults, snapshot.evalResults, evalKey),
    hardware: unionBy(stored.hardware, snapshot.hardware, hardwareKey),
    score: stored.score ?? snapshot.score,
    extra: { ...snapshot.extra, ...stored.extra },
  };
}
