/**
 * @module
 * Replay evaluation of routing policies on recorded outcomes (RouterDC format): every item is
 * one request on a route, the policy picks a model, and that model's recorded score is the
 * feedback (its recorded cost, where the file has costs, is what the request cost). Quality
 * and cost are reported over time in windows of the stream, against the oracle (the best
 * model for each item, chosen after the fact) and the best single model in hindsight (the one
 * model with the best mean over the whole stream). Each trial replays the items in a new
 * seeded order with freshly initialised policies; a Thompson learner runs on an in-memory
 * state database through exactly the code path the server uses.
 *
 * A stream is one file as one route, or (`mixed`) all files interleaved on one route with the
 * file name as the request's domain, which exercises per-domain posteriors and demotion.
 *
 * With an `answerValue` (what a fully good answer is worth, in the data's cost unit) the
 * Thompson policies weigh cost as a route with `answer_value_usd` does (ADR 0053), each
 * outcome carrying its recorded cost, and every policy is also measured by its net value per
 * request, `answerValue x score - cost`, against the oracle and the best single model by that
 * measure. `withPrices` gives data without costs a fixed cost per request per model.
 */
import { basename } from "node:path";
import type { ReplayDataset } from "../../backends/replay/replay-dataset.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { seededRandom } from "../../select/strategies/seeded-random.js";
import { openStateDatabase } from "../../state/state-database.js";
import { chooseContext, type RouteLearner } from "../route-learner.js";
import { EpsilonGreedyLearner } from "./epsilon-greedy-learner.js";
import type { ThompsonLearnerConfigInput } from "./thompson-learner-config.js";
import { ThompsonRouteLearner } from "./thompson-route-learner.js";
import { UniformRandomLearner } from "./uniform-random-learner.js";

/**
 * `thompson`: the learner as configured (defaults unless `thompson` options say otherwise);
 * `thompson-uncapped`: the same without floor and cap (plain Thompson sampling), to show what
 * they cost; `thompson-best-baseline`: baseline policy `best-standing`, so models confidently
 * worse than the leader are demoted (pruned) as the stream goes; `epsilon-greedy` (0.1) and
 * `uniform`: simple references.
 */
export const ROUTING_POLICIES = [
  "thompson",
  "thompson-uncapped",
  "thompson-best-baseline",
  "thompson-cost-blind",
  "epsilon-greedy",
  "uniform",
] as const;
export type RoutingPolicyName = (typeof ROUTING_POLICIES)[number];

/**
 * The policies replayed when none are named: all, except `thompson-cost-blind` without an
 * answer value (it is `thompson` ignoring cost, so without a value it is `thompson` again).
 */
export function defaultRoutingPolicies(answerValue: number | undefined): RoutingPolicyName[] {
  return ROUTING_POLICIES.filter(
    (policy) => answerValue !== undefined || policy !== "thompson-cost-blind",
  );
}

/**
 * The stream with a fixed cost per request for each priced model, replacing any the data
 * has for it; a model without a price costs 0 (as a model without a price does on the server).
 */
