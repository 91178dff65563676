/**
 * @module
 * The contract between the routing server (which classifies requests, calls models, records
 * feedback) and the learning policy (which decides which candidate model serves a route and
 * learns from outcomes). The server owns requests and their durable feedback records; the
 * learner owns per-(route, model) posteriors, baselines and demotions. Both persist in the
 * state database (`state/state-database.ts`), so a restart loses nothing.
 */

export interface RouteChoice {
  modelId: string;
  /** Plain words for the decision header/body: "thompson sample 0.82 (explore)", "fixed", "fallback after timeout". */
  reason: string;
  /** True when the pick was exploration rather than the current best. */
  explored: boolean;
}

export interface RouteOutcome {
  requestId: string;
  route: string;
  modelId: string;
  /** Quality evidence on 0..1 (rating rescaled, correct = 1, incorrect = 0). Absent for latency-only feedback. */
  reward?: number;
  /** Observed latency, milliseconds. */
  latencyMs?: number;
  /** Sub-segment of the route (e.g. a language or a product category) for per-domain demotion. */
  domain?: string;
  /** ISO time of the outcome; decay is computed from it. */
  at: string;
}

export interface ModelStanding {
  route: string;
  modelId: string;
  domain: string | null;
  /** Posterior mean of quality (0..1) after decay, and its effective number of observations. */
  mean: number;
  effectiveCount: number;
  demoted: boolean;
}

export interface RouteLearner {
  /** Picks a model among `candidates` (ordered by preference) for one request. */
  choose(route: string, candidates: readonly string[], context?: { domain?: string }): RouteChoice;
  /** Folds one outcome in; durable when it returns. May demote a model (stored as a decision). */
  record(outcome: RouteOutcome): void;
  standings(route?: string): ModelStanding[];
}
