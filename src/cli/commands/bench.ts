/**
 * @module
 * `modelscout bench selection`: replays recorded per-item outcomes (routerdc JSON, or a
 * models x items score matrix CSV such as MTEB's tasks) and compares the budgeted strategies
 * (paired racing and gap selection), with and without priors, with the naive "best mean on k
 * random items", printing regret against budget. The work is `select/bench-selection.ts` and `select/bench-priors.ts`;
 * this only reads files, parses flags and prints.
 */
import { basename } from "node:path";
import { defineCommand } from "citty";
import { readReplayDataset } from "../../backends/replay/replay-dataset.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  type BenchPriorSource,
  heldOutItemPriors,
  otherDatasetPriors,
} from "../../select/bench-priors.js";
import { type BenchSelectionResult, benchSelection } from "../../select/bench-selection.js";
import { formatTable } from "../../text/format-table.js";
import { integerOption, printJson } from "../cli-options.js";
import { replayFiles } from "../replay-files.js";

function budgetsOption(value: string | undefined): number[] {
  if (value === undefined || value === "") return [0.05, 0.1, 0.15, 0.25];
  const budgets = value.split(",").map((part) => Number(part.trim()));
  if (budgets.some((budget) => !Number.isFinite(budget) || budget <= 0 || budget > 1)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--budgets takes fractions of the exhaustive probes between 0 and 1, comma-separated (got "${value}").`,
    );
  }
  return budgets;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

const selection = defineCommand({
  meta: {
    name: "selection",
    description: "Budgeted selection vs naive sampling on recorded outcomes: regret against budget",
  },
  args: {
    data: {
      type: "string",
      description:
        "A replay file or a folder of them: JSON [{question, scores: {model: 0..1}}], or a CSV score matrix (model column, one column per item, e.g. MTEB tasks)",
      required: true,
    },
    "prior-data": {
      type: "string",
      description:
        "Also race with priors: each model's mean on this other replay file (e.g. the train split), items shared with --data left out",
    },
    "held-out-priors": {
      type: "boolean",
      description:
        "Also race with priors: each model's mean over the items outside each trial's sample (task-level pools; use a --sample-size below the item count)",
    },
    seed: { type: "string", description: "Seed of the trials (default 42)" },
    budgets: {
      type: "string",
      description: "Fractions of exhaustive probes, e.g. 0.05,0.1,0.15,0.25",
    },
    trials: { type: "string", description: "Seeded trials per file and budget (default 50)" },
    "sample-size": {
      type: "string",
      description: "Items in each trial's sample of 'your data' (default 500)",
    },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    const budgets = budgetsOption(args.budgets);
    const trials = integerOption("trials", args.trials) ?? 50;
    const sampleSize = integerOption("sample-size", args["sample-size"]) ?? 500;
    const seed = integerOption("seed", args.seed) ?? 42;
    const priorData =
      args["prior-data"] === undefined ? null : await readReplayDataset(args["prior-data"]);
    const results: BenchSelectionResult[] = [];
    for (const file of replayFiles(args.data, [".json", ".jsonl", ".csv"])) {
      const dataset = await readReplayDataset(file);
      const priorSources: BenchPriorSource[] = [];
      if (priorData !== null) priorSources.push(otherDatasetPriors(dataset, priorData));
      if (args["held-out-priors"]) priorSources.push(heldOutItemPriors(dataset));
      results.push(
        await benchSelection(dataset, { trials, budgets, sampleSize, seed, priorSources }),
      );
    }
    if (args.json) {
      printJson({ budgets, trials, sampleSize, seed, files: results });
      return;
    }
    const priorNames = [
      ...new Set(results.flatMap((result) => result.priorOnly.map((entry) => entry.source))),
    ];
    const rows = results.flatMap((result) =>
      budgets.map((budget) => {
        const pick = (strategy: string) =>
          result.results.find((entry) => entry.strategy === strategy && entry.budget === budget);
        return {
          result,
          budget,
          budgeted: pick("budgeted"),
          gap: pick("gap"),
          naive: pick("naive"),
          withPriors: priorNames.map((name) => pick(`budgeted+${name}`)),
          gapWithPriors: priorNames.map((name) => pick(`gap+${name}`)),
        };
      }),
    );
    const priorColumns = priorNames.flatMap((name, index) => [
      {
        header: `+${name.toUpperCase()} WITHIN 1 PT`,
        value: (row: (typeof rows)[number]) => {
          const entry = row.withPriors[index];
          return entry ? percent(entry.withinToleranceShare) : "-";
        },
        align: "right" as const,
      },
      {
        header: `GAP+${name.toUpperCase()} WITHIN 1 PT`,
        value: (row: (typeof rows)[number]) => {
          const entry = row.gapWithPriors[index];
          return entry ? percent(entry.withinToleranceShare) : "-";
        },
        align: "right" as const,
      },
    ]);
    process.stdout.write(
      `${formatTable(rows, [
        { header: "FILE", value: (row) => basename(row.result.source) },
        { header: "ITEMS", value: (row) => String(row.result.sampleSize), align: "right" },
        { header: "BUDGET", value: (row) => percent(row.budget), align: "right" },
        {
          header: "BUDGETED REGRET",
          value: (row) => row.budgeted?.meanRegretPoints.toFixed(2) ?? "-",
          align: "right",
        },
        {
          header: "WITHIN 1 PT",
          value: (row) => (row.budgeted ? percent(row.budgeted.withinToleranceShare) : "-"),
          align: "right",
        },
        {
          header: "SPENT",
          value: (row) => (row.budgeted ? percent(row.budgeted.meanSpentFraction) : "-"),
          align: "right",
        },
        {
          header: "GAP WITHIN 1 PT",
          value: (row) => (row.gap ? percent(row.gap.withinToleranceShare) : "-"),
          align: "right",
        },
        ...priorColumns,
        {
          header: "NAIVE REGRET",
          value: (row) => row.naive?.meanRegretPoints.toFixed(2) ?? "-",
          align: "right",
        },
        {
          header: "WITHIN 1 PT",
          value: (row) => (row.naive ? percent(row.naive.withinToleranceShare) : "-"),
          align: "right",
        },
      ])}\n`,
    );
    process.stdout.write(
      `Regret is in points (0-100) against the best model on each trial's sample; ${trials} seeded trials per row (seed ${seed}). BUDGETED = paired racing, GAP = gap selection (fixed budget, epsilon-good), NAIVE = best mean on random items.\n`,
    );
    for (const result of results) {
      for (const note of result.notes ?? [])
        process.stdout.write(`${basename(result.source)}: ${note}\n`);
      for (const entry of result.priorOnly) {
        process.stdout.write(
          `${basename(result.source)}: the highest ${entry.source} prior alone (no probe) is within 1 pt in ${percent(entry.withinToleranceShare)} of trials (${entry.modelsWithPriors} of ${result.models} models have a prior).\n`,
        );
      }
    }
  },
});

export default defineCommand({
  meta: {
    name: "bench",
    description: "Offline benchmarks of ModelScout's strategies on recorded data",
  },
  subCommands: {
    selection,
    routing: () => import("./bench-routing.js").then((module) => module.default),
    cascade: () => import("./bench-cascade.js").then((module) => module.default),
  },
});
