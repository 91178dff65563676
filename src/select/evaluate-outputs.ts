/**
 * @module
 * The bridge between the selection pipeline and the metrics (`metrics/`): which metric a run
 * uses (the spec's, checked against the task, else the task's default), the 0..1 outcome of
 * one probe for racing, and a candidate's final figures on the items it was probed on.
 *
 * Two cases have no per-item form in `metrics/item-outcome.ts` and are handled here:
 * - embeddings (`knn_accuracy`, `mrr`): during the race, an item scores 1 when its nearest
 *   neighbour among the items this candidate has already embedded carries the same label
 *   (0.5 for the first item, which has no neighbour); the final figure is the
 *   leave-one-out k-NN accuracy over every probed item;
 * - the agreement proxy: the outputs of the other candidates on the same item are fetched
 *   on demand (and cached, so they are paid for once).
 *
 * Confidence intervals: Wilson 95% over the per-item outcomes for metrics that are a mean
 * of per-item scores (accuracy, exact match, token F1, agreement, k-NN accuracy, and, as an
 * approximation that weighs items equally, CER/WER); none for macro-F1 and MRR, which are
 * not means of independent items.
 */
import type { BackendOutput } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { SelectionDecision } from "./decision.js";
import { agreementProxy } from "./metrics/agreement-proxy.js";
import { classificationMetrics } from "./metrics/classification-metrics.js";
import { cosineSimilarity, embeddingMetrics } from "./metrics/embedding-metrics.js";
import { errorRateMetrics } from "./metrics/error-rate-metrics.js";
import { itemOutcome } from "./metrics/item-outcome.js";
import {
  METRICS,
  type MetricName,
  metricQuality,
  resolveMetric,
} from "./metrics/metric-registry.js";
import { proportionCi } from "./metrics/proportion-ci.js";
import { textMatchMetrics } from "./metrics/text-match-metrics.js";
import type { SampleItem } from "./sample-data.js";

export interface ItemOutcomeRequest {
  item: SampleItem;
  itemIndex: number;
  output: BackendOutput;
  labelMapping: Record<string, string>;
  /** This candidate's outputs so far, by item index (embeddings compare with them). */
  previous: ReadonlyMap<number, BackendOutput>;
  items: readonly SampleItem[];
  /** Other candidates' outputs on this item (agreement proxy only). */
  others: () => Promise<BackendOutput[]>;
}

export interface CandidateEvaluation {
  /** The metric as 0..1 quality, higher is better. */
  quality: number;
  qualityCi: [number, number] | null;
  metrics: Record<string, number>;
  perClassRecall?: Record<string, number>;
}

export interface EvaluateRequest {
  items: readonly SampleItem[];
  outputs: readonly BackendOutput[];
  labelMapping: Record<string, string>;
  /** Per-item race outcomes of this candidate (0..1), in probe order. */
  outcomes: readonly number[];
  /** Other candidates' outputs on the same items (null where they have none). */
  others: readonly (readonly (BackendOutput | null)[])[];
}

export interface SelectionEvaluator {
  metric: SelectionDecision["metric"];
  itemOutcome(request: ItemOutcomeRequest): Promise<number>;
  evaluate(request: EvaluateRequest): CandidateEvaluation;
}

function nearestNeighbourOutcome(request: ItemOutcomeRequest): number {
  if (request.output.kind !== "embedding" || request.item.label === null) return 0.5;
  let best = Number.NEGATIVE_INFINITY;
  let bestLabel: string | null = null;
  for (const [index, output] of request.previous) {
    if (index === request.itemIndex || output.kind !== "embedding") continue;
    const label = request.items[index]?.label ?? null;
    if (label === null) continue;
    const similarity = cosineSimilarity(request.output.vector, output.vector);
    if (similarity > best) {
      best = similarity;
      bestLabel = label;
    }
  }
  if (bestLabel === null) return 0.5;
  return bestLabel === request.item.label ? 1 : 0;
}

