/**
 * @module
 * Where the selection benchmark gets priors, each built so it never sees the items being
 * evaluated (a prior that did would be the answer, not a belief):
 * - `otherDatasetPriors`: the models' mean on another recorded file, e.g. the train split of
 *   the same benchmark or a related benchmark (past evaluations, past decisions); items whose
 *   question also appears in the evaluated file are left out;
 * - `heldOutItemPriors`: for a task-level pool (MTEB: items are tasks), each model's mean over
 *   the tasks *outside* the trial's sample, i.e. published results on other tasks;
 * - `publishedScorePriors`: one published score per model (0..100, e.g. the Open LLM
 *   Leaderboard average from the catalog), `null` for models the source does not list.
 */
import type { ReplayDataset } from "../backends/replay/replay-dataset.js";

export interface BenchPriorSource {
  /** Short label for tables, e.g. "past-eval". */
  name: string;
  /** What the prior is, for reports. */
  description: string;
  /**
   * True when the prior is the outcome's own metric measured elsewhere (a mean on other items),
   * so the strategies may expect a calibration slope near 1 (`SAME_SCALE_SLOPE_PRIOR`).
   */
  outcomeScale: boolean;
  /**
   * Priors in `dataset.models` order for a trial whose sample holds these item indexes of the
   * dataset; `null` where unknown. Must not depend on the outcomes of those items.
   */
  priorsFor(sampleItemIndexes: readonly number[]): readonly (number | null)[];
}

export function otherDatasetPriors(
  dataset: ReplayDataset,
  other: ReplayDataset,
  name = "past-eval",
): BenchPriorSource {
  const evaluated = new Set(dataset.items.map((item) => item.question));
  const items = other.items.filter((item) => !evaluated.has(item.question));
  const priors = dataset.models.map((model) => {
    if (items.length === 0 || !other.models.includes(model)) return null;
    return items.reduce((sum, item) => sum + (item.scores[model] as number), 0) / items.length;
  });
  return {
    name,
    description: `mean on ${other.source} (${items.length} items, none shared with the evaluated file)`,
    outcomeScale: true,
    priorsFor: () => priors,
  };
}

export function heldOutItemPriors(dataset: ReplayDataset, name = "other-items"): BenchPriorSource {
  return {
    name,
    description: "each model's mean over the items outside the trial's sample",
    outcomeScale: true,
    priorsFor(sampleItemIndexes) {
      const inSample = new Set(sampleItemIndexes);
      const rest = dataset.items.filter((_, index) => !inSample.has(index));
      return dataset.models.map((model) =>
        rest.length === 0
          ? null
          : rest.reduce((sum, item) => sum + (item.scores[model] as number), 0) / rest.length,
      );
    },
  };
}

export function publishedScorePriors(
  dataset: ReplayDataset,
  scoresById: ReadonlyMap<string, number>,
  name = "published",
  description = "published score / 100",
): BenchPriorSource {
  const priors = dataset.models.map((model) => {
    const score = scoresById.get(model);
    return score === undefined ? null : score / 100;
  });
  return { name, description, outcomeScale: false, priorsFor: () => priors };
}
