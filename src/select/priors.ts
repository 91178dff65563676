/**
 * @module
 * Priors: what ModelScout believes about a candidate before probing it, used to choose which
 * candidates to probe when there are more than the probing cut and to order them. Three kinds
 * of evidence, each on 0..1, averaged with fixed weights over the ones a model has:
 * - published evaluation (weight 0.6): the catalog's headline score (0..100 as published by
 *   a leaderboard or model card) divided by 100;
 * - popularity (weight 0.3): log downloads relative to the most downloaded candidate;
 * - past decisions (weight 0.1): how often the model won earlier selections for the same
 *   task and language here, `wins / (wins + 1)`;
 * - live feedback (weight 0.2): the model's quality from routing feedback (its posterior mean
 *   over every route it served, weighted by evidence), when it has at least
 *   `MIN_FEEDBACK_OBSERVATIONS` outcomes.
 * A prior never decides: probing on the user's data does. It only spends the budget where
 * the evidence points first, and the report lists each prior with its sources.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import { formatCount } from "../text/format-count.js";

export interface Prior {
  value: number;
  sources: string[];
}

const WEIGHTS = { published: 0.6, popularity: 0.3, past: 0.1, feedback: 0.2 } as const;

/** Outcomes a model needs before its live feedback counts as evidence. */
export const MIN_FEEDBACK_OBSERVATIONS = 5;

/** A model's quality from routing feedback: mean reward 0..1 over `observations` outcomes. */
export interface FeedbackEvidence {
  mean: number;
  observations: number;
}

/** Priors for `models`, in order; `pastWins` maps model id to earlier wins for this task. */
export function computePriors(
  models: readonly ModelRecord[],
  pastWins: ReadonlyMap<string, number> = new Map(),
  feedback: ReadonlyMap<string, FeedbackEvidence> = new Map(),
): Prior[] {
  const maxLogDownloads = Math.max(0, ...models.map((model) => Math.log10(model.downloads + 1)));
  return models.map((model) => {
    let weighted = 0;
    let weights = 0;
    const sources: string[] = [];
    if (model.score !== null && Number.isFinite(model.score)) {
      const published = Math.min(1, Math.max(0, model.score / 100));
      weighted += WEIGHTS.published * published;
      weights += WEIGHTS.published;
      const source = model.evalResults.find((result) => result.verified)?.source;
      sources.push(
        `published score ${model.score.toFixed(1)}${source === undefined ? "" : ` (${source})`}`,
      );
    }
    if (maxLogDownloads > 0) {
      const popularity = Math.log10(model.downloads + 1) / maxLogDownloads;
      weighted += WEIGHTS.popularity * popularity;
      weights += WEIGHTS.popularity;
      sources.push(`${formatCount(model.downloads)} downloads`);
    }
    const wins = pastWins.get(model.id) ?? 0;
    if (pastWins.size > 0) {
      weighted += WEIGHTS.past * (wins / (wins + 1));
      weights += WEIGHTS.past;
      if (wins > 0)
        sources.push(`won ${wins} earlier selection${wins === 1 ? "" : "s"} for this task`);
    }
    const live = feedback.get(model.id);
    if (live !== undefined && live.observations >= MIN_FEEDBACK_OBSERVATIONS) {
      weighted += WEIGHTS.feedback * Math.min(1, Math.max(0, live.mean));
      weights += WEIGHTS.feedback;
      sources.push(
        `live feedback ${(live.mean * 100).toFixed(0)}% over ${Math.round(live.observations)} outcomes`,
      );
    }
    if (weights === 0) return { value: 0.5, sources: ["no prior evidence"] };
    // Only earlier selections counted, and other models won them.
    if (sources.length === 0) sources.push("other models won earlier selections for this task");
    return { value: weighted / weights, sources };
  });
}
