/**
 * Benchmark: budgeted selection (paired racing) and gap selection (fixed-budget epsilon-good
 * identification, `gap-selection.ts`), each without and with priors, against the naive
 * "best mean on k random items" baseline, on recorded outcomes:
 * - every file of ../shared/data/routerdc-7llm (7 open LLMs, per-question scores), each trial
 *   sampling up to --sample-size questions as "the user's data", with two prior sources:
 *   `past-eval` (the same models' mean on another split of the benchmark, or on a related
 *   benchmark where there is no other split; shared questions left out) and `published`
 *   (the Open LLM Leaderboard average from the bundled catalog snapshot, 4 of the 7 models);
 * - the MTEB core matrix as a task-level pool (items = tasks, outcome = main score), each trial
 *   sampling --mteb-sample-size tasks as the user's suite, with prior `other-tasks`: each
 *   model's mean over the tasks outside the sample.
 *
 *   npx tsx bench/selection-replay.ts [--trials 200] [--budgets 0.05,0.1,0.15,0.25,0.5]
 *       [--sample-size 500] [--mteb-sample-size 24] [--seed 42] [--out <json>]
 *
 * `oracle-top2` is a ceiling for strategies that learn only from probing: it is told the two
 * best models of the sample and spends the budget on them.
 *
 * Target (issue #4): within 1 point of the best model in >= 95% of seeded trials while spending
 * <= 15% of the exhaustive probes. Prints tables and writes bench/results/selection-replay.json.
 * The strategies' prior settings were chosen on seed-7 trials (gap selection's, the robust prior
 * error and the slope prior for same-metric priors on seeds 7 and 8); report with seed 42
 * (`--trials 1000`, docs/benchmarks.md) and check 43 and 44.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { type ReplayDataset, readReplayDataset } from "../src/backends/replay/replay-dataset.js";
import { readSnapshot } from "../src/catalog/snapshot/load-snapshot.js";
import { sharedDataDirectory } from "../src/onnx-build/offline-training-data.js";
import {
  type BenchPriorSource,
  heldOutItemPriors,
  otherDatasetPriors,
  publishedScorePriors,
} from "../src/select/bench-priors.js";
import {
  type BenchSelectionResult,
  benchSelection,
  type StrategyBudgetResult,
} from "../src/select/bench-selection.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "200" },
    budgets: { type: "string", default: "0.05,0.1,0.15,0.25,0.5" },
    "sample-size": { type: "string", default: "500" },
    "mteb-sample-size": { type: "string", default: "24" },
    seed: { type: "string", default: "42" },
    out: { type: "string", default: "bench/results/selection-replay.json" },
  },
});
const trials = Number(values.trials);
const budgets = values.budgets.split(",").map(Number);
const sampleSize = Number(values["sample-size"]);
const mtebSampleSize = Number(values["mteb-sample-size"]);
const seed = Number(values.seed);
const routerdcDirectory = join(sharedDataDirectory(), "routerdc-7llm");
const mtebFile = join(sharedDataDirectory(), "mteb", "mteb_core_matrix_tasks_ge200models.csv");

/**
 * Past evaluations for each routerdc file: the other split of the same benchmark, else the
 * closest related benchmark (Chinese exams for C-Eval, grade-school maths for MATH, Python
 * code for JavaScript and MBPP).
 */
const PAST_EVAL: Record<string, string> = {
  "mmlu_test.json": "mmlu_train.json",
  "mmlu_train.json": "mmlu_test.json",
  "cmmlu_test.json": "cmmlu_train.json",
  "cmmlu_train.json": "cmmlu_test.json",
  "arc_easy_test.json": "arc_easy_train.json",
  "arc_easy_train.json": "arc_easy_test.json",
  "arc_challenge_test.json": "arc_challenge_train.json",
  "arc_challenge_train.json": "arc_challenge_test.json",
  "gsm8k-test.json": "gsm8k-train.json",
  "gsm8k-train.json": "gsm8k-test.json",
  "humaneval_test.json": "humaneval_train.json",
  "humaneval_train.json": "humaneval_test.json",
  "ceval.json": "cmmlu_train.json",
  "MATH_prealgebra.json": "gsm8k-train.json",
  "javascript.json": "humaneval_train.json",
  "mbpp.json": "humaneval_train.json",
};

