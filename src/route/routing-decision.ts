/**
 * @module
 * The routing decision as data: what the router was asked, how it classified the request,
 * which candidates it considered in what order and why, and what each attempt did. The
 * server returns it (headers and a `modelscout` body field), stores it in the request log,
 * and feedback refers to it by request id, so a decision can be shown and replayed.
 */
import type { AnswerUsage } from "../backends/model-backend.js";
import type { TaskId } from "../tasks/resolve-task.js";
import type { RoutePolicy } from "./routes-config.js";

/** What one classification step concluded. */
export interface ClassificationStepTrace {
  step: number;
  kind: "rules" | "nearest-neighbour" | "classifier";
  /** The route this step named, or null when it passed. */
  route: string | null;
  /** `keyword "package"`, `nearest example "track my package" (0.83)`, `label delivery (0.91)`, `below min_similarity 0.5`. */
  detail: string;
  /** Similarity or score that decided, where there is one. */
  score?: number;
  /** Time the step took, milliseconds (embedding calls dominate). */
  elapsedMs: number;
  /**
   * A model step whose model's server reported tokens for this request's call: the step's
   * model, set with `usage`. A nearest-neighbour step counts the request's own embedding, not
   * the examples embedded at start; a `/v1/tasks` batch's item its share of the one call that
   * carried the batch's texts (`RequestClassifier.classifyEach`).
   */
  model?: string;
  /** The tokens the step's model call reported (ADR 0090). */
  usage?: AnswerUsage;
  /** What `usage` cost at the step model's declared `price`, US dollars; absent without one. */
  costUsd?: number;
}

export interface ClassificationTrace {
  route: string;
  /** True when no step decided and the default route was used. */
  usedDefault: boolean;
  steps: ClassificationStepTrace[];
}

/** What a request's classification calls cost in all, as its request-log row keeps it (ADR 0091). */
export interface ClassificationSpend {
  /** Tokens read and written by the steps whose model reported them; null when none did. */
  readonly tokens: number | null;
  /** US dollars, of the priced steps among them; null when none was priced. */
  readonly costUsd: number | null;
}

const NO_SPEND: ClassificationSpend = Object.freeze({ tokens: null, costUsd: null });

/**
 * The sums of `steps`' model calls. A classification whose steps reported nothing (rules, a
 * local encoder: nearly every request) gets one shared object, so the request path allocates
 * nothing for it.
 */
export function classificationSpend(
  steps: readonly ClassificationStepTrace[] | undefined,
): ClassificationSpend {
  if (steps === undefined) return NO_SPEND;
  let tokens: number | null = null;
  let costUsd: number | null = null;
  for (const step of steps) {
    if (step.usage === undefined) continue;
    tokens = (tokens ?? 0) + step.usage.promptTokens + step.usage.completionTokens;
    if (step.costUsd !== undefined) costUsd = (costUsd ?? 0) + step.costUsd;
  }
  return tokens === null ? NO_SPEND : { tokens, costUsd };
}

/**
 * `circuit-open` and `at-capacity` (its `max_in_flight` reached): not called at all.
 * `low-confidence`: answered, but below the target's `min_confidence`, so the cascade went on
 * (ADR 0057); its `error` says the score.
 */
export type AttemptOutcome =
  | "ok"
  | "low-confidence"
  | "timeout"
  | "rate-limited"
  | "error"
  | "circuit-open"
  | "at-capacity";

export interface AttemptRecord {
  model: string;
  outcome: AttemptOutcome;
  /** Milliseconds spent on this attempt (0 when it was not called). */
  latencyMs: number;
  /** The failure, in words, when not ok. */
  error?: string;
  /** Upstream HTTP status, when the failure was an HTTP answer. */
  status?: number;
}

export interface RoutingDecision {
  requestId: string;
  task: TaskId;
  /** What the client put in `model`. */
  requested: string;
  /** Null when a model id was requested directly. */
  route: string | null;
  /** The model that answered; on failure, the last one tried (or the first candidate). */
  model: string;
  /** One line: why this route and this model. */
  reason: string;
  policy: RoutePolicy | "direct";
  /** True when the bandit explored rather than exploited. */
  explored: boolean;
  /** Candidates in the order they were to be tried. */
  order: string[];
  classification: ClassificationTrace | null;
  attempts: AttemptRecord[];
  domain: string | null;
}
