/**
 * @module
 * The contract between the routing server (which classifies requests, calls models, records
 * feedback) and the learning policy (which decides which candidate model serves a route and
 * learns from outcomes). The server owns requests and their durable feedback records; the
 * learner owns per-(route, model) posteriors, baselines and demotions. Both persist in the
 * state database (`state/state-database.ts`), so a restart loses nothing.
 */
import type { LearningDecision } from "./learning/learning-decision.js";
import type { RoutesInService } from "./learning/routes-in-service.js";

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
  /**
   * Quality evidence on 0..1 (rating rescaled, correct = 1, incorrect = 0; 0 for a rated
   * answer later than its route's `latency_slo_ms`, ADR 0055). Absent for latency-only feedback.
   */
  reward?: number;
  /** Observed latency, milliseconds. */
  latencyMs?: number;
  /** What the request cost, US dollars (ADR 0050); absent when unknown (no price, or no usage reported). */
  costUsd?: number;
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
  /** Decayed mean cost per request of its rewarded requests that had a cost; null when none had. */
  meanCostUsd: number | null;
  demoted: boolean;
}

export interface ChooseContext {
  /** Sub-segment of the route, as in `RouteOutcome.domain`. */
  domain?: string;
  /**
   * What one fully good answer (reward 1) is worth on this route, US dollars (the route's
   * `answer_value_usd`). When given, the learner weighs quality against cost: it prefers the
   * model with the highest `value x quality - cost per request` (ADR 0053).
   */
  answerValueUsd?: number;
}

/**
 * The context of a choice: undefined with neither a domain nor an answer value, else an
 * object with only the fields given (one shape per combination, no `undefined` fields).
 */
export function chooseContext(
  domain: string | null,
  answerValueUsd: number | null,
): ChooseContext | undefined {
  if (answerValueUsd === null) return domain === null ? undefined : { domain };
  return domain === null ? { answerValueUsd } : { domain, answerValueUsd };
}

/** What `prepareRecord` read ahead for one outcome; only the learner that made it reads it. */
export interface RecordPreparation {
  readonly requestId: string;
}

export interface RouteLearner {
  /** Picks a model among `candidates` (ordered by preference) for one request. */
  choose(route: string, candidates: readonly string[], context?: ChooseContext): RouteChoice;
  /**
   * Folds one outcome in; durable when it returns. May demote a model (stored as a decision).
   * `alongside`, when given, is the caller's own writes to the state database (the server's
   * feedback row): a learner that keeps its state there runs it inside its write transaction,
   * after the outcome's writes, so both commit together, in one commit (ADR 0069); one that
   * keeps none runs it before changing its memory. Either way it runs once if `record`
   * returns, and its error is `record`'s. A learner may leave it out; the server then writes
   * its feedback on its own.
   */
  record(outcome: RouteOutcome, alongside?: () => void, preparation?: RecordPreparation): void;
  /**
   * Reads ahead, without blocking the event loop, what `record(outcome)` would read while it
   * holds its write lock, and gives it back for `record` (ADR 0070): for a learner whose state
   * database answers reads asynchronously (PostgreSQL). Undefined when there was nothing to
   * read ahead; `record` reads for itself what a preparation does not cover or what went
   * stale since. Learners with nothing to read leave it out.
   */
  prepareRecord?(outcome: RouteOutcome): Promise<RecordPreparation | undefined>;
  /**
   * `record`, durable when the promise resolves rather than when the call returns: a learner
   * whose state database answers a commit asynchronously (PostgreSQL) awaits the transaction's
   * end instead of blocking the event loop on it (ADR 0071), for an outcome read ahead with
   * `prepareRecord`. `alongside` is `record`'s; it may run more than once (a transaction that
   * went stale is rolled back, and the record tried again). Learners without it are called
   * with `record`.
   */
  recordLater?(
    outcome: RouteOutcome,
    alongside?: () => void,
    preparation?: RecordPreparation,
  ): Promise<void>;
  /**
   * Read-aheads (`prepareRecord`) that could not be used, since the learner started: the state
   * changed between the read and the write, so the record read under the write lock,
   * blocking. Undefined for learners (or state databases) that do not read ahead.
   */
  readonly staleReadAheads?: number;
  standings(route?: string): ModelStanding[];
  /**
   * Its stored decisions (demotions and reinstatements, with their evidence), most recent
   * first; learners that keep none leave it out.
   */
  decisions?(filter?: { route?: string; limit?: number }): LearningDecision[];
  /** `decisions`, its read awaited rather than blocking where the state database allows. */
  decisionsLater?(filter?: { route?: string; limit?: number }): Promise<LearningDecision[]>;
  /**
   * Reads what other servers sharing its state wrote since it last looked (ADR 0060), so that
   * `choose` sees their feedback; returns how many (route, model) pairs changed. The server
   * calls it every second. Learners whose state is their own leave it out.
   */
  sync?(): number;
  /**
   * `sync`, its reads awaited rather than blocking where the state database answers reads
   * asynchronously (PostgreSQL, ADR 0070); the server's timer calls it when it is there.
   */
  syncAhead?(): Promise<number>;
  /**
   * Told, at the server's start and after each applied reload, which (route, model) pairs the
   * routes config in service has it choose among. A learner keeps what it learned on the others
   * (a reload that brings them back starts from it); one that keeps its state in the database
   * records these there, so that a reader of the state with no config (`modelscout learner
   * standings`) can tell which standings a reload removed (ADR 0083). Learners whose state is
   * their own leave it out.
   */
  recordRoutesInService?(routes: RoutesInService): void;
  /**
   * Puts the routes config's `learning` section (as written) in force without a restart;
   * throws, changing nothing, when it cannot. Learners without it take a restart for that.
   */
  reconfigure?(learning: unknown): void;
}