/** Published headline scores (0..100) of the catalog's records, by model id. */
async function catalogScores(ids: ReadonlySet<string>): Promise<Map<string, number>> {
  const scores = new Map<string, number>();
  for await (const batch of readSnapshot()) {
    for (const record of batch) {
      if (ids.has(record.id) && record.score !== null) scores.set(record.id, record.score);
    }
  }
  return scores;
}

const started = performance.now();
const pools: { pool: "routerdc" | "mteb"; result: BenchSelectionResult }[] = [];
const cache = new Map<string, ReplayDataset>();
const load = async (name: string) => {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const dataset = await readReplayDataset(join(routerdcDirectory, name));
  cache.set(name, dataset);
  return dataset;
};
const files = readdirSync(routerdcDirectory)
  .filter((name) => name.endsWith(".json"))
  .sort();
const firstDataset = await load(files[0] as string);
const published = await catalogScores(new Set(firstDataset.models));
for (const name of files) {
  const dataset = await load(name);
  const priorSources: BenchPriorSource[] = [];
  const past = PAST_EVAL[name];
  if (past !== undefined) priorSources.push(otherDatasetPriors(dataset, await load(past)));
  priorSources.push(
    publishedScorePriors(
      dataset,
      published,
      "published",
      "Open LLM Leaderboard v2 average (bundled catalog) / 100",
    ),
  );
  pools.push({
    pool: "routerdc",
    result: await benchSelection(dataset, { trials, budgets, sampleSize, seed, priorSources }),
  });
}
const mteb = await readReplayDataset(mtebFile);
pools.push({
  pool: "mteb",
  result: await benchSelection(mteb, {
    trials,
    budgets,
    sampleSize: mtebSampleSize,
    seed,
    priorSources: [heldOutItemPriors(mteb, "other-tasks")],
  }),
});
const elapsedSeconds = (performance.now() - started) / 1000;

const percent = (value: number) => `${(100 * value).toFixed(1)}%`;
/** The prior each pool is judged with in the pooled rows. */
const MAIN_PRIOR = { routerdc: "budgeted+past-eval", mteb: "budgeted+other-tasks" } as const;
const GAP_PRIOR = { routerdc: "gap+past-eval", mteb: "gap+other-tasks" } as const;
const find = (result: BenchSelectionResult, strategy: string, budget: number) =>
  result.results.find((entry) => entry.strategy === strategy && entry.budget === budget);

console.log(
  `trials=${trials} seed=${seed}; routerdc samples<=${sampleSize} questions, MTEB samples ${mtebSampleSize} tasks; cells: within 1 pt on the user's sample / mean regret pts`,
);
const strategyColumns = [
  "budgeted",
  "budgeted+past-eval",
  "budgeted+published",
  "gap",
  "gap+past-eval",
  "naive",
  "oracle-top2",
];
for (const budget of budgets) {
  console.log(`\nbudget ${percent(budget)}`);
  console.log(
    [
      "pool",
      "items",
      "models",
      "top-2 gap",
      ...strategyColumns,
      "+other-tasks",
      "gap+other-tasks",
    ].join(" | "),
  );
  for (const { result } of pools) {
    const cell = (strategy: string) => {
      const entry = find(result, strategy, budget);
      return entry
        ? `${percent(entry.withinToleranceShare)} / ${entry.meanRegretPoints.toFixed(2)}`
        : "-";
    };
    console.log(
      [
        basename(result.source),
        result.sampleSize,
        result.models,
        result.topGapPoints.toFixed(1),
        ...strategyColumns.map(cell),
        cell("budgeted+other-tasks"),
        cell("gap+other-tasks"),
      ].join(" | "),
    );
  }
}
console.log("\nprior only (highest prior, no probe): within 1 pt on the user's sample");
for (const { result } of pools) {
  console.log(
    `${basename(result.source)} | ${result.priorOnly.map((entry) => `${entry.source}: ${percent(entry.withinToleranceShare)} (${entry.modelsWithPriors} models)`).join(" | ")}`,
  );
}

