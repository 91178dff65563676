/**
 * @module
 * Offline evaluation of selection strategies on replayed outcomes. Each trial draws a random
 * sample of items as "the user's data", runs the budgeted strategy and the gap strategy
 * (each without priors, and once per prior source given) and the naive one at each budget (a fraction of the exhaustive
 * probes, items x models), and measures regret: the best model's mean minus the picked model's
 * mean, in points on 0..100. Regret is measured on the user's sample (what exhaustive
 * evaluation of that sample would find) and, for reference, on the whole file. Every strategy
 * in a trial and budget gets the same seed, so they are compared on the same draws.
 *
 * For each prior source the "prior only" pick (highest prior, no probe at all) is measured
 * too, so a report can show how much of a result is the prior and how much the probing. And
 * `oracle-top2` is a ceiling, not a strategy: it is told the sample's two best models and
 * spends the whole budget comparing them on the same random items. No strategy that learns
 * only from probing can beat it; where it stays under a target, sampling noise between the
 * top models is the reason.
 */
import type { ReplayDataset } from "../backends/replay/replay-dataset.js";
import type { BenchPriorSource } from "./bench-priors.js";
import { budgetedSelection } from "./strategies/budgeted-selection.js";
import { gapSelection } from "./strategies/gap-selection.js";
import { naiveSelection } from "./strategies/naive-selection.js";
import { SAME_SCALE_SLOPE_PRIOR } from "./strategies/prior-calibration.js";
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
  /** Each adds `budgeted+<name>` and `gap+<name>` strategies and a prior-only reference. */
  priorSources?: readonly BenchPriorSource[];
}

export interface StrategyBudgetResult {
  /**
   * `budgeted`, `gap` (fixed-budget epsilon-good identification), `naive`,
   * `budgeted+<prior source>`, `gap+<prior source>`, or the `oracle-top2` ceiling.
   */
  strategy: string;
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
  /** Share of trials whose priors were combined with the measurements (prior strategies only). */
  priorsCombinedShare?: number;
}

export interface PriorOnlyResult {
  source: string;
  description: string;
  /** Models with a prior. */
  modelsWithPriors: number;
  meanRegretPoints: number;
  withinToleranceShare: number;
  withinToleranceShareFullFile: number;
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
  priorOnly: PriorOnlyResult[];
  /** What reading the data changed (from the dataset). */
  notes?: readonly string[];
}