export function withPrices(
  stream: RoutingStream,
  prices: ReadonlyMap<string, number>,
): RoutingStream {
  const unknown = [...prices.keys()].filter((model) => !stream.models.includes(model));
  if (unknown.length > 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Prices for ${unknown.join(", ")}, which ${stream.source} does not score; its models are ${stream.models.join(", ")}.`,
      { details: { unknown } },
    );
  }
  return {
    source: stream.source,
    route: stream.route,
    models: stream.models,
    items: stream.items.map((item) => ({
      domain: item.domain,
      scores: item.scores,
      costs: Object.fromEntries(
        stream.models.map((model) => [model, prices.get(model) ?? item.costs?.[model] ?? 0]),
      ),
    })),
  };
}

export interface RoutingStreamItem {
  domain: string | null;
  scores: Readonly<Record<string, number>>;
  costs?: Readonly<Record<string, number>>;
}

export interface RoutingStream {
  /** Where the items came from, for messages. */
  source: string;
  route: string;
  /** Candidates in preference order (the file's model order; the first is the default baseline). */
  models: readonly string[];
  items: readonly RoutingStreamItem[];
}

/** One stream per dataset (route = file name), or one mixed stream with the file as domain. */
export function routingStreams(
  datasets: readonly ReplayDataset[],
  options: { mixed?: boolean } = {},
): RoutingStream[] {
  const nameOf = (dataset: ReplayDataset) => basename(dataset.source).replace(/\.json$/, "");
  const toItems = (dataset: ReplayDataset, domain: string | null) =>
    dataset.items.map((item) => ({
      domain,
      scores: item.scores,
      ...(item.costs ? { costs: item.costs } : {}),
    }));
  if (!options.mixed) {
    return datasets.map((dataset) => ({
      source: dataset.source,
      route: nameOf(dataset),
      models: dataset.models,
      items: toItems(dataset, null),
    }));
  }
  const [first] = datasets;
  if (!first) return [];
  const models = first.models;
  for (const dataset of datasets) {
    if (
      dataset.models.length !== models.length ||
      dataset.models.some((m) => !models.includes(m))
    ) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Mixed replay needs the same models in every file; ${dataset.source} scores other models than ${first.source}. Replay them separately (without --mixed).`,
      );
    }
  }
  return [
    {
      source: datasets.map((dataset) => dataset.source).join(", "),
      route: "mixed",
      models,
      items: datasets.flatMap((dataset) => toItems(dataset, nameOf(dataset))),
    },
  ];
}

export interface ReplayRoutingOptions {
  trials: number;
  seed?: number;
  /** Windows the stream is cut into for the learning curve. Default 10. */
  windows?: number;
  policies?: readonly RoutingPolicyName[];
  /** Settings of the `thompson` policy (`thompson-uncapped` is the same with floor 0, cap 1). */
  thompson?: ThompsonLearnerConfigInput;
  epsilon?: number;
  /** Simulated time between consecutive requests, for decay. Default 1 s. */
  stepMs?: number;
  /**
   * What a fully good answer (score 1) is worth, in the data's cost unit: the Thompson
   * policies but `thompson-cost-blind` weigh cost, and net values are reported. Needs costs.
   */
  answerValue?: number;
}

export interface PolicyReplayResult {
  policy: RoutingPolicyName;
  /** Mean score per request over the whole stream, mean over trials. */
  quality: number;
  /** The same per trial, to show the spread between seeds. */
  qualityPerTrial: number[];
  /** Mean score per request in each window, mean over trials. */
  curve: number[];
  /** Mean cost per request (null when the data has no costs), overall and per window. */
  cost: number | null;
  costCurve: number[] | null;
  /** With an answer value: mean `answerValue x score - cost` per request, overall and per window. */
  netValue: number | null;
  netCurve: number[] | null;
  /** The net value per trial, to show the spread between seeds. */
  netValuePerTrial: number[] | null;
  /** Best single model's quality minus the policy's, in points (0..100), in the last window. */
  finalGapToBestSinglePoints: number;
  finalGapToOraclePoints: number;
  /** The same over the whole stream. */
  gapToBestSinglePoints: number;
  /** Share of requests the policy flagged as exploration. */
  exploredShare: number;
  /** Demotions at the end of a trial (mean over trials), and those of a model whose mean over
   * the stream (in that domain) is not below the baseline's: false alarms. */
  demotions: number;
  falseDemotions: number;
  /** Mean wall time of choose + record per request, microseconds. */
  microsecondsPerRequest: number;
}

export interface StreamReplayResult {
  source: string;
  route: string;
  items: number;
  models: number;
  trials: number;
  windows: number;
  /** With an answer value, `netValue` is the best net value of each item, chosen after the fact. */
  oracle: { quality: number; curve: number[]; cost: number | null; netValue: number | null };
  /** `netValue`: with an answer value, the best-quality model's net value per request. */
  bestSingle: {
    modelId: string;
    quality: number;
    curve: number[];
    cost: number | null;
    netValue: number | null;
  };
  /** With an answer value: the one model with the best mean net value over the stream. */
  bestSingleNet: { modelId: string; quality: number; cost: number; netValue: number } | null;
  /** Mixed streams: the best model of each domain in hindsight, always used for that domain. */
  bestPerDomain: { models: Record<string, string>; quality: number; curve: number[] } | null;
  policies: PolicyReplayResult[];
}

