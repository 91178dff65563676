/**
 * @module
 * The 0..1 outcome of one candidate on one item, for racing (`strategies/`): a race
 * compares candidates item by item and needs a number per probe, not a corpus figure.
 * Each outcome is the per-item form of the run's metric, so the race optimises what the
 * report shows:
 * - accuracy, macro_f1: 1 if the top label is the mapped gold label, else 0 (macro-F1 has no
 *   per-item form; racing on accuracy is its closest item-wise stand-in);
 * - exact_match: 0/1; token_f1: the item's token F1;
 * - cer, wer: `1 - rate` of the item, clipped to 0..1 (the corpus rate weighs items by
 *   reference length; the race weighs items equally);
 * - knn_accuracy, mrr: null. An embedding is only good or bad relative to other items'
 *   embeddings, so there is no per-item outcome; the caller scores embedding candidates on
 *   the whole probed set with `embeddingMetrics` (e.g. at each race round, on the items seen
 *   so far) instead of item by item;
 * - agreement: the share of `otherOutputs` that agree, or null without other outputs.
 * Null also means "cannot score": a labelled metric on an item whose gold is null.
 */
import type { BackendOutput } from "../../backends/model-backend.js";
import { itemAgreement } from "./agreement-proxy.js";
import { isCorrectLabel, type LabelMapping } from "./classification-metrics.js";
import { characterErrorRate, rateQuality, wordErrorRate } from "./error-rate-metrics.js";
import { requireOutputKind } from "./metric-inputs.js";
import type { MetricName } from "./metric-registry.js";
import { exactMatch, tokenF1 } from "./text-match-metrics.js";

export interface ItemOutcomeInput {
  metric: MetricName;
  /** The item's gold label or reference text; null when the data has none. */
  gold: string | null;
  output: BackendOutput;
  /** Data label -> model label (classification). */
  labelMapping?: LabelMapping;
  /** Other candidates' outputs on the same item (agreement only); null where they failed. */
  otherOutputs?: readonly (BackendOutput | null)[];
}

/** The item's 0..1 outcome (higher is better), or null when it has none (see the module doc). */
export function itemOutcome(input: ItemOutcomeInput): number | null {
  const { metric, gold, output } = input;
  switch (metric) {
    case "agreement":
      return input.otherOutputs === undefined ? null : itemAgreement(output, input.otherOutputs);
    case "knn_accuracy":
    case "mrr":
      return null;
    default:
      break;
  }
  if (gold === null) return null;
  switch (metric) {
    case "accuracy":
    case "macro_f1": {
      const labels = requireOutputKind(metric, output, "labels", null);
      return isCorrectLabel(gold, labels, input.labelMapping ?? {}) ? 1 : 0;
    }
    case "exact_match":
      return exactMatch(requireOutputKind(metric, output, "text", null).text, gold);
    case "token_f1":
      return tokenF1(requireOutputKind(metric, output, "text", null).text, gold);
    case "cer":
      return rateQuality(
        characterErrorRate(requireOutputKind(metric, output, "text", null).text, gold),
      );
    case "wer":
      return rateQuality(wordErrorRate(requireOutputKind(metric, output, "text", null).text, gold));
  }
}
