/**
 * @module
 * Fixed-budget epsilon-good arm identification ("gap" selection), an alternative to the paired
 * racing of `budgeted-selection.ts`. The goal is not the best arm but *an* arm within `epsilon`
 * of the best on the user's items, and the budget is spent in full: racing stops once it is
 * confident at level `delta`, which leaves probes unused that could have settled a near-tie.
 *
 * After a first batch on every raced arm, each step works on one pair, in the spirit of LUCB /
 * UGapE: the leader (highest posterior mean) and the challenger most likely to beat it by more
 * than `epsilon`. The posterior of (challenger - leader) is the paired difference on the items
 * both were probed on (every arm follows the same item order, so rows are prefixes of one
 * order), with the finite-population correction towards exhaustive evaluation of the user's
 * items, combined, when priors are given and pass the same check as in budgeted selection
 * (`prior-calibration.ts`), with the calibrated prior difference. A step brings the pair to
 * the same item count, then advances both by `step` items; an arm behind the leader costs one
 * probe per item, not two. Nothing is eliminated for good: an arm left alone while others were
 * probed is picked up again as soon as it is the likeliest to beat the (new) leader.
 *
 * The pick is not simply the highest posterior mean: when the budget runs out while a short run
 * looks good, the arm with the smallest posterior risk of being more than `epsilon` behind
 * some other arm is chosen (`pick: "risk"`, the default), which favours a well-measured arm.
 *
 * Which arms are raced, when the budget cannot give every arm two first batches, and how exact
 * ties go, are as in budgeted selection, so both strategies can be compared on the same draws.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { pairedComparisons } from "./paired-comparisons.js";
import type { PriorCalibration, SlopePrior } from "./prior-calibration.js";
import { chooseRacedArms } from "./raced-arms.js";
import { seededRandom } from "./seeded-random.js";
import type { ArmSummary, PriorUse, SelectionArms, SelectionResult } from "./selection-strategy.js";
import { summarizeArm } from "./summarize-arm.js";

export interface GapSelectionOptions {
  /** Never spend more probes than this. Default: exhaustive (arms x items). */
  maxProbes?: number;
  /** Tolerance on the 0..1 scale: any arm within this of the best is a good pick. Default 0.01. */
  epsilon?: number;
  /** Items every raced arm is probed on first. Default 20. */
  initialItems?: number;
  /** Items a pair advances by per step. Default 5. */
  step?: number;
  seed?: number;
  /** Prior per arm (higher is better, any scale) or `null`; as in `budgetedSelection`. */
  priors?: readonly (number | null)[];
  /** Smallest error assumed for a checked prior, 0..1 outcome scale. Default 0.02. */
  priorErrorFloor?: number;
  /**
   * Set when the priors are the outcome's own metric measured elsewhere (another split, earlier
   * runs): the calibration's slope is shrunk towards `mean` (1) with this spread
   * (`prior-calibration.ts`). Omit for priors on another scale.
   */
  priorSlope?: SlopePrior;
  /** Arms needing both a prior and measurements before priors are combined. Default 5. */
  minPriorArms?: number;
  /**
   * How the final arm is chosen: `mean`, the highest posterior mean; `risk`, the arm with the
   * smallest posterior probability that some other arm beats it by more than `epsilon`.
   * Default `risk`.
   */
  pick?: "mean" | "risk";
}

const DEFAULT_MIN_PRIOR_ARMS = 5;

/** Standard normal CDF (Zelen & Severo / Abramowitz-Stegun 26.2.17, error < 7.5e-8). */
export function normalCdf(x: number): number {
  if (x < -10) return 0;
  if (x > 10) return 1;
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const density = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const tail =
    density *
    t *
    (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
}

function validatePriors(priors: readonly (number | null)[], armCount: number): void {
  if (priors.length !== armCount) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `gapSelection: priors has ${priors.length} entries for ${armCount} arms; give one prior per arm, null where unknown.`,
    );
  }
  const bad = priors.findIndex((prior) => prior !== null && !Number.isFinite(prior));
  if (bad !== -1) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `gapSelection: priors[${bad}] is ${String(priors[bad])}; use a finite number or null.`,
    );
  }
}

/** Posterior of (arm - reference) on the user's items. */
interface Posterior {
  mean: number;
  variance: number;
}

