import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransformersBackend } from "../../src/backends/transformers-js/transformers-backend.js";
import { createTransformersBackendProvider } from "../../src/backends/transformers-js/transformers-backend-provider.js";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { searchCatalog } from "../../src/catalog/search-catalog.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { hardwareLatency } from "../../src/hardware/estimate-latency.js";
import {
  LOCAL_HARDWARE_ID,
  localHardwareLatency,
} from "../../src/hardware/local-machine-profile.js";
import { resolveHardware } from "../../src/hardware/resolve-hardware.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { percentile, profileModel, summarise } from "../../src/profile/profile-model.js";
import { PROFILER_SOURCE, recordProfile } from "../../src/profile/record-profile.js";
import { sampleInputs } from "../../src/profile/sample-inputs.js";
import { makeModel } from "../support/make-model.js";
import { prepareOfflineModels } from "../support/offline-models.js";

const SENTIMENT = "modelscout/sentiment-en-bow";
let mirror: MirrorServer;
let cacheDirectory: string;
let store: CatalogStore;

beforeAll(async () => {
  const offline = await prepareOfflineModels();
  mirror = await startMirrorServer({ directory: offline.directory });
  cacheDirectory = await mkdtemp(join(tmpdir(), "modelscout-profile-cache-"));
  store = await openSqliteStore({ path: ":memory:" });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await mirror?.close();
  await rm(cacheDirectory, { recursive: true, force: true });
});

const settings = () => ({
  remoteHost: `${mirror.url}/`,
  cacheDirectory,
  offline: false,
  revision: "main",
});

function sentimentRecord() {
  // A parameter count, so that hardware-bounded searches judge its fit (not shown as unknown).
  return makeModel({
    id: SENTIMENT,
    task: "text-classification",
    library: "transformers.js",
    tags: ["onnx"],
    params: 4_000,
    hardware: [
      {
        hardware: "cpu-laptop",
        kind: "measured",
        latencyMs: 99,
        batchSize: 1,
        source: "someone-else",
      },
    ],
  });
}

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 0.5)).toBe(5);
    expect(percentile(sorted, 0.95)).toBe(10);
    expect(percentile([7], 0.95)).toBe(7);
    expect(summarise([3, 1, 2])).toEqual({ p50: 2, p95: 3, mean: 2, min: 1, max: 3 });
  });
});

describe("profileModel", () => {
  it("measures a real model in process: cold load, per-batch and per-item latency, throughput, memory", async () => {
    const backend = createTransformersBackend({ model: sentimentRecord(), settings: settings() });
    const profile = await profileModel({
      backend,
      inputs: sampleInputs("text-classification"),
      batchSizes: [1, 4],
      warmupRuns: 1,
      runs: 3,
    });
    await backend.unload();
    expect(profile).toMatchObject({
      modelId: SENTIMENT,
      provider: "transformers-js",
      dtype: "fp32",
      memoryScope: "this-process",
    });
    expect(profile.coldLoadMs).toBeGreaterThan(0);
    expect(profile.batches.map((batch) => batch.batchSize)).toEqual([1, 4]);
    for (const batch of profile.batches) {
      expect(batch.runs).toBe(3);
      expect(batch.itemLatencyMs.p50).toBeLessThanOrEqual(batch.itemLatencyMs.p95);
      expect(batch.itemLatencyMs.p50 * batch.batchSize).toBeCloseTo(batch.batchLatencyMs.p50, 6);
      expect(batch.throughputPerSecond).toBeCloseTo(
        (batch.batchSize * 1000) / batch.batchLatencyMs.mean,
        6,
      );
    }
    expect(profile.peakMemoryBytes).toBeGreaterThan(10_000_000);
    expect(profile.machine.id).toBe(LOCAL_HARDWARE_ID);
  });

  it("reads peak memory from the model's own process when isolated", async () => {
    const backend = createTransformersBackendProvider({
      settings: settings(),
      isolated: true,
    }).create(sentimentRecord());
    const profile = await profileModel({
      backend,
      inputs: ["fine", "bad"],
      runs: 2,
      warmupRuns: 0,
    });
    await backend.unload();
    expect(profile.memoryScope).toBe("model-process");
    expect(profile.peakMemoryBytes).toBeGreaterThan(10_000_000);
  });

  it("rejects bad options with clear messages", async () => {
    const backend = createTransformersBackend({ model: sentimentRecord(), settings: settings() });
    await expect(profileModel({ backend, inputs: [] })).rejects.toThrow(/at least one input/);
    await expect(profileModel({ backend, inputs: ["a"], batchSizes: [0] })).rejects.toThrow(
      /batch size/,
    );
    expect(() => sampleInputs("text-to-image")).toThrow(
      /no built-in sample for the task "text-to-image"/,
    );
  });
});

