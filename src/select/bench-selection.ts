/**
 * @module
 * Offline evaluation of selection strategies on replayed outcomes. Each trial draws a random
 * sample of items as "the user's data", runs the budgeted and the naive strategy at each budget
 * (a fraction of the exhaustive probes, items x models), and measures regret: the best model's
 * mean minus the picked model's mean, in points on 0..100. Regret is measured on the user's
 * sample (what exhaustive evaluation of that sample would find) and, for reference, on the
 * whole file.
 */
import type { ReplayDataset } from "../backends/replay/replay-dataset.js";
import { budgetedSelection } from "./strategies/budgeted-selection.js";
import { naiveSelection } from "./strategies/naive-selection.js";
import { seededRandom } from "./strategies/seeded-random.js";
import type { SelectionArms, SelectionResult } from "./strategies/selection-strategy.js";

export interface BenchSelectionOptions {
  trials: number;
  /** Budgets as fractions of exhaustive probes, e.g. [0.05, 0.1, 0.15, 0.25]. */
  budgets: readonly number[];
  /** Items in the user's sample; capped at the file size. */
  sampleSize: number;
  /** Regret (points) under which a pick counts as good. Default 1. */
  toleranceRegretPoints?: number;
  seed?: number;
}

export interface StrategyBudgetResult {
  strategy: "budgeted" | "naive";
  budget: number;
  meanRegretPoints: number;
  p95RegretPoints: number;
  /** Share of trials with regret <= tolerance on the user's sample. */
  withinToleranceShare: number;
  /** The same, against the whole file's means. */
  withinToleranceShareFullFile: number;
  /** Mean probes spent as a fraction of exhaustive. */
  meanSpentFraction: number;
  maxSpentFraction: number;
}

export interface BenchSelectionResult {
  source: string;
  items: number;
  models: number;
  sampleSize: number;
  trials: number;
  /** Gap between the best and second-best model on the whole file, in points. */
  topGapPoints: number;
  results: StrategyBudgetResult[];
}

function quantile(sorted: readonly number[], probability: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(probability * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export async function benchSelection(
  dataset: ReplayDataset,
  options: BenchSelectionOptions,
): Promise<BenchSelectionResult> {
  const models = dataset.models;
  const tolerance = options.toleranceRegretPoints ?? 1;
  const sampleSize = Math.min(options.sampleSize, dataset.items.length);
  const fullMeans = models.map(
    (model) =>
      dataset.items.reduce((sum, item) => sum + (item.scores[model] as number), 0) /
      dataset.items.length,
  );
  const sortedFull = [...fullMeans].sort((a, b) => b - a);
  const random = seededRandom(options.seed ?? 42);
  const regrets = new Map<string, { sample: number[]; full: number[]; spent: number[] }>();
  for (let trial = 0; trial < options.trials; trial++) {
    const sample = random.shuffle(dataset.items).slice(0, sampleSize);
    const matrix = models.map((model) => sample.map((item) => item.scores[model] as number));
    const sampleMeans = matrix.map(
      (row) => row.reduce((sum, value) => sum + value, 0) / row.length,
    );
    const bestSample = Math.max(...sampleMeans);
    const bestFull = sortedFull[0] as number;
    const arms: SelectionArms = {
      armCount: models.length,
      itemCount: sampleSize,
      probe: async (arm, item) => matrix[arm]?.[item] as number,
    };
    const exhaustiveProbes = models.length * sampleSize;
    for (const budget of options.budgets) {
      const maxProbes = Math.floor(budget * exhaustiveProbes);
      const strategySeed = Math.floor(random.next() * 2 ** 31);
      const runs: [string, SelectionResult][] = [
        ["budgeted", await budgetedSelection(arms, { maxProbes, seed: strategySeed })],
        ["naive", await naiveSelection(arms, { maxProbes, seed: strategySeed })],
      ];
      for (const [strategy, result] of runs) {
        const key = `${strategy}@${budget}`;
        const entry = regrets.get(key) ?? { sample: [], full: [], spent: [] };
        entry.sample.push(100 * (bestSample - (sampleMeans[result.winnerIndex] as number)));
        entry.full.push(100 * (bestFull - (fullMeans[result.winnerIndex] as number)));
        entry.spent.push(result.probesSpent / exhaustiveProbes);
        regrets.set(key, entry);
      }
    }
  }
  const results: StrategyBudgetResult[] = [];
  for (const strategy of ["budgeted", "naive"] as const) {
    for (const budget of options.budgets) {
      const entry = regrets.get(`${strategy}@${budget}`);
      if (entry === undefined) continue;
      const sorted = [...entry.sample].sort((a, b) => a - b);
      // A tiny slack absorbs floating-point noise in "exactly 1 point".
      const within = (values: number[]) =>
        values.filter((value) => value <= tolerance + 1e-9).length / values.length;
      results.push({
        strategy,
        budget,
        meanRegretPoints: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
        p95RegretPoints: quantile(sorted, 0.95),
        withinToleranceShare: within(entry.sample),
        withinToleranceShareFullFile: within(entry.full),
        meanSpentFraction: entry.spent.reduce((sum, value) => sum + value, 0) / entry.spent.length,
        maxSpentFraction: Math.max(...entry.spent),
      });
    }
  }
  return {
    source: dataset.source,
    items: dataset.items.length,
    models: models.length,
    sampleSize,
    trials: options.trials,
    topGapPoints: 100 * ((sortedFull[0] as number) - (sortedFull[1] as number)),
    results,
  };
}
