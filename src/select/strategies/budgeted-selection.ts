/**
 * @module
 * The budgeted strategy: paired racing. Each round probes every surviving arm on the same new
 * batch of items (batches grow geometrically, like successive halving's doubling budgets), then
 * compares each arm with the leader on their *paired* differences: models agree on most items
 * (easy items are right for all, hard ones wrong for all), so the difference has far less
 * variance than either mean and a gap shows up with fewer probes. An arm whose upper bound on
 * (arm - leader) falls below 0 is eliminated; the race stops early when every challenger's
 * upper bound is below `epsilon` (the leader is within `epsilon` of the best with confidence),
 * when one arm is left, when the items run out or when `maxProbes` would be exceeded.
 *
 * The bound is a Gaussian (CLT) interval by default with a Bonferroni correction over arms and
 * rounds: at the budgets that matter (tens of items per arm) empirical-Bernstein intervals
 * are still wider than the whole range and never eliminate anything. `bound: "bernstein"`
 * gives the distribution-free version for callers that need a guarantee over speed.
 *
 * The reference is exhaustive evaluation of the same items, so intervals carry the
 * finite-population correction: once most items are probed, the rest can move a mean little.
 *
 * Priors (optional, one per arm or `null`): what is believed before probing (published
 * results, a past evaluation on other items). They are used in two ways, neither of which can
 * overrule clear measurements:
 * - when the budget cannot give every arm two first batches, only the arms with the best
 *   priors are raced (at least `minPriorArms`; the rest are reported as not probed);
 * - each comparison with the leader is a posterior: the prior difference, mapped onto the
 *   outcome scale by a fit on this run's measurements (`prior-calibration.ts`), is combined
 *   with the measured paired difference, each weighted by its precision. A prior the data
 *   contradicts, or one given for too few arms to check, is not combined. So a strong, checked
 *   prior prunes the arms it ranks far below the leader once a few items agree, spends the
 *   budget on the contenders, and breaks ties the items cannot resolve.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { confidenceBounds } from "./confidence-bounds.js";
import { pairedComparisons } from "./paired-comparisons.js";
import type { PriorCalibration, SlopePrior } from "./prior-calibration.js";
import { chooseRacedArms } from "./raced-arms.js";
import { seededRandom } from "./seeded-random.js";
import type { ArmSummary, PriorUse, SelectionArms, SelectionResult } from "./selection-strategy.js";
import { summarizeArm } from "./summarize-arm.js";

export interface BudgetedSelectionOptions {
  /** Never spend more probes than this. Default: exhaustive (arms x items). */
  maxProbes?: number;
  /** Error probability shared over all comparisons of the race. Default 0.05. */
  delta?: number;
  /** Indifference zone on the 0..1 scale: stop once no challenger can beat the leader by more. Default 0.01. */
  epsilon?: number;
  /** Items per arm in the first round. Default 10. */
  initialItems?: number;
  /** Factor by which the batch grows each round. Default 1.5. */
  growth?: number;
  bound?: "gaussian" | "bernstein";
  seed?: number;
  /**
   * Prior belief per arm (any scale where higher is better, e.g. a 0..1 published score), or
   * `null` where nothing is known. Length must equal `armCount`. Never probes more.
   */
  priors?: readonly (number | null)[];
  /** Smallest error assumed for a checked prior, 0..1 outcome scale. Default 0.02. */
  priorErrorFloor?: number;
  /**
   * Set when the priors are the outcome's own metric measured elsewhere (another split, earlier
   * runs): the calibration's slope is shrunk towards `mean` (1) with this spread
   * (`prior-calibration.ts`). Omit for priors on another scale.
   */
  priorSlope?: SlopePrior;
  /** Arms needing both a prior and measurements before priors join the comparisons. Default 5. */
  minPriorArms?: number;
  /**
   * Judge arms on the `itemCount` items themselves (what exhaustive evaluation would rank),
   * shrinking intervals as the unprobed rest gets small. Default true.
   */
  finitePopulation?: boolean;
}

const DEFAULT_MIN_PRIOR_ARMS = 5;

/** Two-sided standard normal quantile for error `delta` (Acklam's rational approximation). */
function normalQuantile(probability: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(probability, 1 - 1e-16);
  const tail = 1 - q;
  // Only the upper tail is needed (probability > 0.5).
  const r = Math.sqrt(-2 * Math.log(tail));
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (tail < 0.02425) {
    return (
      -(((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5) /
      ((((d0 * r + d1) * r + d2) * r + d3) * r + 1)
    );
  }
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const s = q - 0.5;
  const t = s * s;
  return (
    ((((((a0 * t + a1) * t + a2) * t + a3) * t + a4) * t + a5) * s) /
    (((((b0 * t + b1) * t + b2) * t + b3) * t + b4) * t + 1)
  );
}

function validatePriors(priors: readonly (number | null)[], armCount: number): void {
  if (priors.length !== armCount) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `budgetedSelection: priors has ${priors.length} entries for ${armCount} arms; give one prior per arm, null where unknown.`,
    );
  }
  const bad = priors.findIndex((prior) => prior !== null && !Number.isFinite(prior));
  if (bad !== -1) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `budgetedSelection: priors[${bad}] is ${String(priors[bad])}; use a finite number or null.`,
    );
  }
}