function quantile(sorted: readonly number[], probability: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(probability * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Index of the highest known prior, or null when no model has one. */
function bestPrior(priors: readonly (number | null)[]): number | null {
  let best: number | null = null;
  for (const [index, prior] of priors.entries()) {
    if (prior !== null && (best === null || prior > (priors[best] as number))) best = index;
  }
  return best;
}

interface Tally {
  sample: number[];
  full: number[];
  spent: number[];
  combined: number;
}

/** Priors on the outcome's own scale let the strategies expect a slope near 1. */
const slopeOf = (source: BenchPriorSource) =>
  source.outcomeScale ? { priorSlope: SAME_SCALE_SLOPE_PRIOR } : {};

export async function benchSelection(
  dataset: ReplayDataset,
  options: BenchSelectionOptions,
): Promise<BenchSelectionResult> {
  const models = dataset.models;
  const tolerance = options.toleranceRegretPoints ?? 1;
  const sources = options.priorSources ?? [];
  const sampleSize = Math.min(options.sampleSize, dataset.items.length);
  const fullMeans = models.map(
    (model) =>
      dataset.items.reduce((sum, item) => sum + (item.scores[model] as number), 0) /
      dataset.items.length,
  );
  const sortedFull = [...fullMeans].sort((a, b) => b - a);
  const bestFull = sortedFull[0] as number;
  const random = seededRandom(options.seed ?? 42);
  const tallies = new Map<string, Tally>();
  const tally = (key: string) => {
    const existing = tallies.get(key);
    if (existing !== undefined) return existing;
    const created: Tally = { sample: [], full: [], spent: [], combined: 0 };
    tallies.set(key, created);
    return created;
  };
  const strategies = [
    "budgeted",
    ...sources.map((source) => `budgeted+${source.name}`),
    "gap",
    ...sources.map((source) => `gap+${source.name}`),
    "naive",
    "oracle-top2",
  ];
  const itemIndexes = Array.from({ length: dataset.items.length }, (_, index) => index);

  for (let trial = 0; trial < options.trials; trial++) {
    const sampleIndexes = random.shuffle(itemIndexes).slice(0, sampleSize);
    const matrix = models.map((model) =>
      sampleIndexes.map((index) => dataset.items[index]?.scores[model] as number),
    );
    const sampleMeans = matrix.map(
      (row) => row.reduce((sum, value) => sum + value, 0) / row.length,
    );
    const bestSample = Math.max(...sampleMeans);
    const [first, second] = sampleMeans
      .map((value, index) => ({ value, index }))
      .sort((a, b) => b.value - a.value || a.index - b.index)
      .map((entry) => entry.index);
    const record = (entry: Tally, winner: number) => {
      entry.sample.push(100 * (bestSample - (sampleMeans[winner] as number)));
      entry.full.push(100 * (bestFull - (fullMeans[winner] as number)));
    };
    const priorsBySource = sources.map((source) => source.priorsFor(sampleIndexes));
    for (const [index, source] of sources.entries()) {
      const winner = bestPrior(priorsBySource[index] as readonly (number | null)[]);
      if (winner !== null) record(tally(`prior-only:${source.name}`), winner);
    }
    const arms: SelectionArms = {
      armCount: models.length,
      itemCount: sampleSize,
      probe: async (arm, item) => matrix[arm]?.[item] as number,
    };
    const exhaustiveProbes = models.length * sampleSize;
    for (const budget of options.budgets) {
      const maxProbes = Math.floor(budget * exhaustiveProbes);
      const seed = Math.floor(random.next() * 2 ** 31);
      const runs: [string, SelectionResult][] = [
        ["budgeted", await budgetedSelection(arms, { maxProbes, seed })],
      ];
      for (const [index, source] of sources.entries()) {
        const priors = priorsBySource[index] as readonly (number | null)[];
        runs.push([
          `budgeted+${source.name}`,
          await budgetedSelection(arms, { maxProbes, seed, priors, ...slopeOf(source) }),
        ]);
      }
      runs.push(["gap", await gapSelection(arms, { maxProbes, seed })]);
      for (const [index, source] of sources.entries()) {
        const priors = priorsBySource[index] as readonly (number | null)[];
        runs.push([
          `gap+${source.name}`,
          await gapSelection(arms, { maxProbes, seed, priors, ...slopeOf(source) }),
        ]);
      }
      runs.push(["naive", await naiveSelection(arms, { maxProbes, seed })]);
      if (first !== undefined && second !== undefined) {
        const perArm = Math.min(sampleSize, Math.floor(maxProbes / 2));
        const items = seededRandom(seed)
          .shuffle(Array.from({ length: sampleSize }, (_, index) => index))
          .slice(0, perArm);
        const meanOn = (arm: number) =>
          items.reduce((sum, item) => sum + (matrix[arm]?.[item] as number), 0) /
          Math.max(1, items.length);
        const oracle = tally(`oracle-top2@${budget}`);
        record(oracle, meanOn(second) > meanOn(first) ? second : first);
        oracle.spent.push((2 * perArm) / exhaustiveProbes);
      }
      for (const [strategy, result] of runs) {
        const entry = tally(`${strategy}@${budget}`);
        record(entry, result.winnerIndex);
        entry.spent.push(result.probesSpent / exhaustiveProbes);
        if (result.priors?.combined) entry.combined++;
      }
    }
  }

  // A tiny slack absorbs floating-point noise in "exactly 1 point".
  const within = (values: readonly number[]) =>
    values.filter((value) => value <= tolerance + 1e-9).length / values.length;
  const mean = (values: readonly number[]) =>
    values.reduce((sum, value) => sum + value, 0) / values.length;
  const results: StrategyBudgetResult[] = [];
  for (const strategy of strategies) {
    for (const budget of options.budgets) {
      const entry = tallies.get(`${strategy}@${budget}`);
      if (entry === undefined) continue;
      const sorted = [...entry.sample].sort((a, b) => a - b);
      results.push({
        strategy,
        budget,
        meanRegretPoints: mean(sorted),
        p95RegretPoints: quantile(sorted, 0.95),
        withinToleranceShare: within(entry.sample),
        withinToleranceShareFullFile: within(entry.full),
        meanSpentFraction: mean(entry.spent),
        maxSpentFraction: Math.max(...entry.spent),
        ...(strategy.includes("+")
          ? { priorsCombinedShare: entry.combined / entry.spent.length }
          : {}),
      });
    }
  }
  const priorOnly: PriorOnlyResult[] = [];
  for (const source of sources) {
    const entry = tallies.get(`prior-only:${source.name}`);
    if (entry === undefined) continue;
    priorOnly.push({
      source: source.name,
      description: source.description,
      modelsWithPriors: source.priorsFor([]).filter((prior) => prior !== null).length,
      meanRegretPoints: mean(entry.sample),
      withinToleranceShare: within(entry.sample),
      withinToleranceShareFullFile: within(entry.full),
    });
  }
  return {
    source: dataset.source,
    items: dataset.items.length,
    models: models.length,
    sampleSize,
    trials: options.trials,
    topGapPoints: 100 * ((sortedFull[0] as number) - (sortedFull[1] ?? Number.NaN)),
    results,
    priorOnly,
    ...(dataset.notes === undefined ? {} : { notes: dataset.notes }),
  };
}
