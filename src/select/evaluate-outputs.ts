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
 * Final figures and their 95% intervals come from `metrics/compute-metrics.ts` (Wilson for
 * 0/1 outcomes, a seeded bootstrap for the others, so a decision replays to the same numbers).
 */
import type { BackendOutput } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { SelectionDecision } from "./decision.js";
import {
  agreementMetrics,
  type CandidateMetrics,
  computeMetrics,
} from "./metrics/compute-metrics.js";
import { cosineSimilarity } from "./metrics/embedding-metrics.js";
import { itemOutcome } from "./metrics/item-outcome.js";
import { METRICS, type MetricName, resolveMetric } from "./metrics/metric-registry.js";
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
      let computed: CandidateMetrics;
      if (proxy) {
        const all = [
          request.outputs.map((output) => output as BackendOutput | null),
          ...request.others,
        ];
        if (all.length < 2) return { quality: 1, qualityCi: null, metrics: {} };
        computed = agreementMetrics(all)[0] as CandidateMetrics;
      } else {
        computed = computeMetrics({
          metric: name,
          golds: request.items.map((item) => item.label),
          outputs: request.outputs,
          labelMapping: request.labelMapping,
        });
      }
      return {
        quality: Number.isNaN(computed.quality) ? 0 : computed.quality,
        qualityCi: computed.qualityCi,
        metrics: Object.fromEntries(
          Object.entries(computed.metrics).filter((entry): entry is [string, number] =>
            Number.isFinite(entry[1]),
          ),
        ),
        ...(computed.perClassRecall !== undefined && { perClassRecall: computed.perClassRecall }),
      };
    },
  };
}
