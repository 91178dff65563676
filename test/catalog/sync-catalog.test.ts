import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { toModelRecord } from "../../src/catalog/model-record.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { storeOnnxFiles } from "../../src/catalog/store-onnx-files.js";
import {
  listSyncStates,
  type SyncCatalogOptions,
  type SyncEvent,
  syncCatalog,
  syncMetaKeys,
} from "../../src/catalog/sync-catalog.js";
import {
  type FakeHub,
  generateHubModels,
  loadHubFixtures,
  startFakeHubServer,
} from "../support/fake-hub-server.js";
import { failure } from "../support/hub-test-support.js";

const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5 };
const TOKEN = "hf_synctoken0123456789abcdef";
const ALL_QUERY = { task: null, search: null, author: null, tags: [] };

let hub: FakeHub;
let store: CatalogStore;
const stores: CatalogStore[] = [];

function temporaryDatabasePath(): string {
  return join(mkdtempSync(join(tmpdir(), "modelscout-sync-")), "catalog.db");
}

async function openStore(path = ":memory:"): Promise<CatalogStore> {
  const opened = await openSqliteStore({ path });
  stores.push(opened);
  return opened;
}

function sync(overrides: Partial<SyncCatalogOptions> = {}) {
  return syncCatalog({
    store,
    endpoint: hub.url,
    token: TOKEN,
    pageSize: 10,
    retry: FAST_RETRY,
    ...overrides,
  });
}

beforeEach(async () => {
  hub = await startFakeHubServer({ models: generateHubModels(25) });
  store = await openStore();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await hub.close();
  for (const opened of stores.splice(0)) await opened.close();
});

