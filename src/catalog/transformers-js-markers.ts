/**
 * @module
 * The library names and tags the Hub gives repositories that ship ONNX weights for
 * transformers.js (`library_name: transformers.js`, as the Xenova and onnx-community
 * conversions declare; the `onnx` tag, which the Hub adds to any repository with `.onnx` files,
 * such as an original with an `onnx/` folder beside its PyTorch weights). The transformers.js
 * backend judges a model by them until its files are looked up, and the catalogs keep the
 * verdict in a column (`onnx`), so selection can ask for the task's models that have such
 * weights: they rank low by downloads beside the originals they were converted from.
 */
import type { ModelRecord } from "./model-record.js";
import { onnxFilesState } from "./resolve-onnx-variants.js";

export const TRANSFORMERS_JS_MARKERS: readonly string[] = ["transformers.js", "onnx"];

/**
 * True when the repository has (or, its files not looked up yet, says it has) ONNX weights:
 * its library or a tag is a marker, and its files, when known, hold an `.onnx` file under
 * `onnx/`. The catalogs store this as their `onnx` column (the SQL of their migration 7 says
 * the same).
 */
export function shipsOnnxWeights(model: Pick<ModelRecord, "library" | "tags" | "extra">): boolean {
  if (onnxFilesState(model) === "none") return false;
  if (model.library !== null && TRANSFORMERS_JS_MARKERS.includes(model.library)) return true;
  return model.tags.some((tag) => TRANSFORMERS_JS_MARKERS.includes(tag));
}
