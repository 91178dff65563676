import { describe, expect, it } from "vitest";
import { supportsTransformers } from "../../src/backends/transformers-js/transformers-backend-provider.js";
import {
  onnxFilesState,
  resolveOnnxVariants,
  syncedOnnxFileFields,
  withOnnxFiles,
} from "../../src/catalog/resolve-onnx-variants.js";
import { makeModel } from "../support/make-model.js";

const onnxRepo = (extra: Record<string, unknown>) =>
  makeModel({ id: "Xenova/bert-sst2", library: "transformers.js", tags: ["onnx"], extra });

describe("resolveOnnxVariants", () => {
  it("keeps the .onnx files directly under onnx/ and names the quantised ones", () => {
    expect(
      resolveOnnxVariants([
        "model.onnx",
        "onnx/model.onnx",
        "onnx/model.onnx_data",
        "onnx/model_q4.onnx",
        "onnx/old/model.onnx",
        "onnx/model_quantized.onnx",
      ]),
    ).toEqual({
      onnxFiles: ["onnx/model.onnx", "onnx/model_q4.onnx", "onnx/model_quantized.onnx"],
      variants: ["q8", "q4"],
    });
  });
});

describe("supportsTransformers and the files", () => {
  it("refuses a repository known to have no ONNX weights, whatever its tags", () => {
    // The Hub tags `onnx` for a model.onnx at the root too, which transformers.js does not read.
    expect(supportsTransformers(onnxRepo({ onnxFiles: [] }))).toBe(false);
    expect(supportsTransformers(onnxRepo({ filesUnknown: true }))).toBe(true);
    expect(supportsTransformers(onnxRepo({ onnxFiles: ["onnx/model.onnx"] }))).toBe(true);
    expect(supportsTransformers(onnxRepo({}))).toBe(true);
  });
});

describe("syncedOnnxFileFields", () => {
  it("keeps the stored files when the new listing names none, and takes a new list whole", () => {
    const looked = withOnnxFiles(onnxRepo({ filesUnknown: true }), [
      "onnx/model.onnx",
      "onnx/model_quantized.onnx",
    ]);
    expect(onnxFilesState(looked)).toBe("present");
    expect(looked.extra).toEqual({
      onnxFiles: ["onnx/model.onnx", "onnx/model_quantized.onnx"],
      onnxVariants: ["q8"],
    });
    // A mirror's listing again: unknown does not erase what was found.
    expect(syncedOnnxFileFields(onnxRepo({ filesUnknown: true }), looked)).toEqual({
      onnxFiles: ["onnx/model.onnx", "onnx/model_quantized.onnx"],
      onnxVariants: ["q8"],
    });
    // The Hub's listing with siblings: its list replaces the old one, variants included.
    expect(syncedOnnxFileFields(onnxRepo({ onnxFiles: ["onnx/model.onnx"] }), looked)).toEqual({
      onnxFiles: ["onnx/model.onnx"],
    });
    // Nothing stored that knew better: unknown stays unknown.
    expect(syncedOnnxFileFields(onnxRepo({ filesUnknown: true }), onnxRepo({}))).toEqual({
      filesUnknown: true,
    });
  });
});
