/**
 * @module
 * What lets the stores' latency walks stop early (`sqlite/sqlite-search.ts`,
 * `postgres/postgres-search.ts`): every latency estimate is at least
 * `overheadMs + params * msPerParamFloor(...)`, given the smallest FLOPs-per-parameter ratio
 * stored for the model's task. The stores keep that ratio per task (`task_stats`, '' for
 * models without a task), lowered on every write with `smallestFlopsPerParam`.
 */
import { effectiveFlopsPerItem } from "../hardware/estimate-latency.js";
import type { LatencyCoefficients } from "./catalog-store.js";
import type { ModelRecord } from "./model-record.js";

/** The smallest FLOPs-per-parameter ratio per task ('' for none) among models with both figures. */
export function smallestFlopsPerParam(models: Iterable<ModelRecord>): Map<string, number> {
  const ratios = new Map<string, number>();
  for (const model of models) {
    const flops = effectiveFlopsPerItem(model);
    if (model.params === null || model.params <= 0 || flops === null) continue;
    const task = model.task ?? "";
    const ratio = flops / model.params;
    if (ratio < (ratios.get(task) ?? Number.POSITIVE_INFINITY)) ratios.set(task, ratio);
  }
  return ratios;
}

/**
 * Milliseconds per parameter above the overhead that every estimate is at least, for a task
 * whose smallest FLOPs-per-parameter ratio is `flopsPerParam`: the estimate is linear in
 * params once that ratio bounds the FLOPs below.
 */
export function msPerParamFloor(
  latency: LatencyCoefficients,
  flopsPerParam: number,
  generative: boolean,
): number {
  return generative
    ? flopsPerParam * latency.msPerFlop + latency.decodeTokens * latency.msPerParam
    : Math.max(latency.msPerParam, flopsPerParam * latency.msPerFlop);
}