function createPolicy(
  policy: RoutingPolicyName,
  seed: number,
  options: ReplayRoutingOptions,
  clock: { ms: number },
): { learner: RouteLearner; close: () => void } {
  const random = seededRandom(seed).next;
  switch (policy) {
    case "thompson":
    case "thompson-uncapped":
    case "thompson-best-baseline":
    case "thompson-cost-blind": {
      const database = openStateDatabase({ path: ":memory:" });
      const base = options.thompson ?? {};
      const config =
        policy === "thompson" || policy === "thompson-cost-blind"
          ? base
          : policy === "thompson-uncapped"
            ? // biome-ignore lint/plugin/no-spread-then-field: once per replayed policy
              { ...base, floor: 0, cap: 1 }
            : // biome-ignore lint/plugin/no-spread-then-field: once per replayed policy
              {
                ...base,
                // biome-ignore lint/plugin/no-spread-then-field: once per replayed policy
                baseline: { ...(base.baseline ?? {}), policy: "best-standing" as const },
              };
      const learner = new ThompsonRouteLearner({ database, config, random, now: () => clock.ms });
      return { learner, close: () => database.close() };
    }
    case "epsilon-greedy":
      return { learner: new EpsilonGreedyLearner(options.epsilon ?? 0.1, random), close: () => {} };
    case "uniform":
      return { learner: new UniformRandomLearner(random), close: () => {} };
  }
}

const mean = (values: readonly number[]) =>
  values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;

function windowMeans(values: readonly number[], windows: number): number[] {
  const result: number[] = [];
  for (let window = 0; window < windows; window++) {
    const from = Math.floor((window * values.length) / windows);
    const to = Math.floor(((window + 1) * values.length) / windows);
    result.push(mean(values.slice(from, Math.max(to, from + 1))));
  }
  return result;
}

function averageCurves(curves: readonly number[][]): number[] {
  const length = curves[0]?.length ?? 0;
  return Array.from({ length }, (_, index) => mean(curves.map((curve) => curve[index] as number)));
}

