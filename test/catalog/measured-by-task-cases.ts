/**
 * Models for the catalogs' migration 8 tests (ADR 0092): measurements written before each one
 * carried its model's task, which the upgrade must fill in for searches by task to find them.
 */
import { expect } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import type { ModelRecord } from "../../src/catalog/model-record.js";
import { makeModel } from "../support/make-model.js";

function measuredOn(latencyMs: number): ModelRecord["hardware"] {
  return [{ hardware: "test-gpu", kind: "measured", latencyMs, batchSize: 1, source: "bench" }];
}

export const MEASURED_BY_TASK_MODELS: readonly ModelRecord[] = [
  makeModel({ id: "tc/measured", task: "text-classification", hardware: measuredOn(2) }),
  makeModel({ id: "fe/measured", task: "feature-extraction", hardware: measuredOn(1) }),
  makeModel({ id: "tc/estimated", task: "text-classification", params: 1e9, flopsPerItem: 1e9 }),
];

/** Latency coefficients of a made-up device, `test-gpu`, for the stores' upgrade tests. */
export const TEST_GPU_LATENCY = {
  hardwareId: "test-gpu",
  overheadMs: 1,
  msPerFlop: 1e-9,
  msPerParam: 2e-8,
  decodeTokens: 4,
  generativeTasks: [],
};

/**
 * `store` holds `MEASURED_BY_TASK_MODELS` as an older version wrote them: a latency sort and
 * a bounded ranked search by task find each task's measurements, and a model whose task
 * changes takes its measurement along. Closes the store.
 */
export async function expectMeasurementsByTask(store: CatalogStore): Promise<void> {
  const fastest = (task: string) =>
    store
      .searchModels({ tasks: [task], latency: TEST_GPU_LATENCY, sort: "latency", limit: 5 })
      .then((result) => result.hits.map((hit) => [hit.model.id, hit.latencyMs]));
  try {
    expect(await fastest("text-classification")).toEqual([
      ["tc/measured", 2],
      ["tc/estimated", expect.closeTo(21, 9)],
    ]);
    const bounded = await store.searchModels({
      tasks: ["text-classification"],
      latency: TEST_GPU_LATENCY,
      maxLatencyMs: 5,
      sort: "downloads",
      limit: 5,
    });
    expect(bounded.hits.map((hit) => hit.model.id)).toEqual(["tc/measured"]);
    await store.upsertModels([
      makeModel({ id: "fe/measured", task: "text-classification", hardware: measuredOn(1) }),
    ]);
    expect(await fastest("text-classification")).toEqual([
      ["fe/measured", 1],
      ["tc/measured", 2],
      ["tc/estimated", expect.closeTo(21, 9)],
    ]);
    expect(await fastest("feature-extraction")).toEqual([]);
  } finally {
    await store.close();
  }
}
