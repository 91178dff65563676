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

export interface SelectionResult {
  winnerIndex: number;
  probesSpent: number;
  perArm: ArmSummary[];
  /** Why the strategy stopped, for the decision report. */
  stopReason: "exhausted-items" | "budget" | "single-survivor" | "leader-clear";
}
