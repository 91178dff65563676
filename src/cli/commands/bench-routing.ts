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
  defaultRoutingPolicies,
  ROUTING_POLICIES,
  type RoutingPolicyName,
  replayRouting,
  routingStreams,
  type StreamReplayResult,
  withPrices,
} from "../../route/learning/replay-routing.js";
import { formatTable } from "../../text/format-table.js";
import { integerOption, numberOption, printJson } from "../cli-options.js";
import { replayFiles } from "../replay-files.js";

function policiesOption(
  value: string | undefined,
  answerValue: number | undefined,
): RoutingPolicyName[] {
  if (value === undefined || value === "") return defaultRoutingPolicies(answerValue);
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

/** `--price model=cost,model=cost`: a fixed cost per request per model. */
function pricesOption(value: string | undefined): Map<string, number> | undefined {
  if (value === undefined || value === "") return undefined;
  const prices = new Map<string, number>();
  for (const entry of value.split(",")) {
    const at = entry.lastIndexOf("=");
    const model = entry.slice(0, at).trim();
    const cost = Number(entry.slice(at + 1));
    if (at <= 0 || model === "" || entry.slice(at + 1).trim() === "" || !(cost >= 0)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `--price: "${entry}" is not model=cost (a number >= 0 per request), e.g. --price meta-llama/Meta-Llama-3-8B=0.002,mistralai/Mistral-7B-v0.1=0.0005.`,
      );
    }
    prices.set(model, cost);
  }
  return prices;
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
      description: `Comma-separated, from ${ROUTING_POLICIES.join(", ")} (default all; thompson-cost-blind only with --answer-value)`,
    },
    "answer-value": {
      type: "string",
      description:
        "What a fully good answer is worth, in the data's cost unit: the Thompson policies weigh cost (as a route's answer_value_usd does) and net value per request (value x score - cost) is reported",
    },
    price: {
      type: "string",
      description:
        "A fixed cost per request per model, model=cost,model=cost (replaces the file's costs for those models; others cost 0)",
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
    const answerValue = numberOption("answer-value", args["answer-value"]);
    const prices = pricesOption(args.price);
    const policies = policiesOption(args.policies, answerValue);
    const datasets = [];
    for (const file of replayFiles(args.data, [".json", ".jsonl"]))
      datasets.push(await readReplayDataset(file));
    const results = routingStreams(datasets, { mixed: Boolean(args.mixed) }).map((stream) =>
      replayRouting(prices === undefined ? stream : withPrices(stream, prices), {
        trials,
        seed,
        windows,
        policies,
        ...(answerValue !== undefined && { answerValue }),
        ...(halfLifeRequests === undefined
          ? {}
          : { thompson: { halfLifeMs: halfLifeRequests * 1000 } }),
      }),
    );
    if (args.json) {
      printJson({
        trials,
        seed,
        windows,
        policies,
        mixed: Boolean(args.mixed),
        ...(answerValue !== undefined && { answerValue }),
        ...(prices !== undefined && { prices: Object.fromEntries(prices) }),
        streams: results,
      });
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
      net: number | null;
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
          net: result.oracle.netValue,
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
          net: result.bestSingle.netValue,
        },
      ];
      if (result.bestSingleNet) {
        references.push({
          result,
          name: `best single by net value: ${result.bestSingleNet.modelId}`,
          quality: result.bestSingleNet.quality,
          final: Number.NaN,
          gapBest: null,
          gapOracle: null,
          explored: null,
          demotions: "",
          cost: result.bestSingleNet.cost,
          net: result.bestSingleNet.netValue,
        });
      }
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
          net: null,
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
          net: policy.netValue,
        })),
      ];
    });
    process.stdout.write(
      `${formatTable(rows, [
        { header: "ROUTE", value: (row) => row.result.route },
        { header: "ITEMS", value: (row) => String(row.result.items), align: "right" },
        { header: "POLICY", value: (row) => row.name, maxWidth: 58 },
        { header: "QUALITY", value: (row) => points(row.quality), align: "right" },
        {
          header: "LAST WINDOW",
          value: (row) => (Number.isNaN(row.final) ? "" : points(row.final)),
          align: "right",
        },
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
        ...(answerValue !== undefined
          ? [
              {
                header: "NET/REQUEST",
                value: (row: Row) => (row.net === null ? "" : row.net.toPrecision(3)),
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
    // What a window is, so W1..W10 read as time: the stream's items cut into equal parts.
    const sizes = results.map((result) => result.items / Math.max(1, result.windows));
    const perWindow =
      sizes.length === 0
        ? ""
        : Math.min(...sizes) === Math.max(...sizes)
          ? `about ${Math.round(sizes[0] as number)} requests each`
          : `${Math.round(Math.min(...sizes))}-${Math.round(Math.max(...sizes))} requests each`;
    process.stdout.write(
      `\nLearning curve: mean quality per window of the stream${results.length > 1 ? `, averaged over ${results.length} routes` : ""} (W1 first, W${windowCount} last; ${windowCount} equal windows, ${perWindow})\n`,
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
    if (answerValue !== undefined) {
      process.stdout.write(
        `Net value per request is ${answerValue} x score - cost (the answer value, in the data's cost unit); the Thompson policies but thompson-cost-blind weighed cost.\n`,
      );
    }
  },
});
