/**
 * @module
 * `modelscout bench routing`: replays recorded per-item outcomes (routerdc format) as routing
 * traffic and prints each policy's quality (and cost, when the data has costs) over time
 * against the oracle and the best single model in hindsight. The work is
 * `route/learning/replay-routing.ts`; this only reads files, parses flags and prints.
 */
import { defineCommand } from "citty";
import { readReplayDataset } from "../../backends/replay/replay-dataset.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  ROUTING_POLICIES,
  type RoutingPolicyName,
  replayRouting,
  routingStreams,
  type StreamReplayResult,
} from "../../route/learning/replay-routing.js";
import { integerOption, numberOption, printJson } from "../cli-options.js";
import { formatTable } from "../format-table.js";
import { replayFiles } from "../replay-files.js";

function policiesOption(value: string | undefined): RoutingPolicyName[] {
  if (value === undefined || value === "") return [...ROUTING_POLICIES];
  const names = value.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(ROUTING_POLICIES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--policies: unknown ${unknown.join(", ")}; choose from ${ROUTING_POLICIES.join(", ")}.`,
    );
  }
  return names as RoutingPolicyName[];
}

const points = (share: number) => (100 * share).toFixed(1);
const signedPoints = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)}`;

/** Mean learning curve over streams, window by window. */
function meanCurve(
  results: readonly StreamReplayResult[],
  pick: (result: StreamReplayResult) => number[],
) {
  const windows = Math.min(...results.map((result) => pick(result).length));
  return Array.from(
    { length: windows },
    (_, index) =>
      results.reduce((sum, result) => sum + (pick(result)[index] as number), 0) / results.length,
  );
}

export default defineCommand({
  meta: {
    name: "routing",
    description:
      "Replay recorded outcomes as routing traffic: learner quality over time vs the oracle and the best single model",
  },
  args: {
    data: {
      type: "string",
      description:
        "A replay file or a folder of them ([{question, scores: {model: 0..1}, costs?}]); each file is one route",
      required: true,
    },
    trials: { type: "string", description: "Seeded trials (item orders) per file (default 5)" },
    seed: { type: "string", description: "Seed of the first trial (default 42)" },
    windows: { type: "string", description: "Windows of the learning curve (default 10)" },
    mixed: {
      type: "boolean",
      description: "One route for all files, with the file name as the request's domain",
    },
    policies: {
      type: "string",
      description: `Comma-separated, from ${ROUTING_POLICIES.join(", ")} (default all)`,
    },
    "half-life-requests": {
      type: "string",
      description:
        "Decay half-life in requests for the Thompson policies (default: 7 days at 1 request/s)",
    },
    json: { type: "boolean", description: "Print JSON" },
  },
  async run({ args }) {
    const trials = integerOption("trials", args.trials) ?? 5;
    const seed = numberOption("seed", args.seed) ?? 42;
    const windows = integerOption("windows", args.windows) ?? 10;
    const halfLifeRequests = integerOption("half-life-requests", args["half-life-requests"]);
    const policies = policiesOption(args.policies);
    const datasets = [];
    for (const file of replayFiles(args.data, [".json"]))
      datasets.push(await readReplayDataset(file));
    const results = routingStreams(datasets, { mixed: Boolean(args.mixed) }).map((stream) =>
      replayRouting(stream, {
        trials,
        seed,
        windows,
        policies,
        ...(halfLifeRequests === undefined
          ? {}
          : { thompson: { halfLifeMs: halfLifeRequests * 1000 } }),
      }),
    );
    if (args.json) {
      printJson({ trials, seed, windows, policies, mixed: Boolean(args.mixed), streams: results });
      return;
    }
    const hasCosts = results.some((result) => result.oracle.cost !== null);
    type Row = {
      result: StreamReplayResult;
      name: string;
      quality: number;
      final: number;
      gapBest: number | null;
      gapOracle: number | null;
      explored: number | null;
      demotions: string;
      cost: number | null;
    };
    const rows: Row[] = results.flatMap((result) => {
      const last = (curve: readonly number[]) => curve[curve.length - 1] as number;
      const references: Row[] = [
        {
          result,
          name: "oracle (best per item)",
          quality: result.oracle.quality,
          final: last(result.oracle.curve),
          gapBest: null,
          gapOracle: null,
          explored: null,
          demotions: "",
          cost: result.oracle.cost,
        },
        {
          result,
          name: `best single: ${result.bestSingle.modelId}`,
          quality: result.bestSingle.quality,
          final: last(result.bestSingle.curve),
          gapBest: null,
          gapOracle: null,
          explored: null,
          demotions: "",
          cost: result.bestSingle.cost,
        },
      ];
      if (result.bestPerDomain) {
        references.push({
          result,
          name: "best per domain",
          quality: result.bestPerDomain.quality,
          final: last(result.bestPerDomain.curve),
          gapBest: null,
          gapOracle: null,
          explored: null,
          demotions: "",
          cost: null,
        });
      }
      return [
        ...references,
        ...result.policies.map((policy) => ({
          result,
          name: policy.policy,
          quality: policy.quality,
          final: policy.curve[policy.curve.length - 1] as number,
          gapBest: policy.finalGapToBestSinglePoints,
          gapOracle: policy.finalGapToOraclePoints,
          explored: policy.exploredShare,
          demotions: policy.policy.startsWith("thompson")
            ? `${policy.demotions.toFixed(1)} (${policy.falseDemotions.toFixed(1)})`
            : "-",
          cost: policy.cost,
        })),
      ];
    });
    process.stdout.write(
      `${formatTable(rows, [
        { header: "ROUTE", value: (row) => row.result.route },
        { header: "ITEMS", value: (row) => String(row.result.items), align: "right" },
        { header: "POLICY", value: (row) => row.name, maxWidth: 58 },
        { header: "QUALITY", value: (row) => points(row.quality), align: "right" },
        { header: "LAST WINDOW", value: (row) => points(row.final), align: "right" },
        {
          header: "GAP TO BEST SINGLE",
          value: (row) => (row.gapBest === null ? "" : signedPoints(row.gapBest)),
          align: "right",
        },
        {
          header: "GAP TO ORACLE",
          value: (row) => (row.gapOracle === null ? "" : signedPoints(row.gapOracle)),
          align: "right",
        },
        {
          header: "EXPLORED",
          value: (row) => (row.explored === null ? "" : `${points(row.explored)}%`),
          align: "right",
        },
        { header: "DEMOTIONS (FALSE)", value: (row) => row.demotions, align: "right" },
        ...(hasCosts
          ? [
              {
                header: "COST/REQUEST",
                value: (row: Row) => (row.cost === null ? "" : row.cost.toPrecision(3)),
                align: "right" as const,
              },
            ]
          : []),
      ])}\n`,
    );
    const curveRows = [
      { name: "oracle", curve: meanCurve(results, (result) => result.oracle.curve) },
      { name: "best single", curve: meanCurve(results, (result) => result.bestSingle.curve) },
      ...policies.map((policy) => ({
        name: policy,
        curve: meanCurve(
          results,
          (result) => result.policies.find((entry) => entry.policy === policy)?.curve ?? [],
        ),
      })),
    ];
    const windowCount = curveRows[0]?.curve.length ?? 0;
    process.stdout.write(
      `\nLearning curve: mean quality per window of the stream${results.length > 1 ? `, averaged over ${results.length} routes` : ""}\n`,
    );
    process.stdout.write(
      `${formatTable(curveRows, [
        { header: "POLICY", value: (row) => row.name },
        ...Array.from({ length: windowCount }, (_, index) => ({
          header: `W${index + 1}`,
          value: (row: (typeof curveRows)[number]) => points(row.curve[index] as number),
          align: "right" as const,
        })),
      ])}\n`,
    );
    process.stdout.write(
      `Quality is the mean recorded score in points (0-100), ${trials} seeded item orders per route; gaps are in the last window (positive: the policy is behind). Demotions: mean per trial at the end, in brackets those of a model not worse than the baseline on the whole data.\n`,
    );
  },
});
