/**
 * @module
 * What a candidate cost per 1,000 items on the probes it answered, for `objectives.cost`
 * (`score-candidates.ts`). A model that runs on this machine costs nothing per call. A model
 * behind a server costs what its `candidates.models` entry declares as its `price` (US
 * dollars per million tokens, ADR 0088) at the tokens its answers reported (OpenAI's `usage`):
 * the mean over the answers that reported them. Unknown (null, which scoring counts as the
 * worst and the explanation names) when a remote model declares no price or none of its
 * answers reported tokens. An embeddings server counts a batch's tokens together; each
 * answer carries its share (`split-batch-usage.ts`), so the mean per item is exact; a chat
 * model asked to name a label carries its answer's tokens (`labelsAnswer`).
 */
import {
  answerCostUsd,
  type ModelPrice,
  modelPriceSchema,
} from "../backends/http/endpoint-model-record.js";
import type { BackendOutput } from "../backends/model-backend.js";
import type { ModelRecord } from "../catalog/model-record.js";

function declaredPrice(model: ModelRecord): ModelPrice | undefined {
  const parsed = modelPriceSchema.safeParse((model.extra as { price?: unknown } | null)?.price);
  return parsed.success ? parsed.data : undefined;
}

/** US dollars per 1,000 items; 0 for a model run here, null when it cannot be known. */
export function costPer1kItemsUsd(
  model: ModelRecord,
  local: boolean,
  outputs: Iterable<BackendOutput>,
): number | null {
  const price = declaredPrice(model);
  if (price === undefined) return local && model.source !== "endpoint" ? 0 : null;
  let total = 0;
  let counted = 0;
  for (const output of outputs) {
    const cost = answerCostUsd(price, "usage" in output ? output.usage : undefined);
    if (cost === null) continue;
    total += cost;
    counted += 1;
  }
  return counted === 0 ? null : (total / counted) * 1000;
}
