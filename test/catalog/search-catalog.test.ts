import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { toModelRecord } from "../../src/catalog/model-record.js";
import { searchCatalog } from "../../src/catalog/search-catalog.js";
import { NPM_MODELS } from "../../src/catalog/sources/npm-models.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { makeModel } from "../support/make-model.js";

let store: CatalogStore;

beforeAll(async () => {
  store = await openSqliteStore({ path: ":memory:" });
  await store.upsertModels([
    makeModel({
      id: "llm/7b",
      task: "text-generation",
      params: 7e9,
      languages: ["en"],
      license: "apache-2.0",
      score: 30,
      downloads: 100,
    }),
    makeModel({
      id: "llm/70b",
      task: "text-generation",
      params: 70e9,
      languages: ["en"],
      license: "llama3",
      score: 45,
      downloads: 50,
    }),
    makeModel({
      id: "llm/0.5b-zh",
      task: "text-generation",
      params: 0.5e9,
      languages: ["zh", "en"],
      license: "apache-2.0",
      score: 12,
      downloads: 10,
    }),
    makeModel({
      id: "emb/small",
      task: "sentence-similarity",
      params: 33e6,
      languages: ["en"],
      downloads: 1000,
    }),
    makeModel({
      id: "emb/zh",
      task: "feature-extraction",
      params: 100e6,
      languages: ["zh"],
      downloads: 5,
    }),
    makeModel({
      id: "vision/measured",
      task: "image-classification",
      params: 25e6,
      flopsPerItem: 8e9,
      hardware: [
        {
          hardware: "rtx-4090",
          kind: "measured",
          throughputPerSecond: 2000,
          batchSize: 256,
          source: "timm-benchmark",
        },
      ],
    }),
    makeModel({
      id: "vision/unmeasured",
      task: "image-classification",
      params: 25e6,
      flopsPerItem: 8e9,
    }),
    makeModel({
      id: "Xenova/vision-onnx",
      task: "image-classification",
      library: "transformers.js",
      params: 25e6,
    }),
    makeModel({
      id: "vision/with-onnx-folder",
      task: "image-classification",
      library: "transformers",
      tags: ["onnx"],
      params: 86e6,
    }),
  ]);
});

const ids = (result: Awaited<ReturnType<typeof searchCatalog>>) =>
  result.models.map((model) => model.id);

