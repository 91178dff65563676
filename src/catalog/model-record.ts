/**
 * @module
 * The catalog's domain type: everything ModelScout knows about one model, whatever source it
 * came from (Hub, offline snapshot, npm package, HTTP endpoint, local folder). Wire formats
 * (the Hub's JSON, leaderboard CSVs) are mapped to this shape in one place each and never
 * leak past it. The zod schema validates records that cross a boundary (snapshot files,
 * stored JSON columns).
 */
import { z } from "zod";

export const MODEL_SOURCES = ["hub", "npm", "endpoint", "local"] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];

/** Numeric formats a model's weights can be stored in, with their bytes per parameter. */
export const DTYPE_BYTES = {
  fp32: 4,
  fp16: 2,
  bf16: 2,
  int8: 1,
  int4: 0.5,
} as const satisfies Record<string, number>;
export type Dtype = keyof typeof DTYPE_BYTES;
export const DTYPES = Object.keys(DTYPE_BYTES) as Dtype[];

export const evalResultSchema = z.object({
  /** Benchmark or task name, e.g. `MMLU-PRO`, `ImageNet-1k`, `STS22`. */
  benchmark: z.string().min(1),
  /** Metric name, e.g. `accuracy`, `top1`, `main_score`. */
  metric: z.string().min(1),
  /** Value as published, on the scale the source uses (see `scale`). */
  value: z.number().finite(),
  /** `percent` for 0..100 scores, `fraction` for 0..1. */
  scale: z.enum(["percent", "fraction"]).default("percent"),
  /** Where the figure comes from, e.g. `open-llm-leaderboard-v2`, `model-card`. */
  source: z.string().min(1),
  /** True when the figure was produced by a third party (leaderboard), not self-reported. */
  verified: z.boolean(),
  /** Dataset split or variant when the source names one. */
  dataset: z.string().optional(),
  /** Domain board the score belongs to (`finance`, `legal`, `medical`), when any. */
  domain: z.string().optional(),
});
export type EvalResult = z.infer<typeof evalResultSchema>;

export const hardwareAnnotationSchema = z.object({
  /** Hardware profile id (see `hardware/hardware-profiles.ts`). */
  hardware: z.string().min(1),
  /** `measured` figures take precedence over `estimated` ones everywhere. */
  kind: z.enum(["measured", "estimated"]),
  /** Latency of one item at `batchSize`, in milliseconds. */
  latencyMs: z.number().positive().optional(),
  /** Items per second at `batchSize`. */
  throughputPerSecond: z.number().positive().optional(),
  batchSize: z.number().int().positive().default(1),
  dtype: z.string().optional(),
  /** Input size the figure is for, e.g. image resolution or tokens. */
  inputSize: z.number().int().positive().optional(),
  /** Where it was measured: `timm-benchmark`, `modelscout-profiler`, ... */
  source: z.string().min(1),
  measuredAt: z.string().optional(),
});
export type HardwareAnnotation = z.infer<typeof hardwareAnnotationSchema>;

export const modelRecordSchema = z.object({
  /** Hub id (`owner/name`) for hub models; `npm:<package>[/<model>]` for npm models. */
  id: z.string().min(1),
  source: z.enum(MODEL_SOURCES),
  /** Hugging Face pipeline tag, or null when the source does not say. */
  task: z.string().nullable(),
  /** Library the model is meant for (`transformers`, `timm`, `sentence-transformers`, ...). */
  library: z.string().nullable().default(null),
  /** ISO 639-1 codes where one exists, else ISO 639-3; lower case. */
  languages: z.array(z.string()).default([]),
  /** Licence id, lower case (`apache-2.0`, `mit`, `cc-by-4.0`). */
  license: z.string().nullable().default(null),
  datasets: z.array(z.string()).default([]),
  /** Parameter count (from safetensors metadata or the source's figure). */
  params: z.number().nonnegative().nullable().default(null),
  /** Weight memory in bytes per dtype, where known or derived from `params`. */
  memoryBytes: z
    .partialRecord(z.enum(DTYPES as [Dtype, ...Dtype[]]), z.number().nonnegative())
    .default({}),
  /** Forward-pass compute for one typical item, in FLOPs (e.g. image at its native size). */
  flopsPerItem: z.number().nonnegative().nullable().default(null),
  /** Maximum input length in tokens, where known. */
  contextLength: z.number().int().positive().nullable().default(null),
  downloads: z.number().int().nonnegative().default(0),
  likes: z.number().int().nonnegative().default(0),
  /** ISO 8601. */
  lastModified: z.string().nullable().default(null),
  tags: z.array(z.string()).default([]),
  evalResults: z.array(evalResultSchema).default([]),
  hardware: z.array(hardwareAnnotationSchema).default([]),
  /** A single 0..100 prior used for `--sort score`: the source's headline score. */
  score: z.number().nullable().default(null),
  /** Free-form facts a source knows and the catalog shows (`embeddingDim`, `package`...). */
  extra: z.record(z.string(), z.unknown()).default({}),
});
export type ModelRecord = z.infer<typeof modelRecordSchema>;
/** What sources produce: defaults may be omitted. */
export type ModelRecordInput = z.input<typeof modelRecordSchema>;

/** Validates and fills defaults; throws a zod error naming the bad field. */
export function toModelRecord(input: ModelRecordInput): ModelRecord {
  return modelRecordSchema.parse(input);
}

/** Weight memory for a dtype: the recorded figure if any, else derived from the parameter count. */
export function weightBytes(
  model: Pick<ModelRecord, "params" | "memoryBytes">,
  dtype: Dtype,
): number | null {
  const recorded = model.memoryBytes[dtype];
  if (recorded !== undefined) return recorded;
  return model.params === null ? null : model.params * DTYPE_BYTES[dtype];
}
