/**
 * @module
 * Paired comparisons of arms against a reference arm, shared by the racing and gap
 * strategies. Every arm is probed on a prefix of the same item order, so two arms' rows align
 * item by item and the comparison uses the per-item differences, whose variance is far below
 * either arm's (models agree on most items). The variance has a floor (a run of identical
 * outcomes is not certainty) and, by default, the finite-population correction: the user's
 * items are all there is, so probing most of them leaves little uncertainty.
 *
 * With priors, each comparison with the reference is first fitted against this run's
 * measurements (`prior-calibration.ts`) and, when the fit holds, combined with the data as a
 * precision-weighted posterior. The leader is found by walking: start from the best data
 * mean (exact ties to the higher prior), move to any arm whose posterior difference beats the
 * current leader, stop when none does or an arm repeats.
 */
import {
  type CalibrationPoint,
  calibratePriors,
  type PriorCalibration,
  type SlopePrior,
} from "./prior-calibration.js";

/** One arm against the reference, on the items both were probed on. */
export interface Comparison {
  /** Mean of (arm - reference); a posterior mean when priors were combined. */
  mean: number;
  /** Variance of `mean`. */
  variance: number;
  count: number;
  /** Sample variance of the per-item differences (for Bernstein bounds). */
  sampleVariance: number;
}

export interface PairedComparisonOptions {
  /** Outcome rows per arm; read live, so rows may grow between calls. */
  outcomes: readonly (readonly number[])[];
  itemCount: number;
  finitePopulation: boolean;
  priors: readonly (number | null)[] | undefined;
  /** Whether priors may be combined with the data (racing with Bernstein bounds says no). */
  combinePriors: boolean;
  minPriorArms: number;
  priorErrorFloor: number | undefined;
  /** Belief about the calibration slope (priors on the outcome's own scale). */
  priorSlope?: SlopePrior | undefined;
}

export interface Assessment {
  leader: number;
  comparisons: Map<number, Comparison>;
  /** The prior fit of the last comparison made (null: none was attempted). */
  calibration: PriorCalibration | null;
}

export function pairedComparisons(options: PairedComparisonOptions) {
  const { outcomes, itemCount, priors } = options;
  const priorOf = (arm: number): number | null => priors?.[arm] ?? null;
  const rowOf = (arm: number) => outcomes[arm] ?? [];

  const meanOf = (arm: number) => {
    const row = rowOf(arm);
    return row.length === 0 ? 0 : row.reduce((sum, value) => sum + value, 0) / row.length;
  };

  const pairedDifference = (arm: number, reference: number): Comparison => {
    const row = rowOf(arm);
    const referenceRow = rowOf(reference);
    const count = Math.min(row.length, referenceRow.length);
    if (count === 0) return { mean: 0, variance: 1, count, sampleVariance: 4 };
    let sum = 0;
    for (let index = 0; index < count; index++)
      sum += (row[index] as number) - (referenceRow[index] as number);
    const mean = sum / count;
    let squares = 0;
    for (let index = 0; index < count; index++)
      squares += ((row[index] as number) - (referenceRow[index] as number) - mean) ** 2;
    const sampleVariance = count > 1 ? squares / (count - 1) : 4;
    const correction = options.finitePopulation ? Math.max(0, 1 - count / itemCount) : 1;
    const variance = (Math.max(sampleVariance, 1 / count) / count) * correction;
    return { mean, variance, count, sampleVariance };
  };

  /** Every arm of `against` (but the reference) compared with `reference`. */
  const compareWith = (
    reference: number,
    against: readonly number[],
  ): { comparisons: Map<number, Comparison>; calibration: PriorCalibration | null } => {
    const referencePrior = priorOf(reference);
    let calibration: PriorCalibration | null = null;
    if (priors !== undefined && options.combinePriors && referencePrior !== null) {
      const points: CalibrationPoint[] = [];
      for (let arm = 0; arm < outcomes.length; arm++) {
        const prior = priorOf(arm);
        if (prior === null || rowOf(arm).length === 0) continue;
        if (arm === reference) {
          points.push({ prior, difference: 0, variance: 0 });
          continue;
        }
        const { mean, variance } = pairedDifference(arm, reference);
        points.push({ prior, difference: mean, variance });
      }
      calibration = calibratePriors(points, {
        minArms: options.minPriorArms,
        ...(options.priorErrorFloor === undefined ? {} : { errorFloor: options.priorErrorFloor }),
        ...(options.priorSlope === undefined ? {} : { slopePrior: options.priorSlope }),
      });
    }
    const comparisons = new Map<number, Comparison>();
    for (const arm of against) {
      if (arm === reference) continue;
      const data = pairedDifference(arm, reference);
      const prior = priorOf(arm);
      if (
        calibration?.calibrated &&
        prior !== null &&
        referencePrior !== null &&
        data.variance > 0
      ) {
        // Both arms' priors err independently, so their difference errs with twice the variance.
        const priorVariance = 2 * calibration.errorVariance;
        const priorMean = calibration.slope * (prior - referencePrior);
        const precision = 1 / data.variance + 1 / priorVariance;
        comparisons.set(arm, {
          ...data,
          mean: (data.mean / data.variance + priorMean / priorVariance) / precision,
          variance: 1 / precision,
        });
      } else {
        comparisons.set(arm, data);
      }
    }
    return { comparisons, calibration };
  };

  /** Best data mean; exact ties (including "nothing probed yet") to the higher prior, then the lower index. */
  const dataLeader = (candidates: readonly number[]) =>
    candidates.reduce((best, arm) => {
      const difference = meanOf(arm) - meanOf(best);
      if (difference !== 0) return difference > 0 ? arm : best;
      return (priorOf(arm) ?? Number.NEGATIVE_INFINITY) >
        (priorOf(best) ?? Number.NEGATIVE_INFINITY)
        ? arm
        : best;
    }, candidates[0] as number);

  /** The leader (highest posterior, or data mean without priors) and everyone against it. */
  const assess = (candidates: readonly number[]): Assessment => {
    let leader = dataLeader(candidates);
    let { comparisons, calibration } = compareWith(leader, candidates);
    const visited = new Set([leader]);
    for (;;) {
      let better: number | null = null;
      let bestMean = 0;
      for (const [arm, comparison] of comparisons) {
        if (comparison.mean > bestMean) {
          bestMean = comparison.mean;
          better = arm;
        }
      }
      if (better === null || visited.has(better)) break;
      visited.add(better);
      leader = better;
      ({ comparisons, calibration } = compareWith(leader, candidates));
    }
    return { leader, comparisons, calibration };
  };

  return { assess, pairedDifference };
}
