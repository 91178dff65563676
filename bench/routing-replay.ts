/**
 * Benchmark: the routing learner replayed on the recorded outcomes of 7 open LLMs
 * (../shared/data/routerdc-7llm), against the oracle, the best single model in hindsight,
 * epsilon-greedy and uniform random; plus a synthetic calibration of the demotion rule and the
 * cost of a durable `record` on a state file.
 *
 *   npx tsx bench/routing-replay.ts [--trials 5] [--seed 42] [--data <dir>]
 *                                   [--calibration-seeds 100]
 *
 * Three parts:
 * 1. every file as its own route (the learner's job: find the file's best model quickly);
 * 2. all files interleaved on one route with the file as the request's domain (per-domain
 *    learning: the reference is the best model per domain, which beats any single model);
 * 3. demotion calibration on synthetic Bernoulli models: how often two equal models end with
 *    one demoted (false alarms, the rule is checked after every outcome) and how fast a truly
 *    worse one is demoted, at probability thresholds 0.95 and 0.99.
 * Prints tables and writes bench/results/routing-replay.json.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readReplayDataset } from "../src/backends/replay/replay-dataset.js";
import {
  defaultRoutingPolicies,
  type RoutingPolicyName,
  replayRouting,
  routingStreams,
  type StreamReplayResult,
} from "../src/route/learning/replay-routing.js";
import { ThompsonRouteLearner } from "../src/route/learning/thompson-route-learner.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { openStateDatabase } from "../src/state/state-database.js";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "5" },
    seed: { type: "string", default: "42" },
    data: {
      type: "string",
      default: new URL("../../shared/data/routerdc-7llm", import.meta.url).pathname,
    },
    "calibration-seeds": { type: "string", default: "100" },
  },
});
const trials = Number(values.trials);
const seed = Number(values.seed);
const calibrationSeeds = Number(values["calibration-seeds"]);
const files = readdirSync(values.data)
  .filter((name) => name.endsWith(".json"))
  .sort()
  .map((name) => join(values.data, name));
const datasets = await Promise.all(files.map((file) => readReplayDataset(file)));
const pts = (value: number) => (100 * value).toFixed(1);
const mean = (numbers: readonly number[]) =>
  numbers.reduce((sum, n) => sum + n, 0) / numbers.length;
/** Every policy but `thompson-cost-blind`, which is `thompson` here (no answer value). */
const POLICIES = defaultRoutingPolicies(undefined);
const policyOf = (result: StreamReplayResult, policy: RoutingPolicyName) =>
  result.policies.find((entry) => entry.policy === policy);

