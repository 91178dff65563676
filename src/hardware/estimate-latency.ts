/**
 * @module
 * Per-item latency of a model on a hardware profile: measured where the catalog has a
 * measurement, else a labelled roofline estimate. The estimate follows the contract on
 * `LatencyCoefficients` (catalog/catalog-store.ts) term for term, because the SQLite store
 * evaluates the same formula in SQL to filter and sort; the constants are explained in
 * docs/decisions/0003-latency-estimates.md with the benchmark that checks them.
 */
import type { LatencyCoefficients } from "../catalog/catalog-store.js";
import { measuredLatency } from "../catalog/measured-latency.js";
import { DTYPE_BYTES, type Dtype, type ModelRecord } from "../catalog/model-record.js";
import type { HardwareKind, HardwareProfile } from "./hardware-profiles.js";

/**
 * Tokens assumed per item when a model has no FLOPs figure: a sentence or short paragraph
 * for encoders, the prompt for generators. Also the number of tokens a generator decodes.
 */
export const DEFAULT_TOKENS_PER_ITEM = 128;

/**
 * Tasks whose models decode their output token by token, so each item costs one pass over
 * the weights per output token. Speech recognition (Whisper), captioning and OCR decoders,
 * translation and summarisation are sequence-to-sequence generators too.
 */
export const GENERATIVE_TASKS = [
  "text-generation",
  "text2text-generation",
  "translation",
  "summarization",
  "image-text-to-text",
  "image-to-text",
  "visual-question-answering",
  "video-text-to-text",
  "audio-text-to-text",
  "any-to-any",
  "automatic-speech-recognition",
] as const;

/**
 * Achieved fractions of a device's listed peak compute and bandwidth, and the fixed cost of
 * one call, per kind of device. `compute` is relative to the `SKUS` figure, which for several
 * GPUs is the non-tensor FP16 rate, so tensor-core convolutions and matmuls can exceed it;
 * see docs/decisions/0003-latency-estimates.md for how these were chosen and checked.
 */
export const EFFICIENCY_BY_KIND = {
  cpu: { compute: 0.3, bandwidth: 0.6, overheadMs: 1 },
  gpu: { compute: 0.45, bandwidth: 0.7, overheadMs: 0.3 },
  edge: { compute: 0.3, bandwidth: 0.6, overheadMs: 2 },
  apple: { compute: 0.4, bandwidth: 0.6, overheadMs: 1 },
} as const satisfies Record<
  HardwareKind,
  { compute: number; bandwidth: number; overheadMs: number }
>;

/**
 * Compute-rate multiplier when running fp32 on a device whose peak is quoted for fp16:
 * tensor-core GPUs run fp32/TF32 matmuls at 1/2 to 1/8 of their fp16 rate; 1/2 is the
 * generous end, since the estimate should not rule models out on a guess.
 */
export const FP32_ON_FP16_PEAK_RATE = 0.5;

/** FLOPs for one item: the recorded figure, else two FLOPs per parameter per default token. */
export function effectiveFlopsPerItem(
  model: Pick<ModelRecord, "params" | "flopsPerItem">,
): number | null {
  if (model.flopsPerItem !== null) return model.flopsPerItem;
  return model.params === null ? null : 2 * model.params * DEFAULT_TOKENS_PER_ITEM;
}

export function latencyCoefficients(
  profile: Pick<
    HardwareProfile,
    "id" | "kind" | "peakTflops" | "peakPrecision" | "memoryBandwidthBytesPerSecond"
  >,
  dtype: Dtype,
): LatencyCoefficients {
  const efficiency = EFFICIENCY_BY_KIND[profile.kind];
  const precisionRate =
    profile.peakPrecision === "fp16" && dtype === "fp32" ? FP32_ON_FP16_PEAK_RATE : 1;
  const flopsPerSecond = profile.peakTflops * 1e12 * efficiency.compute * precisionRate;
  const bytesPerSecond = profile.memoryBandwidthBytesPerSecond * efficiency.bandwidth;
  return {
    hardwareId: profile.id,
    overheadMs: efficiency.overheadMs,
    msPerFlop: 1000 / flopsPerSecond,
    msPerParam: (1000 * DTYPE_BYTES[dtype]) / bytesPerSecond,
    decodeTokens: DEFAULT_TOKENS_PER_ITEM,
    generativeTasks: GENERATIVE_TASKS,
  };
}

/**
 * The roofline estimate for one item. Encoders and vision models are bound by compute or by
 * reading the weights once, whichever is slower; generators also read every weight once per
 * decoded token. Null when the parameter count or FLOPs are unknown.
 */
export function estimateLatencyMs(
  model: Pick<ModelRecord, "task" | "params" | "flopsPerItem" | "memoryBytes">,
  coefficients: LatencyCoefficients,
): number | null {
  const flops = effectiveFlopsPerItem(model);
  // Same NULL rule as the SQL: both terms need the parameter count.
  if (model.params === null || flops === null) return null;
  const computeMs = flops * coefficients.msPerFlop;
  const generative = model.task !== null && coefficients.generativeTasks.includes(model.task);
  if (generative) {
    return (
      coefficients.overheadMs +
      computeMs +
      coefficients.decodeTokens * model.params * coefficients.msPerParam
    );
  }
  return coefficients.overheadMs + Math.max(computeMs, model.params * coefficients.msPerParam);
}

export interface HardwareLatency {
  latencyMs: number | null;
  kind: "measured" | "estimated";
  /** Where the figure comes from, e.g. `timm-benchmark: 1000 / throughput at batch 256`. */
  source: string;
  /** Batch size of the measurement, when measured. */
  batchSize?: number;
}

/**
 * The latency to show for `model` on `profile`: a measurement for that profile if the model
 * has one (batch 1 preferred, else the per-item time of the smallest measured batch), else
 * the roofline estimate.
 */
export function hardwareLatency(
  model: ModelRecord,
  profile: Pick<
    HardwareProfile,
    "id" | "kind" | "peakTflops" | "peakPrecision" | "memoryBandwidthBytesPerSecond"
  >,
  dtype: Dtype,
): HardwareLatency {
  const measured = measuredLatency(model, profile.id);
  if (measured !== null) {
    return {
      latencyMs: measured.latencyMs,
      kind: "measured",
      source: measured.amortised
        ? `${measured.source}: per-item time amortised over batch ${measured.batchSize}, not a batch-1 latency`
        : `${measured.source} (batch 1)`,
      batchSize: measured.batchSize,
    };
  }
  return {
    latencyMs: estimateLatencyMs(model, latencyCoefficients(profile, dtype)),
    kind: "estimated",
    source: "roofline estimate",
  };
}