export async function budgetedSelection(
  arms: SelectionArms,
  options: BudgetedSelectionOptions = {},
): Promise<SelectionResult> {
  const itemCount = arms.itemCount;
  const maxProbes = options.maxProbes ?? arms.armCount * itemCount;
  const delta = options.delta ?? 0.05;
  const epsilon = options.epsilon ?? 0.01;
  const growth = options.growth ?? 1.5;
  const bound = options.bound ?? "gaussian";
  const finitePopulation = options.finitePopulation ?? true;
  const priors = options.priors;
  if (priors !== undefined) validatePriors(priors, arms.armCount);
  const minPriorArms = options.minPriorArms ?? DEFAULT_MIN_PRIOR_ARMS;
  let batch = Math.max(1, options.initialItems ?? 10);
  const order = seededRandom(options.seed ?? 1).shuffle(
    Array.from({ length: itemCount }, (_, index) => index),
  );
  const outcomes: number[][] = Array.from({ length: arms.armCount }, () => []);
  const eliminatedAt = new Map<number, number>();
  // Too many arms for the budget: race only the best-prior arms (raced-arms.ts).
  const cut = chooseRacedArms({
    armCount: arms.armCount,
    priors,
    maxProbes,
    firstBatch: batch,
    minPriorArms,
  });
  let survivors = cut.raced;
  const notProbed = cut.notProbed;
  const knownPriors = (priors ?? []).filter((prior): prior is number => prior !== null);

  let cursor = 0;
  let spent = 0;
  let round = 0;
  let stopReason: SelectionResult["stopReason"] = "budget";

  const comparer = pairedComparisons({
    outcomes,
    itemCount,
    finitePopulation,
    priors,
    combinePriors: bound === "gaussian",
    minPriorArms,
    priorErrorFloor: options.priorErrorFloor,
    priorSlope: options.priorSlope,
  });
  let calibration: PriorCalibration | null = null;
  /** The leader among the survivors and everyone against it (`paired-comparisons.ts`). */
  const assess = () => {
    const assessment = comparer.assess(survivors);
    calibration = assessment.calibration;
    return assessment;
  };

  for (;;) {
    if (survivors.length === 1) {
      stopReason = "single-survivor";
      break;
    }
    if (cursor >= itemCount) {
      stopReason = "exhausted-items";
      break;
    }
    const itemsThisRound = Math.min(
      batch,
      itemCount - cursor,
      Math.floor((maxProbes - spent) / survivors.length),
    );
    if (itemsThisRound <= 0) {
      stopReason = "budget";
      break;
    }
    round++;
    for (const item of order.slice(cursor, cursor + itemsThisRound)) {
      for (const arm of survivors) {
        (outcomes[arm] as number[]).push(await arms.probe(arm, item));
        spent++;
      }
    }
    cursor += itemsThisRound;
    batch = Math.ceil(batch * growth);

    const { leader, comparisons } = assess();
    // Union bound: arms x rounds, with sum over rounds of 1/(r(r+1)) = 1.
    const deltaPerTest = delta / (Math.max(1, arms.armCount - 1) * round * (round + 1));
    const z = normalQuantile(1 - deltaPerTest / 2);
    let leaderClear = true;
    const next: number[] = [];
    for (const arm of survivors) {
      const comparison = comparisons.get(arm);
      if (arm === leader || comparison === undefined) {
        next.push(arm);
        continue;
      }
      const halfWidth =
        bound === "bernstein"
          ? confidenceBounds(comparison.count, comparison.sampleVariance, 2, deltaPerTest)
          : z * Math.sqrt(comparison.variance);
      if (comparison.mean + halfWidth < 0) {
        eliminatedAt.set(arm, round);
        continue;
      }
      next.push(arm);
      if (comparison.mean + halfWidth >= epsilon) leaderClear = false;
    }
    survivors = next;
    if (cursor >= itemCount) {
      stopReason = survivors.length === 1 ? "single-survivor" : "exhausted-items";
      break;
    }
    if (survivors.length > 1 && leaderClear) {
      stopReason = "leader-clear";
      break;
    }
  }

  const { leader } = assess();
  const perArm: ArmSummary[] = outcomes.map((row, arm) => {
    const summary = summarizeArm(row);
    const eliminatedAtRound = eliminatedAt.get(arm);
    return eliminatedAtRound === undefined ? summary : { ...summary, eliminatedAtRound };
  });
  const result: SelectionResult = { winnerIndex: leader, probesSpent: spent, perArm, stopReason };
  if (priors !== undefined)
    result.priors = describePriorUse(knownPriors.length, notProbed, calibration, bound);
  return result;
}

function describePriorUse(
  armsWithPriors: number,
  notProbed: number[],
  calibration: PriorCalibration | null,
  bound: "gaussian" | "bernstein",
): PriorUse {
  const use: PriorUse = { armsWithPriors, notProbed, combined: false };
  if (bound === "bernstein") {
    use.reason = "Bernstein bounds are distribution-free; priors only chose which arms to race";
  } else if (calibration === null) {
    use.reason = "the leader has no prior, so no comparison could use one";
  } else if (calibration.calibrated) {
    use.combined = true;
    use.slope = calibration.slope;
    use.errorSd = Math.sqrt(calibration.errorVariance);
  } else {
    use.reason = calibration.reason;
  }
  return use;
}
