import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import {
  DEFAULT_TOKENS_PER_ITEM,
  EFFICIENCY_BY_KIND,
  effectiveFlopsPerItem,
  estimateLatencyMs,
  GENERATIVE_TASKS,
  hardwareLatency,
  latencyCoefficients,
} from "../../src/hardware/estimate-latency.js";
import type { HardwareProfile } from "../../src/hardware/hardware-profiles.js";
import { listHardwareProfiles, resolveHardware } from "../../src/hardware/resolve-hardware.js";
import { TASK_IDS } from "../../src/tasks/resolve-task.js";
import { makeModel } from "../support/make-model.js";

/** Round figures so the expected values below can be worked out by hand. */
const GPU = {
  id: "rtx-4090",
  kind: "gpu",
  peakTflops: 100,
  peakPrecision: "fp16",
  memoryBandwidthBytesPerSecond: 1e12,
} as const satisfies Pick<
  HardwareProfile,
  "kind" | "peakTflops" | "peakPrecision" | "memoryBandwidthBytesPerSecond"
> & { id: string };
const CPU = {
  id: "cpu-laptop",
  kind: "cpu",
  peakTflops: 1,
  peakPrecision: "fp32",
  memoryBandwidthBytesPerSecond: 50e9,
} as const;

describe("latency coefficients", () => {
  it("uses the documented efficiencies", () => {
    // If these change, the hand-computed figures below and docs/decisions/0003 must too.
    expect(EFFICIENCY_BY_KIND.gpu).toEqual({ compute: 0.45, bandwidth: 0.7, overheadMs: 0.3 });
    expect(EFFICIENCY_BY_KIND.cpu).toEqual({ compute: 0.3, bandwidth: 0.6, overheadMs: 1 });
    const coefficients = latencyCoefficients(GPU, "fp16");
    // 1000 ms / (100e12 FLOP/s x 0.45); 1000 ms x 2 bytes / (1e12 B/s x 0.7).
    expect(coefficients.msPerFlop).toBeCloseTo(2.2222222e-11, 18);
    expect(coefficients.msPerParam).toBeCloseTo(2.8571429e-9, 15);
    expect(coefficients).toMatchObject({
      hardwareId: "rtx-4090",
      overheadMs: 0.3,
      decodeTokens: 128,
    });
    // fp32 on a device whose peak is quoted for fp16 runs at half rate and reads 4 bytes.
    const fp32 = latencyCoefficients(GPU, "fp32");
    expect(fp32.msPerFlop).toBeCloseTo(2 * coefficients.msPerFlop, 20);
    expect(fp32.msPerParam).toBeCloseTo(2 * coefficients.msPerParam, 18);
  });

  it("lists only generative pipeline tags", () => {
    for (const task of GENERATIVE_TASKS) {
      // text2text-generation left @huggingface/tasks but is still on many Hub models (T5).
      if (task !== "text2text-generation") expect(TASK_IDS).toContain(task);
    }
    expect(GENERATIVE_TASKS).toContain("text-generation");
    expect(GENERATIVE_TASKS).not.toContain("text-classification");
  });
});

