/**
 * Models whose weight sizes a catalog store must judge under a memory bound, as an older
 * schema stored them: for the migrations that move recorded sizes into `recorded_memory`.
 */
import type { ModelRecord } from "../../src/catalog/model-record.js";
import { makeModel } from "./make-model.js";

export const SIZED_MODELS: readonly ModelRecord[] = [
  // An npm lexicon: its files' size, no parameter count.
  makeModel({ id: "sized/lexicon", params: null, memoryBytes: { fp32: 71_360 }, downloads: 5 }),
  // The Hub's way: every dtype filled from params, nothing beyond them.
  makeModel({
    id: "sized/hub",
    params: 2e8,
    memoryBytes: { fp32: 8e8, fp16: 4e8, bf16: 4e8, int8: 2e8, int4: 1e8 },
    downloads: 4,
  }),
  // Measured memory below what params say: it fits where params would not.
  makeModel({ id: "sized/smaller", params: 3e8, memoryBytes: { fp32: 5e8 }, downloads: 3 }),
  makeModel({ id: "sized/unknown", params: null, downloads: 2 }),
  makeModel({ id: "sized/too-big", params: null, memoryBytes: { fp32: 2e9 }, downloads: 1 }),
];

/** What a search bounded to 1e9 bytes at fp32 finds among them, by downloads. */
export const FITTING_1GB_FP32 = ["sized/lexicon", "sized/hub", "sized/smaller", "sized/unknown"];

/** The rows `recorded_memory` holds for them: sizes beyond the parameter count. */
export const RECORDED_SIZES = [
  { id: "sized/lexicon", dtype: "fp32", weight_bytes: 71_360 },
  { id: "sized/smaller", dtype: "fp32", weight_bytes: 5e8 },
  { id: "sized/too-big", dtype: "fp32", weight_bytes: 2e9 },
];