describe("recordProfile", () => {
  it("stores measured figures for local and named profiles that then win over estimates", async () => {
    const model = sentimentRecord();
    await store.upsertModels([model]);
    const backend = createTransformersBackend({ model, settings: settings() });
    const profile = await profileModel({
      backend,
      inputs: ["good", "bad"],
      batchSizes: [1, 8],
      runs: 3,
      warmupRuns: 1,
    });
    await backend.unload();

    const stored = await recordProfile(store, model, profile, [LOCAL_HARDWARE_ID, "cpu-laptop"]);
    const reread = await store.getModel(SENTIMENT);
    if (reread === null) throw new Error("the profiled model vanished from the store");
    expect(reread.hardware).toEqual(stored.hardware);
    const ours =
      reread.hardware.filter((annotation) => annotation.source === PROFILER_SOURCE) ?? [];
    expect(ours.map((annotation) => [annotation.hardware, annotation.batchSize])).toEqual([
      ["local", 1],
      ["local", 8],
      ["cpu-laptop", 1],
      ["cpu-laptop", 8],
    ]);
    expect(reread.extra.profiles).toMatchObject({
      local: { peakMemoryBytes: profile.peakMemoryBytes },
    });

    const batchOne = profile.batches[0]?.itemLatencyMs.p50;
    // "This machine" as a profile: the measurement, not the roofline estimate.
    const local = localHardwareLatency(reread);
    expect(local).toMatchObject({ kind: "measured", latencyMs: batchOne, batchSize: 1 });

    // The newest batch-1 measurement on cpu-laptop wins over the older one from elsewhere...
    const laptop = hardwareLatency(reread, resolveHardware("cpu-laptop"), "fp32");
    expect(laptop).toMatchObject({ kind: "measured", latencyMs: batchOne });
    // ...and over the estimate in a search, which filters and sorts on it.
    const result = await searchCatalog(store, {
      task: "text-classification",
      hardware: "cpu-laptop",
      limit: 50,
    });
    const hit = result.models.find((candidate) => candidate.id === SENTIMENT);
    expect(hit).toMatchObject({
      latencyKind: "measured",
      measuredLatencyMs: batchOne,
      latencyMs: batchOne,
    });
    expect(hit?.estimatedLatencyMs).not.toBe(batchOne);

    // Profiling again replaces the profiler's figures instead of piling them up.
    const again = await recordProfile(
      store,
      model,
      { ...profile, measuredAt: new Date(Date.now() + 1000).toISOString() },
      [LOCAL_HARDWARE_ID],
    );
    expect(again.hardware.filter((annotation) => annotation.hardware === "local")).toHaveLength(2);
    expect(again.hardware.some((annotation) => annotation.source === "someone-else")).toBe(true);
  });

  it("refuses to store a profile on another model", async () => {
    const backend = createTransformersBackend({ model: sentimentRecord(), settings: settings() });
    const profile = await profileModel({ backend, inputs: ["x"], runs: 1, warmupRuns: 0 });
    await backend.unload();
    await expect(recordProfile(store, makeModel({ id: "other/model" }), profile)).rejects.toThrow(
      /profile is of modelscout\/sentiment-en-bow, not other\/model/,
    );
  });
});

describe("sample inputs", () => {
  it("has a decodable image and 16 kHz audio", async () => {
    const { RawImage } = await import("@huggingface/transformers");
    const [first] = sampleInputs("image-classification");
    if (typeof first !== "object" || !("image" in first) || typeof first.image === "string")
      throw new Error("no image");
    const image = await RawImage.read(new Blob([first.image]));
    expect([image.width, image.height, image.channels]).toEqual([32, 32, 3]);
    const [audio] = sampleInputs("automatic-speech-recognition");
    expect(audio).toMatchObject({ samplingRateHz: 16_000 });
  });
});