describe("syncCatalog", () => {
  it("stores every model of every page once and clears its cursor", async () => {
    const summary = await sync();
    expect(summary).toMatchObject({
      fetched: 25,
      inserted: 25,
      updated: 0,
      unchanged: 0,
      pages: 3,
      resumed: false,
      stoppedEarly: false,
      limitReached: false,
    });
    expect(await store.countModels({ source: "hub" })).toBe(25);
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).cursor)).toBeNull();
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).watermark)).toBe(
      "2025-06-01T00:00:00.000Z",
    );
    const stored = await store.getModel("gen-org-0/model-000000");
    expect(stored).toMatchObject({ task: "text-classification", license: "apache-2.0" });
    expect(stored?.languages).toEqual(["en", "fr"]);
  });

  it("stores the recorded-shape fixtures as full records", async () => {
    hub.setModels(loadHubFixtures());
    await sync();
    const distilbert = await store.getModel(
      "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
    );
    expect(distilbert?.params).toBe(66955010);
    expect(distilbert?.evalResults.filter((result) => result.verified)).toHaveLength(4);
    const qwen = await store.getModel("Qwen/Qwen2.5-7B-Instruct");
    expect(qwen?.memoryBytes.bf16).toBe(7615616512 * 2);
  });

  it("keeps what the offline snapshot knew and the Hub does not, and stays idempotent", async () => {
    hub.setModels(loadHubFixtures());
    const id = "sentence-transformers/all-MiniLM-L6-v2";
    const leaderboard = {
      benchmark: "STS22",
      metric: "main_score",
      value: 61.3,
      scale: "percent" as const,
      source: "mteb",
      verified: true,
    };
    const measured = {
      hardware: "cpu-laptop",
      kind: "measured" as const,
      latencyMs: 4.2,
      batchSize: 1,
      source: "modelscout-profiler",
    };
    await store.upsertModels([
      toModelRecord({
        id,
        source: "hub",
        task: "sentence-similarity",
        lastModified: null,
        contextLength: 256,
        downloads: 1,
        score: 61.3,
        evalResults: [
          leaderboard,
          { ...leaderboard, benchmark: "old-card", source: "model-card", verified: false },
        ],
        hardware: [measured],
        extra: { embeddingDim: 384 },
      }),
    ]);
    const first = await sync();
    expect(first).toMatchObject({ inserted: 3, updated: 1 });
    const merged = await store.getModel(id);
    expect(merged).toMatchObject({
      downloads: 83270166,
      lastModified: "2024-11-01T10:26:30.000Z",
      contextLength: 256,
      score: 61.3,
      hardware: [measured],
      extra: { embeddingDim: 384, storedDtype: "fp32" },
    });
    expect(merged?.evalResults).toEqual([leaderboard]);
    const second = await sync({ full: true });
    expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
  });

  it("keeps files a look-up found when a re-sync's listing names none, and takes a new list whole", async () => {
    const id = "Xenova/bert-sst2";
    const entry = {
      id,
      pipeline_tag: "text-classification",
      library_name: "transformers.js",
      tags: ["transformers.js", "onnx"],
      lastModified: "2025-01-01T00:00:00.000Z",
      safetensors: { parameters: { F32: 4_000_000 }, total: 4_000_000 },
    };
    hub.setModels([entry]);
    await sync();
    const listed = await store.getModel(id);
    expect(listed?.extra.filesUnknown).toBe(true);
    // A look-up (selection, `catalog show`) finds the files and stores them.
    if (listed === null) throw new Error("not synced");
    await storeOnnxFiles(store, listed, ["onnx/model.onnx", "onnx/model_quantized.onnx"]);
    // The model changes on the mirror, whose listing still names no files.
    hub.touch([id], "2025-02-01T00:00:00.000Z", { downloads: 7 });
    await sync({ full: true });
    const resynced = await store.getModel(id);
    expect(resynced).toMatchObject({ downloads: 7, lastModified: "2025-02-01T00:00:00.000Z" });
    expect(resynced?.extra.filesUnknown).toBeUndefined();
    expect(resynced?.extra.onnxFiles).toEqual(["onnx/model.onnx", "onnx/model_quantized.onnx"]);
    expect(resynced?.extra.onnxVariants).toEqual(["q8"]);
    expect((await store.getModel(`${id}@q8`))?.extra.baseModelId).toBe(id);
    // The mirror's default listing, without lastModified either: still not erased.
    hub.setModels([{ ...entry, downloads: 8, lastModified: undefined }]);
    await sync({ full: true });
    expect(await store.getModel(id)).toMatchObject({ downloads: 8, lastModified: null });
    expect((await store.getModel(id))?.extra.onnxFiles).toHaveLength(2);
    // A listing that names the files (the Hub's, with siblings) replaces them, variants too.
    hub.setModels([
      {
        ...entry,
        lastModified: "2025-03-01T00:00:00.000Z",
        siblings: [{ rfilename: "onnx/model.onnx" }],
      },
    ]);
    await sync({ full: true });
    const relisted = await store.getModel(id);
    expect(relisted?.extra.onnxFiles).toEqual(["onnx/model.onnx"]);
    expect(relisted?.extra.onnxVariants).toBeUndefined();
  });

  it("reads HF_ENDPOINT and HF_TOKEN when no endpoint or token is given", async () => {
    vi.stubEnv("HF_ENDPOINT", `${hub.url}/`);
    vi.stubEnv("HF_TOKEN", TOKEN);
    const summary = await syncCatalog({ store, retry: FAST_RETRY });
    expect(summary.endpoint).toBe(hub.url);
    expect(summary.fetched).toBe(25);
    expect(hub.modelRequests()[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("is idempotent: a full second sync finds every model unchanged", async () => {
    await sync();
    const second = await sync({ full: true });
    expect(second).toMatchObject({ fetched: 25, inserted: 0, updated: 0, unchanged: 25, pages: 3 });
    expect(second.stoppedEarly).toBe(false);
    expect(await store.countModels()).toBe(25);
  });

  it("stops at the first page with a model it already has, counting new and updated ones", async () => {
    await sync();
    const newest = "2025-07-01T00:00:00.000Z";
    hub.touch(["gen-org-20/model-000020", "gen-org-21/model-000021"], newest, { likes: 999 });
    hub.setModels([
      ...generateHubModels(3, { idPrefix: "new", newestMs: Date.parse(newest) + 1000 }),
      ...hub.models(),
    ]);
    const requestsBefore = hub.modelRequests().length;
    const events: SyncEvent[] = [];
    const second = await sync({ onEvent: (event) => events.push(event) });
    expect(second).toMatchObject({ inserted: 3, updated: 2, pages: 1, stoppedEarly: true });
    expect(hub.modelRequests().length - requestsBefore).toBe(1);
    expect(events.find((event) => event.type === "start")).toMatchObject({ incremental: true });
    expect(events.some((event) => event.type === "stopped-early")).toBe(true);
    expect((await store.getModel("gen-org-20/model-000020"))?.likes).toBe(999);
    expect(await store.countModels()).toBe(28);
  });

  it("does not let a --limit run make a later sync stop early", async () => {
    const limited = await sync({ limit: 10 });
    expect(limited).toMatchObject({ fetched: 10, limitReached: true });
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).watermark)).toBeNull();
    const complete = await sync();
    expect(complete).toMatchObject({
      fetched: 25,
      inserted: 15,
      unchanged: 10,
      stoppedEarly: false,
    });
  });

  it("caps the models fetched with limit", async () => {
    const summary = await sync({ limit: 13 });
    expect(summary).toMatchObject({ fetched: 13, inserted: 13, pages: 2, limitReached: true });
    expect(await store.countModels()).toBe(13);
    expect(hub.modelRequests().map((request) => request.query.get("limit"))).toEqual(["10", "3"]);
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).cursor)).toBeNull();
  });

  it("resumes an interrupted sync from its saved cursor, even after reopening the store", async () => {
    const path = temporaryDatabasePath();
    store = await openStore(path);
    const controller = new AbortController();
    const interrupted = sync({
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "page" && event.page === 2) controller.abort(new Error("killed"));
      },
    });
    await expect(interrupted).rejects.toThrow("killed");
    expect(await store.countModels()).toBe(20);
    const saved = JSON.parse(
      (await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).cursor)) ?? "{}",
    );
    expect(saved).toMatchObject({ pages: 2, fetched: 20 });
    await store.close();

    store = await openStore(path);
    const requestsBefore = hub.modelRequests().length;
    const events: SyncEvent[] = [];
    const resumed = await sync({ onEvent: (event) => events.push(event) });
    expect(resumed).toMatchObject({ resumed: true, fetched: 25, inserted: 25, pages: 3 });
    expect(events[0]).toMatchObject({ type: "start", resumed: true, resumedFrom: { pages: 2 } });
    const resumedRequests = hub.modelRequests().slice(requestsBefore);
    expect(resumedRequests).toHaveLength(1);
    expect(resumedRequests[0]?.query.get("cursor")).not.toBeNull();
    expect(await store.countModels()).toBe(25);
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).cursor)).toBeNull();
  });

  it("keeps the pages before a failure and resumes after a fetch that throws", async () => {
    let calls = 0;
    const flakyFetch: typeof fetch = (input, init) => {
      calls += 1;
      if (calls === 2) return Promise.reject(new TypeError("fetch failed"));
      return fetch(input, init);
    };
    const error = await failure(
      sync({ fetch: flakyFetch, retry: { ...FAST_RETRY, maxRetries: 0 } }),
    );
    expect(error.code).toBe("HUB_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(await store.countModels()).toBe(10);
    const resumed = await sync();
    expect(resumed).toMatchObject({ resumed: true, fetched: 25 });
    expect(await store.countModels()).toBe(25);
  });

  it("syncs only the models with the tags asked for, as a query of its own", async () => {
    // Every fifth model has an onnx/ folder, which the Hub tags `onnx`.
    hub.setModels(
      generateHubModels(25).map((model, index) =>
        index % 5 === 0 ? { ...model, tags: [...(model.tags as string[]), "onnx"] } : model,
      ),
    );
    const onnxQuery = { ...ALL_QUERY, tags: ["onnx"] };
    const summary = await sync({ tags: [" onnx", "onnx"] });
    expect(summary.fetched).toBe(5);
    expect(hub.modelRequests().map((request) => request.query.getAll("filter"))).toEqual([
      ["onnx"],
    ]);
    // The models the catalog's ONNX view then finds are those.
    const found = await store.searchModels({ onnx: true, sort: "downloads", limit: 50 });
    expect(found.hits).toHaveLength(5);
    expect(await store.countModels({ source: "hub" })).toBe(5);
    // Its watermark and state are its own; a query without tags keeps the keys it had.
    expect(syncMetaKeys(hub.url, ALL_QUERY).watermark).toBe(
      `hub-sync:watermark:${JSON.stringify([hub.url, null, null, null])}`,
    );
    expect(await store.getMeta(syncMetaKeys(hub.url, onnxQuery).watermark)).not.toBeNull();
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).watermark)).toBeNull();
    const [state] = await listSyncStates(store);
    expect(state?.query).toEqual(onnxQuery);
    expect(state?.finished?.fetched).toBe(5);
  });

  it("fails on a malformed page with HUB_RESPONSE_INVALID and keeps the pages before it", async () => {
    hub.script({ kind: "ok" }, { kind: "ok" }, { kind: "malformed-json" });
    const error = await failure(sync());
    expect(error.code).toBe("HUB_RESPONSE_INVALID");
    expect(error.message).toContain(hub.url);
    expect(error.message).not.toContain(TOKEN);
    expect(await store.countModels()).toBe(20);
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).cursor)).not.toBeNull();
    // What `catalog status` shows: a run left unfinished, none finished yet.
    expect(await listSyncStates(store)).toEqual([
      {
        endpoint: hub.url,
        query: ALL_QUERY,
        finished: null,
        interrupted: { startedAt: expect.any(String), fetched: 20, pages: 2 },
      },
    ]);
    const resumed = await sync();
    const [state] = await listSyncStates(store);
    expect(state?.interrupted).toBeNull();
    expect(state?.finished).toMatchObject({
      finishedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      fetched: resumed.fetched,
      inserted: 25,
      complete: true,
    });
  });

  it("retries 429 and 503 during a sync and reports the retries", async () => {
    hub.script(
      { kind: "ok" },
      { kind: "status", status: 429, retryAfter: "0" },
      { kind: "status", status: 503 },
    );
    const events: SyncEvent[] = [];
    const summary = await sync({ onEvent: (event) => events.push(event) });
    expect(summary.fetched).toBe(25);
    const retries = events.flatMap((event) => (event.type === "retry" ? [event.retry.status] : []));
    expect(retries).toEqual([429, 503]);
  });

  it("sends the query with the resolved task and keeps cursors per query", async () => {
    const summary = await sync({ task: "sentiment", author: "gen-org-0" });
    expect(summary.query).toEqual({
      task: "text-classification",
      search: null,
      author: "gen-org-0",
      tags: [],
    });
    expect(summary.fetched).toBe(1);
    const first = hub.modelRequests()[0];
    expect(first?.query.get("pipeline_tag")).toBe("text-classification");
    expect(first?.query.get("author")).toBe("gen-org-0");
    expect(
      await store.getMeta(syncMetaKeys(hub.url, { ...summary.query }).watermark),
    ).not.toBeNull();
    expect(await store.getMeta(syncMetaKeys(hub.url, ALL_QUERY).watermark)).toBeNull();
  });

  it("validates its options with messages that say what to do", async () => {
    for (const limit of [0, -1, 2.5]) {
      const error = await failure(sync({ limit }));
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(error.message).toContain("positive whole number");
    }
    const unknownTask = await failure(sync({ task: "text-clasification" }));
    expect(unknownTask.code).toBe("UNKNOWN_TASK");
    expect(unknownTask.message).toContain('Did you mean "text-classification"');
    const badEndpoint = await failure(sync({ endpoint: "ftp://hub" }));
    expect(badEndpoint.code).toBe("INVALID_ARGUMENT");
    expect(hub.modelRequests()).toHaveLength(0);
  });

  it("discards a saved cursor that points at another host", async () => {
    await store.setMeta(
      syncMetaKeys(hub.url, ALL_QUERY).cursor,
      JSON.stringify({
        version: 1,
        nextUrl: "http://elsewhere.example/api/models?cursor=x",
        fetched: 5,
        inserted: 5,
        updated: 0,
        unchanged: 0,
        pages: 1,
        newestLastModified: null,
        watermark: null,
        startedAt: "2025-01-01T00:00:00.000Z",
      }),
    );
    const events: SyncEvent[] = [];
    const summary = await sync({ onEvent: (event) => events.push(event) });
    expect(events[0]).toMatchObject({ type: "cursor-discarded" });
    expect(summary).toMatchObject({ resumed: false, fetched: 25 });
  });
});
