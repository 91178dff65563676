/**
 * @module
 * The quality evidence for one (route, model, domain): decayed success and failure mass with
 * the time it was last brought up to date. Decay is exponential with a half-life and applied
 * lazily: an aggregate stores `(successes, failures, updatedAtMs)` and is scaled by
 * `2^(-(t - updatedAtMs) / halfLifeMs)` only when it is read or updated at a later time `t`.
 * That is exactly the sum over outcomes of `weight_i = 2^(-(t - t_i) / halfLifeMs)`, so the
 * order in which outcomes arrive does not matter (an outcome older than the aggregate is added
 * with its own, smaller weight) and the aggregate can be rebuilt from the outcome log.
 *
 * Rewards on 0..1 are folded in as fractional Beta updates: `successes += r`,
 * `failures += 1 - r`. For 0/1 rewards this is the usual Beta-Bernoulli update; for fractional
 * scores (partial credit, rescaled ratings) it treats `r` as the expected value of a Bernoulli
 * trial. The alternative, drawing a Bernoulli(r) and updating with that, has the same expectation
 * but adds noise and makes the aggregate depend on a random draw, so a replay of the outcome
 * log would not reproduce it; the fractional update keeps state a pure function of the log.
 *
 * The same outcomes carry what their requests cost, where it is known (a priced model whose
 * server reported its tokens, ADR 0050): `costMass` and `costWeight` are their decayed sum and
 * decayed count, so `meanCost` is the decayed mean cost per request of the outcomes that had
 * one. They decay and are taken out with the reward, so the cost estimate is over the same
 * outcomes as the quality posterior (ADR 0053).
 */

export interface DecayedBeta {
  /** Decayed reward mass (sum of weight x reward). */
  successes: number;
  /** Decayed missing-reward mass (sum of weight x (1 - reward)). */
  failures: number;
  /** Undecayed number of outcomes folded in (for minimum-evidence rules and audits). */
  observations: number;
  /** Time (epoch ms) the decayed masses refer to. */
  updatedAtMs: number;
  /** Decayed sum of the costs of the outcomes that had one (sum of weight x cost). */
  costMass: number;
  /** Decayed number of outcomes that had a cost (sum of weight). */
  costWeight: number;
}

export interface BetaPrior {
  alpha: number;
  beta: number;
}

export const EMPTY_DECAYED_BETA: DecayedBeta = Object.freeze({
  successes: 0,
  failures: 0,
  observations: 0,
  updatedAtMs: 0,
  costMass: 0,
  costWeight: 0,
});

/** Weight of evidence `ageMs` old; 1 for zero or negative ages, and without decay. */
export function decayWeight(ageMs: number, halfLifeMs: number): number {
  if (ageMs <= 0 || !Number.isFinite(halfLifeMs)) return 1;
  return 2 ** (-ageMs / halfLifeMs);
}

/** The aggregate as seen at `atMs` (never moved backwards: earlier times read it as is). */
export function decayTo(aggregate: DecayedBeta, atMs: number, halfLifeMs: number): DecayedBeta {
  if (atMs <= aggregate.updatedAtMs) return aggregate;
  const weight = decayWeight(atMs - aggregate.updatedAtMs, halfLifeMs);
  return {
    successes: aggregate.successes * weight,
    failures: aggregate.failures * weight,
    observations: aggregate.observations,
    updatedAtMs: atMs,
    costMass: aggregate.costMass * weight,
    costWeight: aggregate.costWeight * weight,
  };
}

/**
 * Folds one reward observed at `atMs` in, with its request's cost when known (`sign` -1 takes
 * a previously added one out again, used when a later feedback for the same request replaces
 * an earlier one).
 */
export function addReward(
  aggregate: DecayedBeta,
  reward: number,
  atMs: number,
  halfLifeMs: number,
  sign: 1 | -1 = 1,
  cost: number | null = null,
): DecayedBeta {
  const current = decayTo(aggregate, atMs, halfLifeMs);
  const weight = decayWeight(current.updatedAtMs - atMs, halfLifeMs) * sign;
  const costed = cost !== null;
  const costWeight = costed ? current.costWeight + weight : current.costWeight;
  return {
    // Removal can leave float dust below zero.
    successes: Math.max(0, current.successes + weight * reward),
    failures: Math.max(0, current.failures + weight * (1 - reward)),
    observations: Math.max(0, current.observations + sign),
    updatedAtMs: current.updatedAtMs,
    // Removing the last costed outcome leaves dust that would make a mean of it: none is left.
    costMass: costed
      ? costWeight > 1e-9
        ? Math.max(0, current.costMass + weight * cost)
        : 0
      : current.costMass,
    costWeight: costWeight > 1e-9 ? costWeight : 0,
  };
}

/** Decayed mean cost per request of the outcomes that had a cost; null when none had. */
export function meanCost(aggregate: DecayedBeta): number | null {
  return aggregate.costWeight > 0 ? aggregate.costMass / aggregate.costWeight : null;
}

/** Posterior Beta parameters: the prior plus the decayed evidence. */
export function posteriorParameters(
  aggregate: DecayedBeta,
  prior: BetaPrior,
): { alpha: number; beta: number } {
  return { alpha: prior.alpha + aggregate.successes, beta: prior.beta + aggregate.failures };
}

export function betaMean(alpha: number, beta: number): number {
  return alpha / (alpha + beta);
}

/** Decayed evidence mass (successes + failures): the "effective number of observations". */
export function effectiveCount(aggregate: DecayedBeta): number {
  return aggregate.successes + aggregate.failures;
}
