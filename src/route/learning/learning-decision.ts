/**
 * @module
 * The learner's decision records as plain data: a demotion (a model fell confidently below the
 * route's baseline in a domain) with the evidence that triggered it, and an operator's
 * reinstatement. They are stored in the state database, listed for operators and monitoring,
 * and readable without code: every number says what it is.
 */

/** One side of a comparison, as it stood when the decision was taken. */
export interface PosteriorEvidence {
  modelId: string;
  /** Posterior mean quality 0..1 (prior + decayed evidence). */
  mean: number;
  /** Decayed evidence mass (successes + failures). */
  effectiveCount: number;
  /** Undecayed number of outcomes folded in. */
  observations: number;
  /** Posterior Beta parameters. */
  alpha: number;
  beta: number;
  /** Decayed mean cost per request of its outcomes that had a cost; null when none had (absent in records before ADR 0053). */
  meanCostUsd?: number | null;
}

export interface DemotionEvidence {
  /** In words: "P(model < baseline - 0.02) = 0.97 > 0.95 with 41.0 and 55.3 effective observations". */
  rule: string;
  model: PosteriorEvidence;
  baseline: PosteriorEvidence;
  /**
   * P(model quality < baseline quality - gap) under the two posteriors, where the gap is
   * `minGap`, less, on a route with an answer value, the model's extra cost in quality points.
   */
  probabilityBelow: number;
  threshold: number;
  minGap: number;
  /**
   * On a route with an answer value (ADR 0053): the value, and the gap compared,
   * `minGap - (model cost - baseline cost) / answerValueUsd` (unknown costs count as 0): a
   * dearer model is demoted sooner, a cheaper one later.
   */
  answerValueUsd?: number;
  gap?: number;
  minEffectiveObservations: number;
  /** Decay half-life in force; null when evidence never decays. */
  halfLifeMs: number | null;
  /** How the baseline was chosen: "configured", "first-candidate" or "best-standing". */
  baselinePolicy: string;
}

export interface LearningDecision {
  /** `lrn_` + a time-ordered random suffix. */
  id: string;
  kind: "demote" | "reinstate";
  route: string;
  /** The domain the decision is about; null for the route as a whole. */
  domain: string | null;
  modelId: string;
  baselineModelId: string | null;
  /** Time of the evidence (the outcome that tipped it) or of the operator's action. */
  at: string;
  /** Wall-clock time the record was written. */
  recordedAt: string;
  /** "learner" for automatic demotions; the operator's name or "operator" for reinstatements. */
  actor: string;
  note: string | null;
  /** Present for demotions; for reinstatements, the standings when it was reinstated. */
  evidence:
    | DemotionEvidence
    | { model: PosteriorEvidence | null; baseline: PosteriorEvidence | null };
}
