/**
 * @module
 * Input checks shared by the metric functions, so every metric fails the same way on the
 * same mistake: outputs and gold labels that do not line up, an empty item list, or an
 * output of the wrong kind for the metric (a backend answering `text` to a classifier).
 * Empty inputs are an error rather than NaN: a quality figure over zero items would look
 * like a number in a report while meaning nothing.
 */
import type { BackendOutput } from "../../backends/model-backend.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";

/** Throws unless there is one gold value per output and at least one item. */
export function requireAlignedItems(
  metric: string,
  golds: readonly unknown[],
  outputs: readonly unknown[],
): void {
  if (golds.length !== outputs.length) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${metric}: got ${outputs.length} outputs for ${golds.length} gold values; pass one output per item, in the same order.`,
      { details: { metric, outputs: outputs.length, golds: golds.length } },
    );
  }
  requireItems(metric, outputs.length);
}

/** Throws when there is nothing to score. */
export function requireItems(metric: string, count: number, what = "items"): void {
  if (count === 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${metric}: no ${what} to score; probe at least one item before computing a metric.`,
      { details: { metric } },
    );
  }
}

/** Narrows an output to the kind a metric reads, or says which kind it got. */
export function requireOutputKind<K extends BackendOutput["kind"]>(
  metric: string,
  output: BackendOutput,
  kind: K,
  /** Position of the item in the batch, for the message; null for a single item. */
  index: number | null,
): Extract<BackendOutput, { kind: K }> {
  if (output.kind !== kind) {
    const which = index === null ? "the output" : `item ${index}`;
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${metric}: ${which} is a "${output.kind}" output, but ${metric} reads "${kind}" outputs; the candidate does not answer this task.`,
      { details: { metric, index, expected: kind, got: output.kind } },
    );
  }
  return output as Extract<BackendOutput, { kind: K }>;
}
