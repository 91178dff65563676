/**
 * @module
 * What every selection strategy sees and returns. An "arm" is a candidate model; probing arm
 * `a` on item `i` yields a 0..1 outcome (a replayed score today, a measured metric on the
 * user's data later), so strategies stay pure and testable on synthetic arms.
 */

export interface SelectionArms {
  armCount: number;
  itemCount: number;
  /** The 0..1 outcome of arm `armIndex` on item `itemIndex`. Each call costs one probe. */
  probe(armIndex: number, itemIndex: number): Promise<number>;
}

export interface ArmSummary {
  /** Mean outcome over the items this arm was probed on (NaN if never probed). */
  mean: number;
  /** Confidence interval of the mean, clipped to [0, 1]. */
  ci: [number, number];
  probes: number;
  /** Round (1-based) after which the arm was dropped; absent if it survived. */
  eliminatedAtRound?: number;
}

/** What a strategy did with the priors it was given, for the decision report. */
export interface PriorUse {
  /** Arms that had a prior (the rest were `null`). */
  armsWithPriors: number;
  /**
   * Arms never probed because the budget could not cover every arm and their prior ranked
   * below the arms that were raced.
   */
  notProbed: number[];
  /** Whether the final comparisons combined the priors with the measurements. */
  combined: boolean;
  /** Outcome change per unit of prior, fitted on the measurements (when combined). */
  slope?: number;
  /** Estimated error of one arm's prior on the outcome scale, 0..1 (when combined). */
  errorSd?: number;
  /** Why the priors were not combined with the measurements. */
  reason?: string;
}

export interface SelectionResult {
  winnerIndex: number;
  probesSpent: number;
  perArm: ArmSummary[];
  /** Why the strategy stopped, for the decision report. */
  stopReason: "exhausted-items" | "budget" | "single-survivor" | "leader-clear";
  /** Present when the strategy was given priors. */
  priors?: PriorUse;
}
