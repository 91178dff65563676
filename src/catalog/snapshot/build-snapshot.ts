/**
 * @module
 * Builds the bundled offline catalog (`data/snapshot/`) from the reference data folder:
 * runs each source mapper, merges records that share an id, validates every record with
 * `modelRecordSchema`, and writes `catalog.jsonl.gz` and `manifest.json` so that the same
 * input always gives the same bytes (sorted ids, no timestamps, gzip header mtime 0).
 *
 * Only folders whose licence allows redistribution are read (see `SNAPSHOT_ORIGINS` and
 * NOTICE.md); routerdc-7llm, ml-energy and zh-reviews carry no licence and never ship.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { type ModelRecord, type ModelRecordInput, modelRecordSchema } from "../model-record.js";
import { mapMteb } from "./map-mteb.js";
import { mapOpenLlmLeaderboard } from "./map-open-llm-leaderboard.js";
import { mapTimm } from "./map-timm.js";
import {
  SNAPSHOT_ORIGINS,
  type SnapshotManifest,
  type SnapshotOrigin,
  type SnapshotSourceMapping,
} from "./snapshot-manifest.js";

export const SNAPSHOT_CATALOG_FILE = "catalog.jsonl.gz";
export const SNAPSHOT_MANIFEST_FILE = "manifest.json";

const MAPPERS: Record<SnapshotOrigin, (directory: string) => SnapshotSourceMapping> = {
  "open-llm-leaderboard": mapOpenLlmLeaderboard,
  mteb: mapMteb,
  "timm-imagenet": mapTimm,
};

export interface BuildSnapshotOptions {
  /** The reference data folder (holds MANIFEST.md and one folder per origin). */
  dataDirectory: string;
  /** Where `catalog.jsonl.gz` and `manifest.json` are written (created if missing). */
  outputDirectory: string;
}

export interface BuildSnapshotResult {
  manifest: SnapshotManifest;
  catalogPath: string;
  manifestPath: string;
  /** Size of `catalog.jsonl.gz`. */
  compressedBytes: number;
  uncompressedBytes: number;
}

interface ManifestSource {
  repository: string;
  commit: string;
  license: string;
}

/** Reads `repository @ commit` and the licence of each folder from the data's MANIFEST.md. */
export function readDataManifest(dataDirectory: string): Map<string, ManifestSource> {
  const text = readFileSync(join(dataDirectory, "MANIFEST.md"), "utf8");
  const sources = new Map<string, ManifestSource>();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    // | folder/ | what | source (repository @ commit) | licence |
    const [, folder, , source, license] = cells;
    if (folder === undefined || !folder.endsWith("/") || source === undefined) continue;
    const match = /^([\w.-]+\/[\w.-]+) @ ([0-9a-f]{7,40})/.exec(source);
    if (match === null || license === undefined) continue;
    sources.set(folder.slice(0, -1), {
      repository: match[1] as string,
      commit: match[2] as string,
      license,
    });
  }
  return sources;
}

/**
 * Same id from two origins (3 models today, e.g. `Alibaba-NLP/gte-Qwen2-7B-instruct` is on
 * both the LLM leaderboard and MTEB): the origin with more evaluations of the model keeps its
 * identity (task, library), on the grounds that it knows best what the model is for; the
 * other fills gaps and adds its evaluations.
 */
function mergeInputs(left: ModelRecordInput, right: ModelRecordInput): ModelRecordInput {
  const [first, second] =
    (right.evalResults?.length ?? 0) > (left.evalResults?.length ?? 0)
      ? [right, left]
      : [left, right];
  return {
    ...first,
    library: first.library ?? second.library ?? null,
    languages: [...new Set([...(first.languages ?? []), ...(second.languages ?? [])])],
    license: first.license ?? second.license ?? null,
    datasets: [...new Set([...(first.datasets ?? []), ...(second.datasets ?? [])])],
    params: first.params ?? second.params ?? null,
    memoryBytes: { ...second.memoryBytes, ...first.memoryBytes },
    flopsPerItem: first.flopsPerItem ?? second.flopsPerItem ?? null,
    contextLength: first.contextLength ?? second.contextLength ?? null,
    evalResults: [...(first.evalResults ?? []), ...(second.evalResults ?? [])],
    hardware: [...(first.hardware ?? []), ...(second.hardware ?? [])],
    score: first.score ?? second.score ?? null,
    extra: { ...second.extra, ...first.extra },
  };
}

/** The records of the snapshot, validated and sorted by id, with what the mappers noticed. */
export function collectSnapshotRecords(dataDirectory: string): {
  records: ModelRecord[];
  mappings: SnapshotSourceMapping[];
} {
  const mappings = SNAPSHOT_ORIGINS.map((origin) => MAPPERS[origin](join(dataDirectory, origin)));
  const byId = new Map<string, ModelRecordInput>();
  for (const mapping of mappings) {
    for (const record of mapping.records) {
      const existing = byId.get(record.id);
      byId.set(record.id, existing === undefined ? record : mergeInputs(existing, record));
    }
  }
  const ids = [...byId.keys()].sort();
  const records = ids.map((id) => {
    const parsed = modelRecordSchema.safeParse(byId.get(id));
    if (!parsed.success) {
      throw new ModelScoutError(
        "SNAPSHOT_INVALID",
        `Snapshot record ${id} does not validate: ${parsed.error.message}. Fix its source mapper in src/catalog/snapshot/.`,
      );
    }
    return parsed.data;
  });
  return { records, mappings };
}

export function buildSnapshot(options: BuildSnapshotOptions): BuildSnapshotResult {
  const dataSources = readDataManifest(options.dataDirectory);
  const { records, mappings } = collectSnapshotRecords(options.dataDirectory);
  const jsonl = records.map((record) => `${JSON.stringify(record)}\n`).join("");
  const uncompressed = Buffer.from(jsonl, "utf8");
  // Node writes mtime 0 in the gzip header, so equal input gives equal bytes.
  const compressed = gzipSync(uncompressed, { level: 9 });
  const version = `sha256:${createHash("sha256").update(uncompressed).digest("hex").slice(0, 16)}`;

  const manifest: SnapshotManifest = {
    version,
    models: records.length,
    counts: Object.fromEntries(mappings.map((mapping) => [mapping.origin, mapping.records.length])),
    sources: mappings.map((mapping) => {
      const source = dataSources.get(mapping.origin);
      if (source === undefined) {
        throw new ModelScoutError(
          "SNAPSHOT_INVALID",
          `${join(options.dataDirectory, "MANIFEST.md")} has no row for ${mapping.origin}/ with "repository @ commit" and a licence; the snapshot cannot ship data without its attribution.`,
        );
      }
      return { origin: mapping.origin, ...source, files: mapping.files };
    }),
    notes: Object.fromEntries(mappings.map((mapping) => [mapping.origin, mapping.notes])),
  };

  mkdirSync(options.outputDirectory, { recursive: true });
  const catalogPath = join(options.outputDirectory, SNAPSHOT_CATALOG_FILE);
  const manifestPath = join(options.outputDirectory, SNAPSHOT_MANIFEST_FILE);
  writeFileSync(catalogPath, compressed);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    manifest,
    catalogPath,
    manifestPath,
    compressedBytes: compressed.length,
    uncompressedBytes: uncompressed.length,
  };
}