interface SummaryRow {
  scope: string;
  strategy: string;
  budget: number;
  pools: number;
  meanRegretPoints: number;
  withinToleranceShare: number;
  withinToleranceShareFullFile: number;
  worstPool: string;
  worstPoolWithinToleranceShare: number;
  poolsAtOrAbove95: number;
  meanSpentFraction: number;
  maxSpentFraction: number;
}
function summarize(
  scope: string,
  strategy: string,
  budget: number,
  entries: { result: BenchSelectionResult; entry: StrategyBudgetResult }[],
): SummaryRow {
  const mean = (pick: (entry: StrategyBudgetResult) => number) =>
    entries.reduce((sum, { entry }) => sum + pick(entry), 0) / entries.length;
  const worst = entries.reduce((low, candidate) =>
    candidate.entry.withinToleranceShare < low.entry.withinToleranceShare ? candidate : low,
  );
  return {
    scope,
    strategy,
    budget,
    pools: entries.length,
    meanRegretPoints: mean((entry) => entry.meanRegretPoints),
    withinToleranceShare: mean((entry) => entry.withinToleranceShare),
    withinToleranceShareFullFile: mean((entry) => entry.withinToleranceShareFullFile),
    worstPool: basename(worst.result.source),
    worstPoolWithinToleranceShare: worst.entry.withinToleranceShare,
    poolsAtOrAbove95: entries.filter(({ entry }) => entry.withinToleranceShare >= 0.95).length,
    meanSpentFraction: mean((entry) => entry.meanSpentFraction),
    maxSpentFraction: Math.max(...entries.map(({ entry }) => entry.maxSpentFraction)),
  };
}
const summary: SummaryRow[] = [];
const routerdcScope = `routerdc (${files.length} files)`;
const allScope = `all ${pools.length} pools`;
for (const budget of budgets) {
  const collect = (
    scope: "routerdc" | "mteb" | "all",
    strategyFor: (pool: "routerdc" | "mteb") => string,
  ) =>
    pools
      .filter(({ pool }) => scope === "all" || pool === scope)
      .flatMap(({ pool, result }) => {
        const entry = find(result, strategyFor(pool), budget);
        return entry ? [{ result, entry }] : [];
      });
  for (const strategy of [
    "budgeted",
    "budgeted+past-eval",
    "budgeted+published",
    "gap",
    "gap+past-eval",
    "naive",
    "oracle-top2",
  ]) {
    summary.push(
      summarize(
        routerdcScope,
        strategy,
        budget,
        collect("routerdc", () => strategy),
      ),
    );
  }
  for (const strategy of [
    "budgeted",
    "budgeted+other-tasks",
    "gap",
    "gap+other-tasks",
    "naive",
    "oracle-top2",
  ]) {
    summary.push(
      summarize(
        "mteb",
        strategy,
        budget,
        collect("mteb", () => strategy),
      ),
    );
  }
  for (const strategy of ["budgeted", "gap", "naive", "oracle-top2"]) {
    summary.push(
      summarize(
        allScope,
        strategy,
        budget,
        collect("all", () => strategy),
      ),
    );
  }
  summary.push(
    summarize(
      allScope,
      "budgeted+priors",
      budget,
      collect("all", (pool) => MAIN_PRIOR[pool]),
    ),
  );
  summary.push(
    summarize(
      allScope,
      "gap+priors",
      budget,
      collect("all", (pool) => GAP_PRIOR[pool]),
    ),
  );
}
console.log(
  "\npooled (mean over pools): scope | strategy@budget | within 1 pt | [whole file] | pools >= 95% | worst pool | mean regret | spent mean/max",
);
for (const row of summary) {
  console.log(
    `${row.scope} | ${row.strategy}@${row.budget} | ${percent(row.withinToleranceShare)} | [${percent(row.withinToleranceShareFullFile)}] | ${row.poolsAtOrAbove95}/${row.pools} | ${row.worstPool} ${percent(row.worstPoolWithinToleranceShare)} | ${row.meanRegretPoints.toFixed(2)} | ${percent(row.meanSpentFraction)}/${percent(row.maxSpentFraction)}`,
  );
}
console.log(`\n${elapsedSeconds.toFixed(1)} s`);
writeFileSync(
  values.out,
  `${JSON.stringify(
    {
      command: ["npx", "tsx", "bench/selection-replay.ts", ...process.argv.slice(2)].join(" "),
      trials,
      budgets,
      sampleSize,
      mtebSampleSize,
      seed,
      elapsedSeconds,
      pastEval: PAST_EVAL,
      summary,
      pools: pools.map(({ pool, result }) => ({ pool, ...result })),
    },
    null,
    2,
  )}\n`,
);