describe("searchCatalog", () => {
  it("resolves task aliases and widens embedding searches to both embedding tags", async () => {
    const result = await searchCatalog(store, { task: "embeddings" });
    expect(ids(result).sort()).toEqual(["emb/small", "emb/zh"]);
    expect(result.query.tasks).toEqual(["feature-extraction", "sentence-similarity"]);
  });

  it("keeps the libraries named, comma-separated", async () => {
    const onnx = await searchCatalog(store, {
      task: "image-classification",
      library: "transformers.js, onnx",
    });
    expect(ids(onnx)).toEqual(["Xenova/vision-onnx"]);
    expect(ids(await searchCatalog(store, { library: "timm" }))).toEqual([]);
  });

  it("keeps the models with ONNX weights of any library with onnx", async () => {
    const onnx = await searchCatalog(store, { task: "image-classification", onnx: true });
    expect(ids(onnx).sort()).toEqual(["Xenova/vision-onnx", "vision/with-onnx-folder"]);
  });

  it("accepts language names and codes", async () => {
    expect(ids(await searchCatalog(store, { task: "llm", language: "Chinese" }))).toEqual([
      "llm/0.5b-zh",
    ]);
    expect(ids(await searchCatalog(store, { task: "text_generation", language: "zho" }))).toEqual([
      "llm/0.5b-zh",
    ]);
  });

  it("keeps only models that fit the hardware at its default dtype, with verdicts per dtype", async () => {
    const onT4 = await searchCatalog(store, {
      task: "text-generation",
      hardware: "T4",
      sort: "score",
    });
    expect(onT4.query.hardware).toBe("t4");
    expect(ids(onT4)).toEqual(["llm/7b", "llm/0.5b-zh"]);
    for (const model of onT4.models) {
      expect(model.fits).toBe(true);
      expect(model.latencyKind).toBe("estimated");
      expect(model.estimatedLatencyMs).toBeGreaterThan(0);
    }
    expect(onT4.models[0]?.fitsByDtype).toMatchObject({ fp32: false, int4: true });
    const onA100 = await searchCatalog(store, {
      task: "text-generation",
      hardware: "NVIDIA_A100",
      dtype: "int4",
    });
    expect(ids(onA100)).toContain("llm/70b");
  });

  it("applies a memory budget and a latency bound", async () => {
    const small = await searchCatalog(store, {
      task: "text-generation",
      maxMemoryGb: 4,
      dtype: "fp16",
    });
    expect(ids(small)).toEqual(["llm/0.5b-zh"]);
    const fast = await searchCatalog(store, {
      task: "text-generation",
      hardware: "a100-80gb",
      maxLatencyMs: 1e9,
      sort: "latency",
    });
    const latencies = fast.models.map((model) => model.latencyMs ?? Number.NaN);
    expect(latencies).toEqual([...latencies].sort((a, b) => a - b));
    const bound = (latencies[0] ?? 0) * 1.0001;
    const bounded = await searchCatalog(store, {
      task: "text-generation",
      hardware: "a100-80gb",
      maxLatencyMs: bound,
    });
    expect(ids(bounded)).toEqual([fast.models[0]?.id]);
  });

  it("prefers a measured latency and labels it", async () => {
    const result = await searchCatalog(store, {
      task: "image-classification",
      hardware: "rtx 4090",
      sort: "latency",
    });
    const measured = result.models.find((model) => model.id === "vision/measured");
    expect(measured).toMatchObject({
      latencyKind: "measured",
      latencyMs: 0.5,
      measuredLatencyMs: 0.5,
    });
    expect(measured?.estimatedLatencyMs).toBeGreaterThan(0);
    const unmeasured = result.models.find((model) => model.id === "vision/unmeasured");
    expect(unmeasured).toMatchObject({ latencyKind: "estimated", measuredLatencyMs: null });
  });

  it("searches this machine's profiler measurements with --hardware local", async () => {
    const profiled = makeModel({
      id: "vision/profiled-here",
      task: "image-classification",
      params: 25e6,
      flopsPerItem: 8e9,
      hardware: [
        {
          hardware: "local",
          kind: "measured",
          latencyMs: 3.25,
          batchSize: 1,
          source: "modelscout-profiler",
        },
      ],
    });
    await store.upsertModels([profiled]);
    const result = await searchCatalog(store, {
      task: "image-classification",
      hardware: "local",
      sort: "latency",
    });
    expect(result.query.hardware).toBe("local");
    expect(result.models[0]).toMatchObject({
      id: "vision/profiled-here",
      latencyKind: "measured",
      latencyMs: 3.25,
    });
  });

  it("names the bad option and what was expected", async () => {
    await expect(searchCatalog(store, { limit: 0 })).rejects.toThrow(/limit/);
    await expect(searchCatalog(store, { maxMemoryGb: -1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    await expect(searchCatalog(store, { sort: "popularity" as never })).rejects.toThrow(/sort/);
    await expect(searchCatalog(store, { language: "klingonese" })).rejects.toThrow(
      /Unknown language/,
    );
    await expect(searchCatalog(store, { maxLatencyMs: 10 })).rejects.toThrow(/needs --hardware/);
    await expect(searchCatalog(store, { sort: "latency" })).rejects.toThrow(/needs --hardware/);
    await expect(searchCatalog(store, { hardware: "tpu-v9" })).rejects.toMatchObject({
      code: "UNKNOWN_HARDWARE",
    });
    await expect(searchCatalog(store, { task: "text-clasification" })).rejects.toThrow(
      /Did you mean/,
    );
  });
});

describe("searchCatalog with a memory bound over models of unknown size", () => {
  let npmCatalog: CatalogStore;

  beforeAll(async () => {
    npmCatalog = await openSqliteStore({ path: ":memory:" });
    await npmCatalog.upsertModels([
      ...NPM_MODELS.map((model) => toModelRecord(model)),
      // A recorded size that does not fit 1 GB, whatever its (unknown) parameter count.
      makeModel({ id: "big/lexicon", params: null, memoryBytes: { fp32: 2e9 } }),
    ]);
  });

  afterAll(async () => {
    await npmCatalog.close();
  });

  it("keeps them, with their fit unknown, as select does (the README's example)", async () => {
    const onPi = await searchCatalog(npmCatalog, {
      task: "sentiment",
      language: "zh",
      hardware: "rpi5",
    });
    expect(onPi.models.map((model) => model.id)).toEqual(["npm:multilang-sentiment"]);
    // A lexicon records its size at fp32 only; a Pi's int8 size is unknown.
    expect(onPi.models[0]).toMatchObject({ dtype: "int8", fits: null, memoryBytes: null });
  });

  it("judges a recorded weight size by itself: npm:sentiment's 71 kB fit 1 GB", async () => {
    const classifiers = NPM_MODELS.filter((model) => model.task === "text-classification");
    const result = await searchCatalog(npmCatalog, {
      task: "text-classification",
      maxMemoryGb: 1,
      limit: 50,
    });
    const found = result.models.map((model) => model.id);
    expect(found).toContain("npm:sentiment");
    expect(found).not.toContain("big/lexicon");
    expect([...found].sort()).toEqual(classifiers.map((model) => model.id).sort());
    const sentiment = result.models.find((model) => model.id === "npm:sentiment");
    expect(sentiment).toMatchObject({ params: null, dtype: "fp32" });
    expect(result.query.maxParams).toBeCloseTo(1e9 / (4 * 1.2), 0);
  });
});