describe("estimateLatencyMs", () => {
  const coefficients = latencyCoefficients(GPU, "fp16");

  it("takes the slower of compute and one weight read for an encoder", () => {
    // Weight-bound: 100e6 params x 2.857e-9 = 0.2857 ms > 9e9 FLOP x 2.222e-11 = 0.2 ms.
    const small = makeModel({
      id: "enc/small",
      task: "image-classification",
      params: 100e6,
      flopsPerItem: 9e9,
    });
    expect(estimateLatencyMs(small, coefficients)).toBeCloseTo(0.3 + 0.2857142857, 9);
    // Compute-bound: 45e9 FLOP = 1.0 ms.
    const heavy = { ...small, flopsPerItem: 45e9 };
    expect(estimateLatencyMs(heavy, coefficients)).toBeCloseTo(1.3, 9);
  });

  it("adds one weight read per decoded token for a generator", () => {
    // 1e9 params, no FLOPs figure: 2 x 1e9 x 128 = 2.56e11 FLOP = 5.6889 ms of prefill,
    // plus 128 tokens x 1e9 params x 2.857e-9 ms = 365.7143 ms of decoding.
    const generator = makeModel({ id: "gen/1b", task: "text-generation", params: 1e9 });
    expect(estimateLatencyMs(generator, coefficients)).toBeCloseTo(
      0.3 + 5.6888888889 + 365.7142857143,
      6,
    );
  });

  it("estimates a CPU encoder from its parameter count alone", () => {
    // 100e6 params -> 2.56e10 FLOP x 1000 / (1e12 x 0.3) = 85.333 ms; weights 4e8 bytes
    // / (50e9 x 0.6) = 13.333 ms; plus 1 ms overhead.
    const encoder = makeModel({ id: "enc/base", task: "feature-extraction", params: 100e6 });
    expect(estimateLatencyMs(encoder, latencyCoefficients(CPU, "fp32"))).toBeCloseTo(86.3333333, 6);
  });

  it("is null without a parameter count, as in SQL", () => {
    expect(estimateLatencyMs(makeModel({ id: "x" }), coefficients)).toBeNull();
    expect(
      estimateLatencyMs(makeModel({ id: "y", params: null, flopsPerItem: 1e9 }), coefficients),
    ).toBeNull();
  });

  it("falls back to two FLOPs per parameter per default token", () => {
    expect(effectiveFlopsPerItem({ params: 1e6, flopsPerItem: null })).toBe(
      2 * 1e6 * DEFAULT_TOKENS_PER_ITEM,
    );
    expect(effectiveFlopsPerItem({ params: 1e6, flopsPerItem: 5 })).toBe(5);
    expect(effectiveFlopsPerItem({ params: null, flopsPerItem: null })).toBeNull();
  });

  it("agrees with the SQLite store's SQL formula on every real profile", async () => {
    const models = [
      makeModel({ id: "m/enc", task: "image-classification", params: 25e6, flopsPerItem: 8e9 }),
      makeModel({ id: "m/emb", task: "feature-extraction", params: 33e6 }),
      makeModel({ id: "m/llm", task: "text-generation", params: 7e9 }),
      makeModel({ id: "m/asr", task: "automatic-speech-recognition", params: 39e6 }),
      makeModel({ id: "m/notask", task: null, params: 5e6 }),
    ];
    const store = await openSqliteStore({ path: ":memory:" });
    try {
      await store.upsertModels(models);
      for (const profile of listHardwareProfiles()) {
        const coefficientsForProfile = latencyCoefficients(profile, profile.defaultDtype);
        const result = await store.searchModels({
          latency: coefficientsForProfile,
          sort: "latency",
          limit: 10,
        });
        expect(result.hits).toHaveLength(models.length);
        for (const hit of result.hits) {
          const expected = estimateLatencyMs(hit.model, coefficientsForProfile);
          expect(hit.latencyKind).toBe("estimated");
          expect(hit.latencyMs, `${profile.id} ${hit.model.id}`).toBeCloseTo(
            expected ?? Number.NaN,
            9,
          );
        }
      }
    } finally {
      await store.close();
    }
  });
});

describe("hardwareLatency", () => {
  const measuredModel = makeModel({
    id: "timm/resnet50",
    task: "image-classification",
    params: 25.6e6,
    flopsPerItem: 8.2e9,
    hardware: [
      {
        hardware: "rtx-4090",
        kind: "measured",
        throughputPerSecond: 4000,
        batchSize: 1024,
        source: "timm-benchmark",
      },
      {
        hardware: "cpu-i7-12700h",
        kind: "measured",
        throughputPerSecond: 25,
        batchSize: 1,
        source: "timm-benchmark",
      },
      // An estimate stored by someone else never counts as a measurement.
      { hardware: "t4", kind: "estimated", latencyMs: 0.001, source: "guess" },
    ],
  });

  it("prefers a measurement and says it is batch-amortised", () => {
    const latency = hardwareLatency(measuredModel, resolveHardware("4090"), "fp16");
    expect(latency).toMatchObject({ latencyMs: 0.25, kind: "measured", batchSize: 1024 });
    expect(latency.source).toContain("timm-benchmark");
    expect(latency.source).toContain("amortised over batch 1024");
  });

  it("prefers a batch-1 measurement over a larger batch", () => {
    const model = {
      ...measuredModel,
      hardware: [
        ...measuredModel.hardware,
        {
          hardware: "rtx-4090",
          kind: "measured" as const,
          latencyMs: 2.5,
          batchSize: 1,
          source: "modelscout-profiler",
        },
      ],
    };
    expect(hardwareLatency(model, resolveHardware("rtx-4090"), "fp16")).toEqual({
      latencyMs: 2.5,
      kind: "measured",
      source: "modelscout-profiler (batch 1)",
      batchSize: 1,
    });
    expect(hardwareLatency(model, resolveHardware("cpu-i7-12700h"), "fp32").latencyMs).toBe(40);
  });

  it("falls back to the labelled roofline estimate elsewhere", () => {
    const t4 = resolveHardware("t4");
    const latency = hardwareLatency(measuredModel, t4, "fp16");
    expect(latency).toEqual({
      latencyMs: estimateLatencyMs(measuredModel, latencyCoefficients(t4, "fp16")),
      kind: "estimated",
      source: "roofline estimate",
    });
    expect(latency.latencyMs).toBeGreaterThan(0.3);
  });
});
