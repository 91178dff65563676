import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { toModelRecord } from "../../../src/catalog/model-record.js";
import {
  bundledSnapshotPath,
  ensureSnapshotLoaded,
  readSnapshot,
  readSnapshotManifest,
  SNAPSHOT_VERSION_META_KEY,
} from "../../../src/catalog/snapshot/load-snapshot.js";
import { mergeSnapshotRecord } from "../../../src/catalog/snapshot/merge-snapshot-record.js";
import { NPM_MODELS } from "../../../src/catalog/sources/npm-models.js";
import { openSqliteStore } from "../../../src/catalog/sqlite/sqlite-store.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { makeModel } from "../../support/make-model.js";

function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), "modelscout-load-snapshot-"));
}

/** A small snapshot directory with the given JSONL text (and a manifest claiming `models`). */
function writeSnapshot(lines: string, models: number): string {
  const directory = temporaryDirectory();
  const path = join(directory, "catalog.jsonl.gz");
  writeFileSync(path, gzipSync(Buffer.from(lines, "utf8")));
  writeFileSync(
    join(directory, "manifest.json"),
    JSON.stringify({
      version: "sha256:0123456789abcdef",
      models,
      counts: {},
      sources: [],
      notes: {},
    }),
  );
  return path;
}

async function collect(path: string): Promise<number> {
  let count = 0;
  for await (const batch of readSnapshot(path, 100)) count += batch.length;
  return count;
}

async function rejection(promise: Promise<unknown>): Promise<ModelScoutError> {
  try {
    await promise;
  } catch (error) {
    if (ModelScoutError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("bundledSnapshotPath", () => {
  it("finds the committed snapshot and its manifest from the source tree", async () => {
    expect(existsSync(bundledSnapshotPath())).toBe(true);
    const manifest = await readSnapshotManifest();
    expect(manifest.models).toBeGreaterThan(6000);
  });
});

describe("readSnapshot", () => {
  it("reads every bundled record in batches", async () => {
    const manifest = await readSnapshotManifest();
    expect(await collect(bundledSnapshotPath())).toBe(manifest.models);
  });

  it("names the line of an invalid record", async () => {
    const good = JSON.stringify(makeModel({ id: "org/good" }));
    const path = writeSnapshot(`${good}\n${good}\n{"id":"org/bad","source":"ftp"}\n`, 3);
    const error = await rejection(collect(path));
    expect(error.code).toBe("SNAPSHOT_INVALID");
    expect(error.message).toMatch(/line 3/);
    expect(error.details.line).toBe(3);
  });

  it("names the line where a line is not JSON", async () => {
    const good = JSON.stringify(makeModel({ id: "org/good" }));
    const error = await rejection(collect(writeSnapshot(`${good}\n{not json\n`, 2)));
    expect(error.message).toMatch(/line 2/);
  });

  it("rejects a truncated file, saying how far it got", async () => {
    const source = readFileSync(bundledSnapshotPath());
    const directory = temporaryDirectory();
    const path = join(directory, "catalog.jsonl.gz");
    writeFileSync(path, source.subarray(0, Math.floor(source.length / 2)));
    const error = await rejection(collect(path));
    expect(error.code).toBe("SNAPSHOT_INVALID");
    expect(error.message).toMatch(/corrupt or truncated after line \d+/);
    expect(error.details.line).toBeGreaterThan(100);
  });

  it("rejects a file that is not gzip at all", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "catalog.jsonl.gz");
    writeFileSync(path, "this is not gzip\n");
    expect((await rejection(collect(path))).code).toBe("SNAPSHOT_INVALID");
  });
});

describe("mergeSnapshotRecord", () => {
  const snapshot = makeModel({
    id: "org/model",
    params: 7e9,
    score: 40,
    evalResults: [
      {
        benchmark: "BBH",
        metric: "normalized_score",
        value: 40,
        source: "leaderboard",
        verified: true,
      },
    ],
  });

  it("lets the snapshot replace a record that was not synced from the Hub", () => {
    const older = makeModel({ id: "org/model", params: 1 });
    expect(mergeSnapshotRecord(older, snapshot)).toBe(snapshot);
    expect(mergeSnapshotRecord(null, snapshot)).toBe(snapshot);
  });

  it("keeps a synced Hub record's fields and adds what only the snapshot knows", () => {
    const synced = makeModel({
      id: "org/model",
      downloads: 1234,
      lastModified: "2026-01-01T00:00:00.000Z",
      params: 7.2e9,
      task: "text-generation",
    });
    const merged = mergeSnapshotRecord(synced, snapshot);
    expect(merged).toMatchObject({
      downloads: 1234,
      lastModified: "2026-01-01T00:00:00.000Z",
      params: 7.2e9,
      task: "text-generation",
      score: 40,
    });
    expect(merged.evalResults).toHaveLength(1);
    expect(mergeSnapshotRecord(merged, snapshot).evalResults).toHaveLength(1);
  });
});

describe("ensureSnapshotLoaded", () => {
  it("loads the bundled snapshot and the npm models once, then does nothing", async () => {
    const store = await openSqliteStore({ path: join(temporaryDirectory(), "catalog.db") });
    try {
      const manifest = await readSnapshotManifest();
      const phases: string[] = [];
      const first = await ensureSnapshotLoaded(store, {
        onProgress: (phase, models) => phases.push(`${phase}:${models}`),
      });
      const total = manifest.models + NPM_MODELS.length;
      expect(first).toMatchObject({ loaded: true, models: total });
      expect(first.version.startsWith(manifest.version)).toBe(true);
      expect(phases).toEqual([`start:${total}`, `done:${total}`]);
      expect(await store.countModels()).toBe(total);
      expect(await store.countModels({ source: "npm" })).toBe(NPM_MODELS.length);
      expect(await store.getMeta(SNAPSHOT_VERSION_META_KEY)).toBe(first.version);
      const resnet = await store.getModel("timm/resnet50.a1_in1k");
      expect(resnet?.score).toBe(80.382);

      const second = await ensureSnapshotLoaded(store, {
        onProgress: () => phases.push("again"),
      });
      expect(second).toEqual({ loaded: false, models: total, version: first.version });
      expect(phases).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it("does not clobber a model synced from the Hub, and reloads after an interrupted load", async () => {
    const store = await openSqliteStore({ path: ":memory:" });
    try {
      const hubCopy = toModelRecord({
        id: "BAAI/bge-base-en-v1.5",
        source: "hub",
        task: "sentence-similarity",
        downloads: 5_000_000,
        likes: 300,
        lastModified: "2026-10-01T12:00:00.000Z",
        tags: ["onnx"],
      });
      await store.upsertModels([hubCopy]);
      // A previous load that died before writing its version leaves an older version behind.
      await store.setMeta(SNAPSHOT_VERSION_META_KEY, "sha256:interrupted");

      const result = await ensureSnapshotLoaded(store);
      expect(result.loaded).toBe(true);
      const stored = await store.getModel("BAAI/bge-base-en-v1.5");
      expect(stored).toMatchObject({
        source: "hub",
        task: "sentence-similarity",
        downloads: 5_000_000,
        lastModified: "2026-10-01T12:00:00.000Z",
        tags: ["onnx"],
        params: 109_000_000,
        contextLength: 512,
      });
      expect(stored?.evalResults.some((result) => result.source === "mteb")).toBe(true);
      expect(stored?.extra.embeddingDim).toBe(768);
    } finally {
      await store.close();
    }
  });
});