function meanCi(outcomes: readonly number[]): [number, number] | null {
  if (outcomes.length === 0) return null;
  const sum = outcomes.reduce((total, value) => total + value, 0);
  return proportionCi(sum, outcomes.length);
}

export function createEvaluator(options: {
  task: string;
  metric: string | null;
  hasLabels: boolean;
}): SelectionEvaluator {
  const name: MetricName | null = resolveMetric(options.task, options.hasLabels, options.metric);
  if (name === null) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `ModelScout cannot measure ${options.task} outputs${options.hasLabels ? "" : " without labels"}: no metric applies. ${options.hasLabels ? "" : "Add labels to the sample data (data.columns.label), or "}leave data out to rank candidates by their priors only.`,
      { details: { task: options.task, hasLabels: options.hasLabels } },
    );
  }
  const info = METRICS[name];
  const proxy = info.kind === "agreement";
  return {
    metric: {
      name,
      proxy,
      description: proxy
        ? `${info.description} The data has no labels, so this is agreement with the other candidates, not accuracy: a model can agree with wrong majorities; label a few items to measure quality.`
        : info.description,
    },
    async itemOutcome(request) {
      if (info.kind === "embedding") return nearestNeighbourOutcome(request);
      const outcome = itemOutcome({
        metric: name,
        gold: request.item.label,
        output: request.output,
        labelMapping: request.labelMapping,
        ...(proxy && { otherOutputs: await request.others() }),
      });
      return outcome ?? 0;
    },
    evaluate(request): CandidateEvaluation {
      const golds = request.items.map((item) => item.label);
      switch (info.kind) {
        case "classification": {
          const result = classificationMetrics(golds, request.outputs, request.labelMapping);
          const value = name === "macro_f1" ? result.macroF1 : result.accuracy;
          return {
            quality: value,
            qualityCi: name === "macro_f1" ? null : proportionCi(result.correct, result.items),
            metrics: { accuracy: result.accuracy, macro_f1: result.macroF1 },
            perClassRecall: result.perClassRecall,
          };
        }
        case "text-match": {
          const result = textMatchMetrics(golds, request.outputs);
          const perItem = result.perItem.map((item) =>
            name === "exact_match" ? item.exactMatch : item.tokenF1,
          );
          return {
            quality: name === "exact_match" ? result.exactMatch : result.tokenF1,
            qualityCi: meanCi(perItem),
            metrics: { exact_match: result.exactMatch, token_f1: result.tokenF1 },
          };
        }
        case "error-rate": {
          const result = errorRateMetrics(golds, request.outputs);
          const rate = name === "cer" ? result.cer : result.wer;
          return {
            quality: metricQuality(name, rate),
            qualityCi: meanCi(request.outcomes),
            metrics: { cer: result.cer, wer: result.wer },
          };
        }
        case "embedding": {
          const result = embeddingMetrics(golds, request.outputs);
          const correct = result.perItem.filter((item) => item.knnCorrect).length;
          return {
            quality: name === "mrr" ? result.mrr : result.knnAccuracy,
            qualityCi: name === "mrr" ? null : proportionCi(correct, result.items),
            metrics: {
              knn_accuracy: result.knnAccuracy,
              ...(Number.isFinite(result.mrr) && { mrr: result.mrr }),
            },
          };
        }
        case "agreement": {
          const all = [
            request.outputs.map((output) => output as BackendOutput | null),
            ...request.others,
          ];
          if (all.length < 2) return { quality: 1, qualityCi: null, metrics: {} };
          const [own] = agreementProxy(all);
          const value = own === undefined || Number.isNaN(own.agreement) ? 0 : own.agreement;
          const perItem = own?.perItem.filter((share): share is number => share !== null) ?? [];
          return { quality: value, qualityCi: meanCi(perItem), metrics: { agreement: value } };
        }
      }
    },
  };
}
