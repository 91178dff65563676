/**
 * @module
 * A record's quantised ONNX variants as catalog candidates of their own (`owner/name@q8`,
 * `transformersVariants`), and the write that keeps a file look-up: the record with its files
 * and the variants they reveal, in one upsert, so the next search, selection and re-sync
 * (`catalog/sync-catalog.ts`, which keeps known files over a listing without any) find them.
 */
import {
  isTransformersDtype,
  transformersVariants,
} from "../backends/transformers-js/transformers-variants.js";
import type { CatalogStore } from "./catalog-store.js";
import type { ModelRecord } from "./model-record.js";
import { withOnnxFiles } from "./resolve-onnx-variants.js";

/** The variant records of the quantised weights `record.extra.onnxVariants` names. */
export function quantisedVariants(record: ModelRecord): ModelRecord[] {
  const listed = record.extra.onnxVariants;
  if (!Array.isArray(listed)) return [];
  return transformersVariants(
    record,
    listed
      .filter((value): value is string => typeof value === "string")
      .filter(isTransformersDtype),
  );
}

/** Stores what a look-up found for `model` (its `onnx/` files); returns the updated record. */
export async function storeOnnxFiles(
  store: CatalogStore,
  model: ModelRecord,
  files: Iterable<string>,
): Promise<ModelRecord> {
  const updated = withOnnxFiles(model, files);
  await store.upsertModels([updated, ...quantisedVariants(updated)]);
  return updated;
}