/** Replays one stream `trials` times under every policy. */
export function replayRouting(
  stream: RoutingStream,
  options: ReplayRoutingOptions,
): StreamReplayResult {
  const windows = Math.max(1, Math.min(options.windows ?? 10, stream.items.length));
  const answerValue = options.answerValue;
  const policies = options.policies ?? defaultRoutingPolicies(answerValue);
  const stepMs = options.stepMs ?? 1000;
  const hasCosts = stream.items.every((item) =>
    stream.models.every((model) => item.costs?.[model] !== undefined),
  );
  if (answerValue !== undefined && !(Number.isFinite(answerValue) && answerValue > 0)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The answer value must be a number above 0 (got ${answerValue}).`,
    );
  }
  if (answerValue !== undefined && !hasCosts) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `An answer value weighs quality against cost, and ${stream.source} has no cost for every model on every item; give each model a price per request (--price model=cost).`,
    );
  }
  /** `answerValue x score - cost` of one model on one item (with an answer value). */
  const netOf = (item: RoutingStreamItem, model: string) =>
    (answerValue as number) * (item.scores[model] as number) - (item.costs?.[model] as number);
  const startMs = Date.parse("2025-01-01T00:00:00Z");
  const random = seededRandom(options.seed ?? 42);

  // Hindsight references over the whole stream (and per domain, for judging demotions).
  const modelMeans = (items: readonly RoutingStreamItem[]) =>
    new Map(
      stream.models.map((model) => [
        model,
        mean(items.map((item) => item.scores[model] as number)),
      ]),
    );
  const overallMeans = modelMeans(stream.items);
  const bestModel = [...overallMeans.entries()].reduce((best, entry) =>
    entry[1] > best[1] ? entry : best,
  )[0];
  const domainMeans = new Map<string | null, Map<string, number>>([[null, overallMeans]]);
  for (const domain of new Set(stream.items.map((item) => item.domain))) {
    if (domain !== null) {
      domainMeans.set(domain, modelMeans(stream.items.filter((item) => item.domain === domain)));
    }
  }
  const oracleOf = (item: RoutingStreamItem) => {
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const model of stream.models) {
      const score = item.scores[model] as number;
      const cost = item.costs?.[model] ?? 0;
      if (score > bestScore || (score === bestScore && cost < bestCost)) {
        bestScore = score;
        bestCost = cost;
      }
    }
    return { score: bestScore, cost: bestCost };
  };

  const bestOfDomain = new Map<string, string>();
  for (const [domain, means] of domainMeans) {
    if (domain === null) continue;
    bestOfDomain.set(
      domain,
      [...means.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0],
    );
  }
  const bestNetModel =
    answerValue === undefined
      ? null
      : stream.models.reduce((best, model) =>
          mean(stream.items.map((item) => netOf(item, model))) >
          mean(stream.items.map((item) => netOf(item, best)))
            ? model
            : best,
        );
  const bestPerDomainScore = (item: RoutingStreamItem) =>
    item.scores[(item.domain !== null && bestOfDomain.get(item.domain)) || bestModel] as number;

  const oracleCurves: number[][] = [];
  const bestCurves: number[][] = [];
  const bestPerDomainCurves: number[][] = [];
  const perPolicy = new Map<
    RoutingPolicyName,
    {
      quality: number[];
      curves: number[][];
      cost: number[];
      costCurves: number[][];
      net: number[];
      netCurves: number[][];
      explored: number[];
      demotions: number[];
      falseDemotions: number[];
      microseconds: number[];
    }
  >(
    policies.map((policy) => [
      policy,
      {
        quality: [],
        curves: [],
        cost: [],
        costCurves: [],
        net: [],
        netCurves: [],
        explored: [],
        demotions: [],
        falseDemotions: [],
        microseconds: [],
      },
    ]),
  );

  for (let trial = 0; trial < options.trials; trial++) {
    const order = random.shuffle(stream.items);
    const trialSeed = Math.floor(random.next() * 2 ** 31);
    oracleCurves.push(
      windowMeans(
        order.map((item) => oracleOf(item).score),
        windows,
      ),
    );
    bestCurves.push(
      windowMeans(
        order.map((item) => item.scores[bestModel] as number),
        windows,
      ),
    );
    if (bestOfDomain.size > 0) {
      bestPerDomainCurves.push(windowMeans(order.map(bestPerDomainScore), windows));
    }
    for (const [policyIndex, policy] of policies.entries()) {
      const clock = { ms: startMs };
      const { learner, close } = createPolicy(policy, trialSeed + policyIndex, options, clock);
      const scores: number[] = [];
      const costs: number[] = [];
      const nets: number[] = [];
      let explored = 0;
      // The Thompson policies weigh cost when there is an answer value, but the cost-blind one.
      const value =
        policy.startsWith("thompson") && policy !== "thompson-cost-blind" ? answerValue : undefined;
      const started = process.hrtime.bigint();
      try {
        for (const [index, item] of order.entries()) {
          clock.ms = startMs + index * stepMs;
          const choice = learner.choose(
            stream.route,
            stream.models,
            chooseContext(item.domain, value ?? null),
          );
          const score = item.scores[choice.modelId] as number;
          scores.push(score);
          const cost = hasCosts ? (item.costs?.[choice.modelId] as number) : undefined;
          if (cost !== undefined) costs.push(cost);
          if (answerValue !== undefined) nets.push(netOf(item, choice.modelId));
          if (choice.explored) explored++;
          learner.record({
            requestId: `t${trial}-${index}`,
            route: stream.route,
            modelId: choice.modelId,
            reward: score,
            ...(cost !== undefined && { costUsd: cost }),
            ...(item.domain === null ? {} : { domain: item.domain }),
            at: new Date(clock.ms).toISOString(),
          });
        }
        const elapsedUs = Number(process.hrtime.bigint() - started) / 1000;
        const tally = perPolicy.get(policy);
        if (!tally) continue;
        tally.quality.push(mean(scores));
        tally.curves.push(windowMeans(scores, windows));
        if (hasCosts) {
          tally.cost.push(mean(costs));
          tally.costCurves.push(windowMeans(costs, windows));
        }
        if (answerValue !== undefined) {
          tally.net.push(mean(nets));
          tally.netCurves.push(windowMeans(nets, windows));
        }
        tally.explored.push(explored / order.length);
        tally.microseconds.push(elapsedUs / order.length);
        const demotions = learner instanceof ThompsonRouteLearner ? learner.demotions() : [];
        tally.demotions.push(demotions.length);
        tally.falseDemotions.push(
          demotions.filter((decision) => {
            const truth = domainMeans.get(decision.domain);
            const baseline = decision.baselineModelId;
            if (!truth || baseline === null) return false;
            return (truth.get(decision.modelId) ?? 0) >= (truth.get(baseline) ?? 0);
          }).length,
        );
      } finally {
        close();
      }
    }
  }

  const oracleCurve = averageCurves(oracleCurves);
  const bestCurve = averageCurves(bestCurves);
  const oracleQuality = mean(stream.items.map((item) => oracleOf(item).score));
  const bestQuality = overallMeans.get(bestModel) as number;
  const lastOf = (curve: readonly number[]) => curve[curve.length - 1] as number;
  return {
    source: stream.source,
    route: stream.route,
    items: stream.items.length,
    models: stream.models.length,
    trials: options.trials,
    windows,
    oracle: {
      quality: oracleQuality,
      curve: oracleCurve,
      cost: hasCosts ? mean(stream.items.map((item) => oracleOf(item).cost)) : null,
      netValue:
        answerValue === undefined
          ? null
          : mean(stream.items.map((item) => Math.max(...stream.models.map((m) => netOf(item, m))))),
    },
    bestSingle: {
      modelId: bestModel,
      quality: bestQuality,
      curve: bestCurve,
      cost: hasCosts ? mean(stream.items.map((item) => item.costs?.[bestModel] as number)) : null,
      netValue:
        answerValue === undefined ? null : mean(stream.items.map((item) => netOf(item, bestModel))),
    },
    bestSingleNet:
      bestNetModel === null
        ? null
        : {
            modelId: bestNetModel,
            quality: overallMeans.get(bestNetModel) as number,
            cost: mean(stream.items.map((item) => item.costs?.[bestNetModel] as number)),
            netValue: mean(stream.items.map((item) => netOf(item, bestNetModel))),
          },
    bestPerDomain:
      bestOfDomain.size === 0
        ? null
        : {
            models: Object.fromEntries(bestOfDomain),
            quality: mean(stream.items.map(bestPerDomainScore)),
            curve: averageCurves(bestPerDomainCurves),
          },
    policies: policies.map((policy) => {
      const tally = perPolicy.get(policy);
      const curve = averageCurves(tally?.curves ?? []);
      return {
        policy,
        quality: mean(tally?.quality ?? []),
        qualityPerTrial: tally?.quality ?? [],
        curve,
        cost: hasCosts ? mean(tally?.cost ?? []) : null,
        costCurve: hasCosts ? averageCurves(tally?.costCurves ?? []) : null,
        netValue: answerValue === undefined ? null : mean(tally?.net ?? []),
        netCurve: answerValue === undefined ? null : averageCurves(tally?.netCurves ?? []),
        netValuePerTrial: answerValue === undefined ? null : (tally?.net ?? []),
        finalGapToBestSinglePoints: 100 * (lastOf(bestCurve) - lastOf(curve)),
        finalGapToOraclePoints: 100 * (lastOf(oracleCurve) - lastOf(curve)),
        gapToBestSinglePoints: 100 * (bestQuality - mean(tally?.quality ?? [])),
        exploredShare: mean(tally?.explored ?? []),
        demotions: mean(tally?.demotions ?? []),
        falseDemotions: mean(tally?.falseDemotions ?? []),
        microsecondsPerRequest: mean(tally?.microseconds ?? []),
      };
    }),
  };
}
