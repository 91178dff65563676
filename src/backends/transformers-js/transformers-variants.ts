/**
 * @module
 * Quantised variants of a transformers.js model as catalog candidates of their own. An ONNX
 * repository usually ships `onnx/model.onnx` beside `model_quantized.onnx` (q8),
 * `model_q4.onnx` and `model_fp16.onnx`; each is a different trade of memory, speed and
 * accuracy, so selection must see them as separate models with their own memory figures.
 * A variant's id is the repository id with `@{dtype}` appended (`Xenova/bert@q8`), which
 * `parseTransformersModelId` splits again.
 */
import { DTYPES, type Dtype, type ModelRecord, weightBytes } from "../../catalog/model-record.js";

/** Weight formats transformers.js selects with its `dtype` option that we offer as variants. */
export const TRANSFORMERS_DTYPES = ["fp32", "fp16", "q8", "q4"] as const;
export type TransformersDtype = (typeof TRANSFORMERS_DTYPES)[number];

/** The catalog dtype whose bytes per parameter a transformers.js dtype stores weights in. */
export const CATALOG_DTYPE_FOR: Record<TransformersDtype, Dtype> = {
  fp32: "fp32",
  fp16: "fp16",
  q8: "int8",
  q4: "int4",
};

export interface TransformersModelId {
  /** `owner/name` as the hub or mirror knows it. */
  repositoryId: string;
  /** The variant's dtype, or null for the repository's default (fp32) weights. */
  dtype: TransformersDtype | null;
}

export function isTransformersDtype(value: string): value is TransformersDtype {
  return (TRANSFORMERS_DTYPES as readonly string[]).includes(value);
}

/** Splits `owner/name@q8` into the repository and the dtype; ids without a suffix pass through. */
export function parseTransformersModelId(id: string): TransformersModelId {
  const at = id.lastIndexOf("@");
  if (at <= 0) return { repositoryId: id, dtype: null };
  const suffix = id.slice(at + 1);
  if (!isTransformersDtype(suffix)) return { repositoryId: id, dtype: null };
  return { repositoryId: id.slice(0, at), dtype: suffix };
}

/**
 * One catalog record per quantised variant of `model`. A variant's weights are stored in
 * one format whatever dtype a search assumes, so every `memoryBytes` entry holds the same
 * figure: the variant's own weight size. Measurements of the base model do not carry over
 * (they were made with other weights); evaluation results do, marked as the base's, until a
 * variant is evaluated itself.
 */
export function transformersVariants(
  model: ModelRecord,
  dtypes: readonly TransformersDtype[] = ["q8", "q4", "fp16"],
): ModelRecord[] {
  return dtypes.map((dtype) => {
    const bytes = weightBytes(model, CATALOG_DTYPE_FOR[dtype]);
    const memoryBytes =
      bytes === null
        ? {}
        : (Object.fromEntries(DTYPES.map((catalogDtype) => [catalogDtype, bytes])) as Partial<
            Record<Dtype, number>
          >);
    // biome-ignore lint/plugin/no-spread-then-field: once per catalog entry
    return {
      ...model,
      id: `${model.id}@${dtype}`,
      memoryBytes,
      hardware: [],
      tags: [...new Set([...model.tags, "quantized", `dtype:${dtype}`])],
      // biome-ignore lint/plugin/no-spread-then-field: once per catalog entry
      extra: { ...model.extra, baseModelId: model.id, transformersDtype: dtype },
    };
  });
}
