/**
 * @module
 * Reads the bundled offline catalog (`data/snapshot/`) and loads it, with the npm-packaged
 * models, into a store the first time a store is opened and again whenever ModelScout ships
 * a different snapshot. The store's `snapshot.version` meta says what it holds.
 *
 * Loading commits in batches, one transaction each, and writes the version only after the
 * last batch: a load that is killed half-way leaves a consistent store without the version,
 * so the next run loads again (upserts are idempotent). Batches rather than one transaction
 * so another ModelScout process waiting on the database is not blocked for the whole load.
 * Synced Hub records are merged, not overwritten (`merge-snapshot-record.ts`).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createGunzip } from "node:zlib";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { CatalogStore } from "../catalog-store.js";
import { type ModelRecord, modelRecordSchema, toModelRecord } from "../model-record.js";
import { NPM_MODELS } from "../sources/npm-models.js";
import { mergeSnapshotRecord } from "./merge-snapshot-record.js";
import { type SnapshotManifest, snapshotManifestSchema } from "./snapshot-manifest.js";

export const SNAPSHOT_VERSION_META_KEY = "snapshot.version";
const DEFAULT_BATCH_SIZE = 500;

/**
 * `data/snapshot/catalog.jsonl.gz` of the installed package. This file sits at
 * `src/catalog/snapshot/` under tsx/vitest and at `dist/catalog/snapshot/` after `tsc`;
 * both are three levels below the package root, where `data/` is.
 */
export function bundledSnapshotPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, "..", "..", "..", "data", "snapshot", "catalog.jsonl.gz");
}

function invalid(path: string, message: string, cause?: unknown, details = {}): ModelScoutError {
  return new ModelScoutError(
    "SNAPSHOT_INVALID",
    `The offline catalog snapshot ${path} ${message}. Reinstall ModelScout, or rebuild the snapshot with \`npm run snapshot:build\` in a source checkout.`,
    { cause, details: { path, ...details } },
  );
}

/** The manifest beside a snapshot file, validated. */
export async function readSnapshotManifest(
  snapshotPath: string = bundledSnapshotPath(),
): Promise<SnapshotManifest> {
  const manifestPath = join(dirname(snapshotPath), "manifest.json");
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (error) {
    throw invalid(manifestPath, "has no readable manifest.json", error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(manifestPath, "is not valid JSON", error);
  }
  const parsed = snapshotManifestSchema.safeParse(json);
  if (!parsed.success) throw invalid(manifestPath, `is malformed (${parsed.error.message})`);
  return parsed.data;
}

/**
 * The snapshot's records in batches, each line validated. A missing, corrupt or truncated
 * file, or a line that is not a valid record, fails with `SNAPSHOT_INVALID` naming the line.
 */
export async function* readSnapshot(
  path: string = bundledSnapshotPath(),
  batchSize: number = DEFAULT_BATCH_SIZE,
): AsyncGenerator<ModelRecord[]> {
  let compressed: Buffer;
  try {
    compressed = await readFile(path);
  } catch (error) {
    throw invalid(path, "cannot be read", error);
  }
  let lineNumber = 0;
  let pending = "";
  let batch: ModelRecord[] = [];
  const parseLine = (line: string): ModelRecord => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw invalid(path, `has a line that is not JSON at line ${lineNumber}`, error, {
        line: lineNumber,
      });
    }
    const parsed = modelRecordSchema.safeParse(json);
    if (!parsed.success) {
      throw invalid(
        path,
        `has an invalid record at line ${lineNumber} (${parsed.error.message})`,
        undefined,
        {
          line: lineNumber,
        },
      );
    }
    return parsed.data;
  };
  const gunzip = Readable.from([compressed]).pipe(createGunzip());
  try {
    for await (const chunk of gunzip) {
      pending += (chunk as Buffer).toString("utf8");
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lineNumber += 1;
        if (line.trim() !== "") batch.push(parseLine(line));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
        newline = pending.indexOf("\n");
      }
    }
  } catch (error) {
    if (ModelScoutError.isInstance(error)) throw error;
    throw invalid(
      path,
      `is corrupt or truncated after line ${lineNumber} (${errorMessage(error)})`,
      error,
      { line: lineNumber + 1 },
    );
  }
  if (pending.trim() !== "") {
    // gzip framing was intact but the text does not end with a newline: a truncated write.
    lineNumber += 1;
    batch.push(parseLine(pending));
  }
  if (batch.length > 0) yield batch;
}

export interface EnsureSnapshotLoadedOptions {
  /** The snapshot file; `manifest.json` must sit beside it. Defaults to the bundled one. */
  snapshotPath?: string;
  /** Told before a load starts and after it ends, with the number of models. */
  onProgress?: (phase: "start" | "done", models: number) => void;
  batchSize?: number;
}

export interface EnsureSnapshotLoadedResult {
  /** False when the store already held this snapshot version. */
  loaded: boolean;
  /** Models in the snapshot plus the npm-packaged ones. */
  models: number;
  version: string;
}

/**
 * The version a store records: the snapshot's content hash plus a hash of `NPM_MODELS`,
 * so that a release that changes only the npm entries also reloads.
 */
function combinedVersion(manifest: SnapshotManifest): string {
  const npmHash = createHash("sha256").update(JSON.stringify(NPM_MODELS)).digest("hex");
  return `${manifest.version}+npm:${npmHash.slice(0, 12)}`;
}

async function upsertMerged(store: CatalogStore, batch: readonly ModelRecord[]): Promise<void> {
  await store.transaction(async (transaction) => {
    const lastModified = await transaction.getLastModified(batch.map((model) => model.id));
    const merged: ModelRecord[] = [];
    for (const model of batch) {
      // Only records with a lastModified can be synced Hub records; skip the lookup otherwise.
      const stored =
        (lastModified.get(model.id) ?? null) === null ? null : await transaction.getModel(model.id);
      merged.push(mergeSnapshotRecord(stored, model));
    }
    await transaction.upsertModels(merged);
  });
}

export async function ensureSnapshotLoaded(
  store: CatalogStore,
  options: EnsureSnapshotLoadedOptions = {},
): Promise<EnsureSnapshotLoadedResult> {
  const snapshotPath = options.snapshotPath ?? bundledSnapshotPath();
  const manifest = await readSnapshotManifest(snapshotPath);
  const version = combinedVersion(manifest);
  const models = manifest.models + NPM_MODELS.length;
  if ((await store.getMeta(SNAPSHOT_VERSION_META_KEY)) === version) {
    return { loaded: false, models, version };
  }
  options.onProgress?.("start", models);
  let loadedModels = 0;
  for await (const batch of readSnapshot(snapshotPath, options.batchSize)) {
    await upsertMerged(store, batch);
    loadedModels += batch.length;
  }
  if (loadedModels !== manifest.models) {
    throw invalid(
      snapshotPath,
      `holds ${loadedModels} models but its manifest says ${manifest.models}`,
    );
  }
  await upsertMerged(store, NPM_MODELS.map(toModelRecord));
  await store.setMeta(SNAPSHOT_VERSION_META_KEY, version);
  options.onProgress?.("done", models);
  return { loaded: true, models, version };
}
