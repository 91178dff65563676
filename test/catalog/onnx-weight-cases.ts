/**
 * Models for the catalogs' migration 7 tests: each way a record can say it has ONNX weights
 * or not, so that the SQL that fills the `onnx` column is checked against `shipsOnnxWeights`.
 */
import { expect } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import type { ModelRecord } from "../../src/catalog/model-record.js";
import { shipsOnnxWeights } from "../../src/catalog/transformers-js-markers.js";
import { makeModel } from "../support/make-model.js";

const task = "feature-extraction";

export const ONNX_WEIGHT_CASES: readonly ModelRecord[] = [
  makeModel({ id: "conversion", task, library: "transformers.js", downloads: 12 }),
  makeModel({ id: "onnx-library", task, library: "onnx", downloads: 11 }),
  makeModel({
    id: "tagged-original",
    task,
    library: "transformers",
    tags: ["onnx"],
    downloads: 10,
  }),
  makeModel({
    id: "tagged-js",
    task,
    library: "sentence-transformers",
    tags: ["transformers.js"],
    downloads: 9,
  }),
  makeModel({
    id: "tagged-files-listed",
    task,
    library: "transformers",
    tags: ["onnx"],
    extra: { onnxFiles: ["onnx/model.onnx"] },
    downloads: 8,
  }),
  makeModel({
    id: "tagged-files-unknown",
    task,
    library: "transformers",
    tags: ["onnx"],
    extra: { filesUnknown: true },
    downloads: 7,
  }),
  makeModel({
    id: "tagged-no-onnx-folder",
    task,
    library: "transformers",
    tags: ["onnx"],
    extra: { onnxFiles: [] },
    downloads: 6,
  }),
  makeModel({
    id: "conversion-no-onnx-folder",
    task,
    library: "transformers.js",
    extra: { onnxFiles: [] },
    downloads: 5,
  }),
  makeModel({ id: "pytorch", task, library: "timm", tags: ["pytorch"], downloads: 4 }),
  makeModel({ id: "lookalike-tag", task, library: null, tags: ["onnxruntime"], downloads: 3 }),
  makeModel({ id: "onnx-elsewhere", task, library: null, datasets: ["onnx"], downloads: 2 }),
  makeModel({ id: "nothing", task, library: null, downloads: 1 }),
];

/** Checks that `store`'s ONNX view holds exactly the cases `shipsOnnxWeights` names; closes it. */
export async function expectOnnxViewAsTheRuleSays(store: CatalogStore): Promise<void> {
  const found = await store.searchModels({
    tasks: [task],
    onnx: true,
    sort: "downloads",
    limit: 20,
  });
  await store.close();
  const expected = ONNX_WEIGHT_CASES.filter(shipsOnnxWeights).map((model) => model.id);
  expect(expected).toEqual([
    "conversion",
    "onnx-library",
    "tagged-original",
    "tagged-js",
    "tagged-files-listed",
    "tagged-files-unknown",
  ]);
  expect(found.hits.map((hit) => hit.model.id)).toEqual(expected);
}