// ---------------------------------------------------------------- 1. one route per file
console.log(`# 1. One route per file (${files.length} files, ${trials} seeded item orders each)`);
const perFile: StreamReplayResult[] = [];
for (const stream of routingStreams(datasets)) {
  const started = Date.now();
  const result = replayRouting(stream, { trials, seed });
  perFile.push(result);
  const cells = POLICIES.map((policy) => {
    const entry = policyOf(result, policy);
    return `${policy} ${pts(entry?.quality ?? Number.NaN)} (last ${signed(entry?.finalGapToBestSinglePoints)})`;
  });
  console.log(
    `${result.route} | ${result.items} items | oracle ${pts(result.oracle.quality)} | best ${pts(result.bestSingle.quality)} ${result.bestSingle.modelId.split("/")[1]} | ${cells.join(" | ")} | ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function signed(value: number | undefined): string {
  if (value === undefined) return "-";
  return `${value >= 0 ? "+" : ""}${value.toFixed(1)}`;
}

function summarize(results: readonly StreamReplayResult[]) {
  const weights = results.map((result) => result.items);
  const totalItems = weights.reduce((sum, weight) => sum + weight, 0);
  const weighted = (pick: (result: StreamReplayResult) => number) =>
    results.reduce((sum, result, index) => sum + pick(result) * (weights[index] as number), 0) /
    totalItems;
  return {
    files: results.length,
    items: totalItems,
    oracle: {
      meanOverFiles: mean(results.map((r) => r.oracle.quality)),
      itemWeighted: weighted((r) => r.oracle.quality),
    },
    bestSingle: {
      meanOverFiles: mean(results.map((r) => r.bestSingle.quality)),
      itemWeighted: weighted((r) => r.bestSingle.quality),
    },
    policies: POLICIES.map((policy) => {
      const entries = results.map((result) => policyOf(result, policy));
      const pick = (read: (entry: NonNullable<(typeof entries)[number]>) => number) =>
        mean(entries.map((entry) => (entry ? read(entry) : Number.NaN)));
      return {
        policy,
        qualityMeanOverFiles: pick((entry) => entry.quality),
        qualityItemWeighted: weighted((result) => policyOf(result, policy)?.quality ?? Number.NaN),
        gapToBestSinglePoints: pick((entry) => entry.gapToBestSinglePoints),
        finalGapToBestSinglePoints: pick((entry) => entry.finalGapToBestSinglePoints),
        finalGapToOraclePoints: pick((entry) => entry.finalGapToOraclePoints),
        exploredShare: pick((entry) => entry.exploredShare),
        demotionsPerFile: pick((entry) => entry.demotions),
        falseDemotionsPerFile: pick((entry) => entry.falseDemotions),
        microsecondsPerRequest: pick((entry) => entry.microsecondsPerRequest),
        // Learning curve averaged over files, window by window.
        curve: Array.from({ length: 10 }, (_, index) =>
          mean(entries.map((entry) => entry?.curve[index] ?? Number.NaN)),
        ),
        // Spread between seeds: each trial's quality averaged over files.
        qualityPerTrial: Array.from({ length: trials }, (_, trial) =>
          mean(entries.map((entry) => entry?.qualityPerTrial[trial] ?? Number.NaN)),
        ),
      };
    }),
    curves: {
      oracle: Array.from({ length: 10 }, (_, index) =>
        mean(results.map((r) => r.oracle.curve[index] ?? Number.NaN)),
      ),
      bestSingle: Array.from({ length: 10 }, (_, index) =>
        mean(results.map((r) => r.bestSingle.curve[index] ?? Number.NaN)),
      ),
    },
  };
}

const perFileSummary = summarize(perFile);
console.log(
  `\nall files, mean over files (item-weighted in brackets): oracle ${pts(perFileSummary.oracle.meanOverFiles)} [${pts(perFileSummary.oracle.itemWeighted)}], best single ${pts(perFileSummary.bestSingle.meanOverFiles)} [${pts(perFileSummary.bestSingle.itemWeighted)}]`,
);
console.log(
  "policy | quality | gap to best single (whole stream / last window) | gap to oracle (last window) | explored | demotions (false) per file | us/request | quality per trial",
);
for (const row of perFileSummary.policies) {
  console.log(
    `${row.policy} | ${pts(row.qualityMeanOverFiles)} [${pts(row.qualityItemWeighted)}] | ${signed(row.gapToBestSinglePoints)} / ${signed(row.finalGapToBestSinglePoints)} | ${signed(row.finalGapToOraclePoints)} | ${pts(row.exploredShare)}% | ${row.demotionsPerFile.toFixed(2)} (${row.falseDemotionsPerFile.toFixed(2)}) | ${row.microsecondsPerRequest.toFixed(0)} | ${row.qualityPerTrial.map(pts).join(" ")}`,
  );
}
console.log("\nlearning curve (mean over files), windows W1..W10 of each stream:");
console.log(`oracle      ${perFileSummary.curves.oracle.map(pts).join(" ")}`);
console.log(`best single ${perFileSummary.curves.bestSingle.map(pts).join(" ")}`);
for (const row of perFileSummary.policies)
  console.log(`${row.policy.padEnd(11)} ${row.curve.map(pts).join(" ")}`);

// ---------------------------------------------------------------- 2. one mixed route, file = domain
console.log(`\n# 2. One route, all files interleaved, file name as the domain (${trials} orders)`);
const [mixedStream] = routingStreams(datasets, { mixed: true });
if (!mixedStream) throw new Error("no data");
const mixedStarted = Date.now();
const mixed = replayRouting(mixedStream, { trials, seed });
console.log(
  `${mixed.items} items | oracle ${pts(mixed.oracle.quality)} | best per domain ${pts(mixed.bestPerDomain?.quality ?? Number.NaN)} | best single ${pts(mixed.bestSingle.quality)} (${mixed.bestSingle.modelId}) | ${((Date.now() - mixedStarted) / 1000).toFixed(0)} s`,
);
console.log(
  "policy | quality | last window | gap to best single (last) | gap to best per domain (last) | explored | demotions (false) | us/request",
);
const lastOf = (curve: readonly number[]) => curve[curve.length - 1] as number;
for (const entry of mixed.policies) {
  console.log(
    `${entry.policy} | ${pts(entry.quality)} | ${pts(lastOf(entry.curve))} | ${signed(entry.finalGapToBestSinglePoints)} | ${signed(100 * (lastOf(mixed.bestPerDomain?.curve ?? [Number.NaN]) - lastOf(entry.curve)))} | ${pts(entry.exploredShare)}% | ${entry.demotions.toFixed(1)} (${entry.falseDemotions.toFixed(1)}) | ${entry.microsecondsPerRequest.toFixed(0)}`,
  );
}
console.log(`curve oracle          ${mixed.oracle.curve.map(pts).join(" ")}`);
console.log(`curve best per domain ${(mixed.bestPerDomain?.curve ?? []).map(pts).join(" ")}`);
console.log(`curve best single     ${mixed.bestSingle.curve.map(pts).join(" ")}`);
for (const entry of mixed.policies)
  console.log(`curve ${entry.policy.padEnd(16)} ${entry.curve.map(pts).join(" ")}`);

// ---------------------------------------------------------------- 3. demotion calibration
console.log(
  `\n# 3. Demotion calibration: two models fed alternately, ${calibrationSeeds} seeds, minGap 0.02, N >= 30`,
);
interface CalibrationRow {
  scenario: string;
  baselineRate: number;
  otherRate: number;
  outcomesEach: number;
  halfLifeRequests: number | null;
  threshold: number;
  demotedShare: number;
  medianObservationsAtDemotion: number | null;
}
function calibrate(
  scenario: string,
  baselineRate: number,
  otherRate: number,
  outcomesEach: number,
  halfLifeRequests: number | null,
  threshold: number,
): CalibrationRow {
  const observations: number[] = [];
  for (let run = 1; run <= calibrationSeeds; run++) {
    const database = openStateDatabase({ path: ":memory:" });
    let clockMs = 0;
    const learner = new ThompsonRouteLearner({
      database,
      config: {
        halfLifeMs: halfLifeRequests === null ? null : halfLifeRequests * 1000,
        demotion: { probability: threshold },
      },
      now: () => clockMs,
    });
    learner.choose("r", ["baseline", "other"]);
    const random = seededRandom(run * 7919).next;
    for (let index = 0; index < outcomesEach && learner.demotions().length === 0; index++) {
      clockMs = index * 1000;
      for (const [modelId, rate] of [
        ["baseline", baselineRate],
        ["other", otherRate],
      ] as const) {
        learner.record({
          requestId: `${modelId}-${index}`,
          route: "r",
          modelId,
          reward: random() < rate ? 1 : 0,
          at: new Date(clockMs).toISOString(),
        });
      }
    }
    const [demotion] = learner.demotions();
    if (demotion) observations.push(demotion.evidence.model?.observations ?? 0);
    database.close();
  }
  observations.sort((a, b) => a - b);
  return {
    scenario,
    baselineRate,
    otherRate,
    outcomesEach,
    halfLifeRequests,
    threshold,
    demotedShare: observations.length / calibrationSeeds,
    medianObservationsAtDemotion:
      observations.length === 0
        ? null
        : (observations[Math.floor(observations.length / 2)] as number),
  };
}
const calibration: CalibrationRow[] = [];
for (const threshold of [0.95, 0.99]) {
  calibration.push(calibrate("equal models (false alarm)", 0.6, 0.6, 2000, null, threshold));
  calibration.push(
    calibrate("equal models, half-life 200 requests", 0.6, 0.6, 2000, 200, threshold),
  );
  calibration.push(calibrate("10 points worse", 0.6, 0.5, 2000, null, threshold));
  calibration.push(calibrate("5 points worse", 0.6, 0.55, 2000, null, threshold));
}
console.log(
  "scenario | rates | outcomes each | threshold | demoted | median observations at demotion",
);
for (const row of calibration) {
  console.log(
    `${row.scenario} | ${row.baselineRate}/${row.otherRate} | ${row.outcomesEach} | ${row.threshold} | ${pts(row.demotedShare)}% | ${row.medianObservationsAtDemotion ?? "-"}`,
  );
}

// ---------------------------------------------------------------- durable record cost
const directory = mkdtempSync(join(tmpdir(), "ms-routing-bench-"));
const fileLearner = ThompsonRouteLearner.open({
  path: join(directory, "state.db"),
  random: seededRandom(seed).next,
});
const recordMs: number[] = [];
for (let index = 0; index < 1000; index++) {
  const choice = fileLearner.choose("r", ["a", "b", "c"]);
  const started = process.hrtime.bigint();
  fileLearner.record({
    requestId: `q${index}`,
    route: "r",
    modelId: choice.modelId,
    reward: index % 3 === 0 ? 1 : 0,
    at: new Date().toISOString(),
  });
  recordMs.push(Number(process.hrtime.bigint() - started) / 1e6);
}
fileLearner.close();
rmSync(directory, { recursive: true, force: true });
recordMs.sort((a, b) => a - b);
const durableRecord = {
  records: recordMs.length,
  p50Ms: recordMs[Math.floor(0.5 * recordMs.length)] as number,
  p99Ms: recordMs[Math.floor(0.99 * recordMs.length)] as number,
};
console.log(
  `\ndurable record() on a state file (WAL, synchronous FULL), ${durableRecord.records} records: p50 ${durableRecord.p50Ms.toFixed(2)} ms, p99 ${durableRecord.p99Ms.toFixed(2)} ms`,
);

writeFileSync(
  "bench/results/routing-replay.json",
  `${JSON.stringify(
    {
      command: ["npx", "tsx", "bench/routing-replay.ts", ...process.argv.slice(2)],
      trials,
      seed,
      perFileSummary,
      perFile,
      mixed,
      calibration,
      durableRecord,
    },
    null,
    2,
  )}\n`,
);
console.log("wrote bench/results/routing-replay.json");