export async function gapSelection(
  arms: SelectionArms,
  options: GapSelectionOptions = {},
): Promise<SelectionResult> {
  const itemCount = arms.itemCount;
  const maxProbes = options.maxProbes ?? arms.armCount * itemCount;
  const epsilon = options.epsilon ?? 0.01;
  const step = Math.max(1, Math.floor(options.step ?? 5));
  const initialItems = Math.max(1, Math.floor(options.initialItems ?? 20));
  const pickRule = options.pick ?? "risk";
  const priors = options.priors;
  if (priors !== undefined) validatePriors(priors, arms.armCount);
  const minPriorArms = options.minPriorArms ?? DEFAULT_MIN_PRIOR_ARMS;
  const order = seededRandom(options.seed ?? 1).shuffle(
    Array.from({ length: itemCount }, (_, index) => index),
  );
  const outcomes: number[][] = Array.from({ length: arms.armCount }, () => []);
  // As in budgeted selection: a short budget races only the best-prior arms (raced-arms.ts).
  const { raced, notProbed } = chooseRacedArms({
    armCount: arms.armCount,
    priors,
    maxProbes,
    firstBatch: initialItems,
    minPriorArms,
  });

  let spent = 0;
  const probeUpTo = async (arm: number, count: number) => {
    const row = outcomes[arm] as number[];
    while (row.length < count && spent < maxProbes) {
      row.push(await arms.probe(arm, order[row.length] as number));
      spent++;
    }
  };

  // First batch: every raced arm on the same items, shrunk to what the budget allows.
  const first = Math.min(initialItems, itemCount, Math.floor(maxProbes / raced.length));
  for (const arm of raced) await probeUpTo(arm, first);

  const comparer = pairedComparisons({
    outcomes,
    itemCount,
    finitePopulation: true,
    priors,
    combinePriors: true,
    minPriorArms,
    priorErrorFloor: options.priorErrorFloor,
    priorSlope: options.priorSlope,
  });
  let combined = false;
  let lastCalibration: PriorCalibration | null = null;
  /** The arm no other arm beats in posterior mean, and everyone against it (`paired-comparisons.ts`). */
  const assess = () => {
    const assessment = comparer.assess(raced);
    lastCalibration = assessment.calibration;
    combined = lastCalibration?.calibrated === true;
    return assessment;
  };

  /** Posterior probability that `arm` beats the reference by more than epsilon. */
  const beatsBy = (posterior: Posterior) =>
    posterior.variance <= 0
      ? posterior.mean > epsilon
        ? 1
        : 0
      : 1 - normalCdf((epsilon - posterior.mean) / Math.sqrt(posterior.variance));

  let stopReason: SelectionResult["stopReason"] = "budget";
  if (raced.length === 1) stopReason = "single-survivor";
  while (raced.length > 1) {
    if (spent >= maxProbes) {
      // A budget of exactly every item on every raced arm ran out by probing them all.
      stopReason = raced.every((arm) => (outcomes[arm] as number[]).length >= itemCount)
        ? "exhausted-items"
        : "budget";
      break;
    }
    const { leader, comparisons } = assess();
    // The challenger likeliest to beat the leader by more than epsilon (ties: wider posterior).
    let challenger: number | null = null;
    let bestScore = -1;
    let bestVariance = -1;
    const leaderDone = (outcomes[leader] as number[]).length >= itemCount;
    for (const [arm, posterior] of comparisons) {
      if (leaderDone && (outcomes[arm] as number[]).length >= itemCount) continue;
      const score = beatsBy(posterior);
      if (score > bestScore || (score === bestScore && posterior.variance > bestVariance)) {
        challenger = arm;
        bestScore = score;
        bestVariance = posterior.variance;
      }
    }
    if (challenger === null) {
      stopReason = "exhausted-items";
      break;
    }
    const leaderCount = (outcomes[leader] as number[]).length;
    const challengerCount = (outcomes[challenger] as number[]).length;
    const before = spent;
    if (challengerCount < leaderCount) {
      await probeUpTo(challenger, Math.min(leaderCount, challengerCount + step));
    } else if (leaderCount < challengerCount) {
      await probeUpTo(leader, Math.min(challengerCount, leaderCount + step));
    } else {
      // Both advance on the same new items; shrink to what the budget pays for in pairs.
      const items = Math.min(step, itemCount - leaderCount, Math.floor((maxProbes - spent) / 2));
      if (items <= 0) {
        stopReason = leaderCount >= itemCount ? "exhausted-items" : "budget";
        break;
      }
      await probeUpTo(leader, leaderCount + items);
      await probeUpTo(challenger, challengerCount + items);
    }
    if (spent === before) break;
  }

  const final = assess();
  const leader = final.leader;
  let winner = leader;
  if (raced.length > 1 && pickRule === "risk") {
    // Risk of picking `arm`: the posterior probability that some raced arm beats it by more
    // than epsilon (union bound, capped at 1). Every posterior is taken against the leader, so
    // (other - arm) has mean other - arm and, conservatively, the sum of both variances: an
    // arm probed on few items carries its uncertainty into its risk, which keeps a lucky
    // short run from being picked over a well-measured leader.
    const comparisons = final.comparisons;
    const relative = new Map<number, Posterior>([[leader, { mean: 0, variance: 0 }]]);
    for (const [arm, posterior] of comparisons) relative.set(arm, posterior);
    let bestRisk = Number.POSITIVE_INFINITY;
    for (const arm of raced) {
      if ((outcomes[arm] as number[]).length === 0) continue;
      const own = relative.get(arm) as Posterior;
      let risk = 0;
      for (const other of raced) {
        if (other === arm) continue;
        const theirs = relative.get(other) as Posterior;
        risk += beatsBy({ mean: theirs.mean - own.mean, variance: theirs.variance + own.variance });
      }
      risk = Math.min(1, risk);
      if (risk < bestRisk - 1e-12 || (Math.abs(risk - bestRisk) <= 1e-12 && arm === leader)) {
        bestRisk = risk;
        winner = arm;
      }
    }
  }

  const perArm: ArmSummary[] = outcomes.map((row) => summarizeArm(row));
  const result: SelectionResult = { winnerIndex: winner, probesSpent: spent, perArm, stopReason };
  if (priors !== undefined) {
    const armsWithPriors = priors.filter((prior) => prior !== null).length;
    const use: PriorUse = { armsWithPriors, notProbed, combined };
    const fit = lastCalibration as PriorCalibration | null;
    if (fit === null) use.reason = "the leader has no prior, so no comparison could use one";
    else if (fit.calibrated) {
      use.slope = fit.slope;
      use.errorSd = Math.sqrt(fit.errorVariance);
    } else use.reason = fit.reason;
    result.priors = use;
  }
  return result;
}
