/**
 * Benchmark: cost-aware bandit routing (ADR 0053) replayed on the recorded outcomes of 7 open
 * LLMs (../shared/data/routerdc-7llm, one route per file), at several answer values.
 *
 *   npx tsx bench/routing-cost.ts [--trials 5] [--seed 42] [--values 0.002,0.005,0.01,0.02,0.05]
 *                                 [--data <dir>]
 *
 * The data has scores and no costs, so the benchmark gives the models an assumed price sheet
 * (`PRICES` below: the two Llama-3-8B models as if bought from an API at $0.002 a request, the
 * five Mistral-7B models as if self-hosted at $0.0005). It says nothing about what these
 * models cost anywhere; it shows what the policy does with a price gap of 4x: at each answer
 * value (what a fully good answer is worth), the net value per request (`value x score -
 * cost`) of `thompson` (weighing cost) and `thompson-cost-blind` (the same learner on quality
 * alone), against the best single model by net value and the oracle (the best net value of
 * each item, after the fact). Mean over files; also each policy's cost and quality.
 * Prints a table and writes bench/results/routing-cost.json.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readReplayDataset } from "../src/backends/replay/replay-dataset.js";
import {
  type RoutingPolicyName,
  replayRouting,
  routingStreams,
  type StreamReplayResult,
  withPrices,
} from "../src/route/learning/replay-routing.js";
import { writeBenchResult } from "./bench-result.js";

const PRICES = new Map([
  ["meta-llama/Meta-Llama-3-8B", 0.002],
  ["cognitivecomputations/dolphin-2.9-llama3-8b", 0.002],
  ["mistralai/Mistral-7B-v0.1", 0.0005],
  ["meta-math/MetaMath-Mistral-7B", 0.0005],
  ["itpossible/Chinese-Mistral-7B-v0.1", 0.0005],
  ["HuggingFaceH4/zephyr-7b-beta", 0.0005],
  ["cognitivecomputations/dolphin-2.6-mistral-7b", 0.0005],
]);
const POLICIES: RoutingPolicyName[] = ["thompson", "thompson-cost-blind"];

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "5" },
    seed: { type: "string", default: "42" },
    values: { type: "string", default: "0.002,0.005,0.01,0.02,0.05" },
    data: {
      type: "string",
      default: new URL("../../shared/data/routerdc-7llm", import.meta.url).pathname,
    },
  },
});
const trials = Number(values.trials);
const seed = Number(values.seed);
const answerValues = values.values.split(",").map(Number);
const files = readdirSync(values.data)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => join(values.data, name));
const streams = routingStreams(await Promise.all(files.map((file) => readReplayDataset(file))));
const mean = (numbers: readonly number[]) =>
  numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
const policyOf = (result: StreamReplayResult, policy: RoutingPolicyName) => {
  const entry = result.policies.find((candidate) => candidate.policy === policy);
  if (!entry) throw new Error(`no ${policy} in ${result.route}`);
  return entry;
};
const short = (model: string) => model.split("/")[1] ?? model;

console.log(
  `Cost-aware routing on ${files.length} RouterDC files (one route each, ${streams.reduce((n, s) => n + s.items.length, 0)} items), ${trials} seeded orders per file; assumed prices per request: Llama-3-8B models $0.002, Mistral-7B models $0.0005\n`,
);
console.log(
  "value $/answer | oracle net | best single by net (files it is each model) | thompson net / cost / quality | thompson-cost-blind net / cost / quality | thompson - blind net | thompson share of best-single net | us/request (thompson)",
);
const rows = [];
for (const answerValue of answerValues) {
  const started = Date.now();
  const results = streams.map((stream) =>
    replayRouting(withPrices(stream, PRICES), {
      trials,
      seed,
      answerValue,
      policies: POLICIES,
    }),
  );
  const bestNetModels = new Map<string, number>();
  for (const result of results) {
    const model = short(result.bestSingleNet?.modelId ?? "?");
    bestNetModels.set(model, (bestNetModels.get(model) ?? 0) + 1);
  }
  const summary = (policy: RoutingPolicyName) => ({
    netValue: mean(results.map((result) => policyOf(result, policy).netValue as number)),
    cost: mean(results.map((result) => policyOf(result, policy).cost as number)),
    quality: mean(results.map((result) => policyOf(result, policy).quality)),
    microsecondsPerRequest: mean(
      results.map((result) => policyOf(result, policy).microsecondsPerRequest),
    ),
    // Spread between seeds: each trial's net value averaged over files.
    netPerTrial: Array.from({ length: trials }, (_, trial) =>
      mean(
        results.map((result) => policyOf(result, policy).netValuePerTrial?.[trial] ?? Number.NaN),
      ),
    ),
  });
  const row = {
    answerValue,
    oracleNet: mean(results.map((result) => result.oracle.netValue as number)),
    bestSingleNet: mean(results.map((result) => result.bestSingleNet?.netValue as number)),
    bestSingleNetModels: Object.fromEntries(bestNetModels),
    thompson: summary("thompson"),
    costBlind: summary("thompson-cost-blind"),
    seconds: (Date.now() - started) / 1000,
    perFile: results.map((result) => ({
      route: result.route,
      items: result.items,
      oracleNet: result.oracle.netValue,
      bestSingleNet: result.bestSingleNet,
      thompson: {
        netValue: policyOf(result, "thompson").netValue,
        cost: policyOf(result, "thompson").cost,
        quality: policyOf(result, "thompson").quality,
      },
      costBlind: {
        netValue: policyOf(result, "thompson-cost-blind").netValue,
        cost: policyOf(result, "thompson-cost-blind").cost,
        quality: policyOf(result, "thompson-cost-blind").quality,
      },
    })),
  };
  rows.push(row);
  const money = (value: number) => value.toPrecision(3);
  console.log(
    [
      answerValue,
      money(row.oracleNet),
      `${money(row.bestSingleNet)} (${[...bestNetModels].map(([model, count]) => `${model} ${count}`).join(", ")})`,
      `${money(row.thompson.netValue)} / ${money(row.thompson.cost)} / ${(100 * row.thompson.quality).toFixed(1)}`,
      `${money(row.costBlind.netValue)} / ${money(row.costBlind.cost)} / ${(100 * row.costBlind.quality).toFixed(1)}`,
      money(row.thompson.netValue - row.costBlind.netValue),
      `${((100 * row.thompson.netValue) / row.bestSingleNet).toFixed(1)} %`,
      row.thompson.microsecondsPerRequest.toFixed(0),
    ].join(" | "),
  );
}

writeBenchResult(
  "routing-cost",
  `npx tsx bench/routing-cost.ts --trials ${trials} --seed ${seed} --values ${values.values}`,
  {
    prices: Object.fromEntries(PRICES),
    trials,
    seed,
    files: files.length,
    rows,
  },
);
