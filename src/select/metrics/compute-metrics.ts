/**
 * @module
 * One candidate's quality on the probed items, as the decision record stores it: the chosen
 * metric's value, the same value as a 0..1 quality (error rates flipped), its 95% interval,
 * and the sibling metrics of the same kind (accuracy with macro-F1, CER with WER...). The
 * interval is Wilson for 0/1 outcomes and a seeded bootstrap for graded ones, so a decision
 * replays to the same numbers.
 */
import type { BackendOutput } from "../../backends/model-backend.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { type AgreementOptions, agreementProxy } from "./agreement-proxy.js";
import { type BootstrapOptions, bootstrapCi, bootstrapMeanCi } from "./bootstrap-ci.js";
import {
  classificationMetrics,
  type LabelMapping,
  type LabelPrediction,
  summarisePredictions,
} from "./classification-metrics.js";
import { embeddingMetrics } from "./embedding-metrics.js";
import { errorRateMetrics, type ItemEdits, summariseEdits } from "./error-rate-metrics.js";
import { METRICS, type MetricName, metricQuality } from "./metric-registry.js";
import { proportionCi } from "./proportion-ci.js";
import { textMatchMetrics } from "./text-match-metrics.js";

export interface CandidateMetrics {
  metric: MetricName;
  /** The metric's own value (an error rate stays an error rate). */
  value: number;
  /** `value` as 0..1, higher is better (`metricQuality`). */
  quality: number;
  /** 95% interval of `quality`. */
  qualityCi: [number, number];
  /** Every metric computed, by name, in each metric's own direction. */
  metrics: Partial<Record<MetricName, number>>;
  /** Recall per class (classification). */
  perClassRecall?: Record<string, number>;
  /** Items the metric was computed on. */
  items: number;
}

export interface ComputeMetricsInput {
  /** A metric that needs labels (everything but `agreement`, see `agreementMetrics`). */
  metric: MetricName;
  /** Gold label or reference text per item; null where the data has none. */
  golds: readonly (string | null)[];
  outputs: readonly BackendOutput[];
  /** Data label -> model label (classification). */
  labelMapping?: LabelMapping;
  bootstrap?: BootstrapOptions;
}

/** Scores one candidate's outputs on labelled items with `metric` and its siblings. */
export function computeMetrics(input: ComputeMetricsInput): CandidateMetrics {
  const { metric, golds, outputs, bootstrap } = input;
  const result = (
    value: number,
    qualityCi: [number, number],
    metrics: Partial<Record<MetricName, number>>,
    items: number,
  ): CandidateMetrics => ({
    metric,
    value,
    quality: metricQuality(metric, value),
    qualityCi,
    metrics,
    items,
  });
  switch (METRICS[metric].kind) {
    case "classification": {
      const scored = classificationMetrics(golds, outputs, input.labelMapping ?? {});
      const ci =
        metric === "accuracy"
          ? proportionCi(scored.correct, scored.items)
          : bootstrapCi(
              scored.items,
              (indices) =>
                summarisePredictions(
                  indices.map((index) => scored.predictions[index] as LabelPrediction),
                ).macroF1,
              bootstrap,
            );
      return {
        ...result(
          metric === "accuracy" ? scored.accuracy : scored.macroF1,
          ci,
          { accuracy: scored.accuracy, macro_f1: scored.macroF1 },
          scored.items,
        ),
        perClassRecall: scored.perClassRecall,
      };
    }
    case "text-match": {
      const scored = textMatchMetrics(golds, outputs);
      const exactMatches = scored.perItem.reduce((sum, item) => sum + item.exactMatch, 0);
      const ci =
        metric === "exact_match"
          ? proportionCi(exactMatches, scored.items)
          : bootstrapMeanCi(
              scored.perItem.map((item) => item.tokenF1),
              bootstrap,
            );
      return result(
        metric === "exact_match" ? scored.exactMatch : scored.tokenF1,
        ci,
        { exact_match: scored.exactMatch, token_f1: scored.tokenF1 },
        scored.items,
      );
    }
    case "error-rate": {
      const scored = errorRateMetrics(golds, outputs);
      const ci = bootstrapCi(
        scored.items,
        (indices) => {
          const resampled = summariseEdits(
            indices.map((index) => scored.perItem[index] as ItemEdits),
          );
          return metric === "cer" ? resampled.cerQuality : resampled.werQuality;
        },
        bootstrap,
      );
      return result(
        metric === "cer" ? scored.cer : scored.wer,
        ci,
        { cer: scored.cer, wer: scored.wer },
        scored.items,
      );
    }
    case "embedding": {
      const scored = embeddingMetrics(golds, outputs);
      const ranks = scored.perItem
        .map((item) => item.reciprocalRank)
        .filter((rank): rank is number => rank !== null);
      const metrics: Partial<Record<MetricName, number>> = { knn_accuracy: scored.knnAccuracy };
      if (ranks.length > 0) metrics.mrr = scored.mrr;
      if (metric === "knn_accuracy") {
        const correct = scored.perItem.filter((item) => item.knnCorrect).length;
        return result(
          scored.knnAccuracy,
          proportionCi(correct, scored.items),
          metrics,
          scored.items,
        );
      }
      if (ranks.length === 0) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          "mrr: no label occurs on two or more probed items, so there is nothing to retrieve; probe more items or use knn_accuracy.",
        );
      }
      return result(scored.mrr, bootstrapMeanCi(ranks, bootstrap), metrics, ranks.length);
    }
    case "agreement":
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        "agreement compares candidates with each other; compute it with agreementMetrics over all candidates' outputs.",
      );
  }
}

/**
 * The agreement proxy of every candidate, in `computeMetrics`'s shape (metric `agreement`,
 * a bootstrap interval over the per-item shares). A candidate with no comparable item gets
 * NaN for value and quality and the interval [0, 1].
 */
export function agreementMetrics(
  outputsByCandidate: readonly (readonly (BackendOutput | null)[])[],
  options: AgreementOptions & { bootstrap?: BootstrapOptions } = {},
): CandidateMetrics[] {
  return agreementProxy(outputsByCandidate, options).map((candidate) => {
    const shares = candidate.perItem.filter((share): share is number => share !== null);
    return {
      metric: "agreement",
      value: candidate.agreement,
      quality: candidate.agreement,
      qualityCi: bootstrapMeanCi(shares, options.bootstrap),
      metrics: { agreement: candidate.agreement },
      items: candidate.items,
    };
  });
}
