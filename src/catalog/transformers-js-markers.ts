/**
 * @module
 * The library names and tags the Hub gives repositories that ship ONNX weights for
 * transformers.js (`library_name: transformers.js`, as the Xenova and onnx-community
 * conversions declare; the `onnx` tag). The transformers.js backend judges a model by them
 * until its files are looked up, and selection asks the catalog for the task's models of
 * these libraries, which rank low by downloads beside the originals they were converted from.
 */
export const TRANSFORMERS_JS_MARKERS: readonly string[] = ["transformers.js", "onnx"];
