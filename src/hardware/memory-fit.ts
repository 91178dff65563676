/**
 * @module
 * Does a model fit a device's memory at a dtype? The verdict, the bound the catalog stores
 * apply in SQL (`memoryBound`: a parameter bound, `maxParamsForMemory`, for sizes derived from
 * the parameter count, and a byte bound for weight sizes recorded beyond it,
 * `recordedWeightBytes`), and verdicts for every dtype at once. The store's filter and the
 * verdict must agree exactly: a model whose size comes from its parameters fits iff
 * `params <= maxParamsForMemory(profile, dtype)`; one whose size is unknown is kept by both.
 */
import type { MemoryBound } from "../catalog/catalog-store.js";
import {
  DTYPE_BYTES,
  DTYPES,
  type Dtype,
  type ModelRecord,
  weightBytes,
} from "../catalog/model-record.js";
import type { HardwareProfile } from "./hardware-profiles.js";

/**
 * Memory needed to run a model, as a multiple of its weight bytes. Inference needs more than
 * the weights: activations, the runtime's workspace (cuBLAS/cuDNN, ONNX Runtime arenas), the
 * CUDA context, and for LLMs a KV cache. 1.2 is EleutherAI's rule of thumb for inference
 * ("Transformer Math 101": about 20% over the weights at modest batch and context sizes),
 * which the Hugging Face model memory calculator repeats. A long-context LLM serving many
 * users needs far more, which no per-model figure can know.
 */
export const MEMORY_OVERHEAD_FACTOR = 1.2;

export interface MemoryFit {
  dtype: Dtype;
  /** Weights times `MEMORY_OVERHEAD_FACTOR`; null when the model's size is unknown. */
  requiredBytes: number | null;
  availableBytes: number;
  /** Null when the size is unknown. */
  fits: boolean | null;
}

type SizedModel = Pick<ModelRecord, "params" | "memoryBytes">;

/**
 * The largest parameter count that fits `profile` at `dtype`. The store turns a fit test into
 * `params <= maxParamsForMemory(...)`; `memoryFit` uses the same comparison, so they agree
 * to the last bit.
 */
export function maxParamsForMemory(
  profile: Pick<HardwareProfile, "memoryBytes">,
  dtype: Dtype,
): number {
  return profile.memoryBytes / (DTYPE_BYTES[dtype] * MEMORY_OVERHEAD_FACTOR);
}

/**
 * What a store needs to keep the models that fit in `availableBytes` at `dtype` (and those of
 * unknown size): the same comparisons as `memoryFit`.
 */
export function memoryBound(availableBytes: number, dtype: Dtype): MemoryBound {
  return {
    dtype,
    maxBytes: availableBytes,
    overheadFactor: MEMORY_OVERHEAD_FACTOR,
    maxParams: maxParamsForMemory({ memoryBytes: availableBytes }, dtype),
  };
}

/**
 * The weight size `model` records for `dtype` when it says more than the parameter count
 * does: a lexicon's files, MTEB's measured memory, a local folder's ONNX files, a Hub model's
 * mixed-precision tensors. Undefined when nothing is recorded or the figure is exactly
 * `params` times the dtype's bytes (the Hub fills every dtype so): the size is then derived.
 * The stores keep these figures (`recorded_memory`) and judge the rest by `params`.
 */
export function recordedWeightBytes(model: SizedModel, dtype: Dtype): number | undefined {
  const recorded = model.memoryBytes[dtype];
  if (recorded === undefined) return undefined;
  return model.params !== null && recorded === model.params * DTYPE_BYTES[dtype]
    ? undefined
    : recorded;
}

export function memoryFit(
  model: SizedModel,
  profile: Pick<HardwareProfile, "memoryBytes">,
  dtype: Dtype,
): MemoryFit {
  const weights = weightBytes(model, dtype);
  const requiredBytes = weights === null ? null : weights * MEMORY_OVERHEAD_FACTOR;
  let fits: boolean | null = null;
  if (recordedWeightBytes(model, dtype) === undefined && model.params !== null) {
    // Derived from params: compare in parameter space, exactly as the SQL bound does, so a
    // model at the boundary gets the same verdict from the store and from here.
    fits = model.params <= maxParamsForMemory(profile, dtype);
  } else if (requiredBytes !== null) {
    fits = requiredBytes <= profile.memoryBytes;
  }
  return { dtype, requiredBytes, availableBytes: profile.memoryBytes, fits };
}

/** The fit verdict for every dtype, for tables that show where a model could run. */
export function fitsByDtype(
  model: SizedModel,
  profile: Pick<HardwareProfile, "memoryBytes">,
): Record<Dtype, boolean | null> {
  return Object.fromEntries(
    DTYPES.map((dtype) => [dtype, memoryFit(model, profile, dtype).fits]),
  ) as Record<Dtype, boolean | null>;
}
