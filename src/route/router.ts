/**
 * @module
 * The router: the core of the routing server, with no HTTP in it. Given a task, what the
 * client put in `model` (`auto`, a route name or a model id) and the inputs, it picks the
 * route (classification), orders the route's candidates (policy), calls them with a
 * deadline per attempt, retries and falls back on timeout, error or 429, keeps a circuit
 * breaker per model, and returns the outputs with the decision that produced them. Failures
 * of models are results (`ok: false` with an HTTP-like status), not exceptions; exceptions
 * are for requests that cannot be routed at all (unknown model, wrong task).
 */
import { randomFillSync } from "node:crypto";
import { type CancelSignal, CancelSource, RunCancellation } from "../backends/cancellation.js";
import {
  type BackendInput,
  type BackendOutput,
  declaresTools,
  type GenerationSettings,
  type ModelBackend,
  needsAudioFile,
  needsCandidateLabels,
  needsImageInput,
  needsLogitBias,
  needsLogprobs,
  needsRawCompletion,
  needsToolCalls,
  type TextStream,
  type TextStreamPart,
} from "../backends/model-backend.js";
import { normaliseLanguage } from "../catalog/languages.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { topLabel, topLabelScore } from "../select/metrics/classification-metrics.js";
import type { TaskId } from "../tasks/resolve-task.js";
import { type BreakerChange, type BreakerSnapshot, CircuitBreaker } from "./circuit-breaker.js";
import {
  type ClassificationStepStatus,
  type ModelCallGate,
  type ModelCallPass,
  opening,
  RequestClassifier,
} from "./classify/request-classifier.js";
import { learnerRouteKey } from "./feedback.js";
import { HealthChecker, type ModelHealth } from "./health-checker.js";
import { InFlightLimit, type InFlightSnapshot } from "./in-flight-limit.js";
import { type ModelLoadStatus, ModelRegistry } from "./model-registry.js";
import { modelTaskProblem, servingTasks } from "./model-task-problem.js";
import { firstThenListed, orderCandidates } from "./order-candidates.js";
import type { RouteLearner } from "./route-learner.js";
import type { RouteSwitches } from "./route-switches.js";
import {
  AUTO_MODEL,
  invalidRoutesConfig,
  type RouteDefinition,
  type RoutesConfig,
  type RouteTarget,
} from "./routes-config.js";
import type {
  AttemptOutcome,
  AttemptRecord,
  ClassificationTrace,
  RoutingDecision,
} from "./routing-decision.js";
import { type SessionAffinity, type SessionPin, sessionKey } from "./session-affinity.js";
import { EXPECTED_OUTPUT_KIND } from "./task-output-kind.js";
import { DeadlineExceeded, withDeadline } from "./with-deadline.js";

/** Deadline for a model asked for by id that no route names (else: the longest its routes give it). */
export const DIRECT_TIMEOUT_MS = 30_000;

export interface RouterOptions {
  config: RoutesConfig;
  /** Required for routes with policy `bandit`. */
  learner?: RouteLearner;
  lookupModel?: (id: string) => Promise<ModelRecord | null>;
  /** Backends built in code, by model id. */
  backends?: ReadonlyMap<string, ModelBackend>;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Source of randomness for `weighted` (tests pass a seeded one). */
  random?: () => number;
  now?: () => number;
  /** Operator-approved switches ("route R uses B instead of A"), applied after the policy. */
  switches?: RouteSwitches;
  /**
   * Sessions' routes and models (`RouteRequest.session`); the server keeps one store across
   * reloads. Without it, or with `server.session_ttl_seconds` 0, there is no affinity.
   */
  sessions?: SessionAffinity;
  /**
   * Whether catalog models run in child processes when their declaration does not say
   * (`ModelRegistryOptions.isolateModels`); default true, false under `serve --edge`.
   */
  isolateModels?: boolean;
  /**
   * How long a catalog model stays loaded after its last call, in milliseconds, instead of the
   * config's `server.unload_idle_seconds` (`serve --unload-idle`); 0 keeps models loaded.
   */
  unloadIdleMs?: number;
  /**
   * The router this one replaces (a reload of the routes config): each model it loaded that
   * the new config declares the same way is taken over loaded, with its circuit breaker and
   * calls in flight, and listeners of model health carry over. Retire it with `retire`.
   */
  previous?: Router;
}

export interface RouteRequest {
  requestId?: string;
  task: TaskId;
  /** `auto`, a route name or a model id. */
  model: string;
  inputs: readonly BackendInput[];
  /**
   * The text classification reads (the last user message, the first input); null when the
   * input has none (an image, a sound): `auto` then takes the default route among those
   * serving the task, since the text classifiers have nothing to read.
   */
  text: string | null;
  /** Sub-segment for the learner (a language, a product line). */
  domain?: string | null;
  /**
   * The request's language as the client named it (`x-modelscout-language`, a normalised
   * code): candidates declaring other languages are passed over (ADR 0058). Without it, a
   * target's `language_detector` names it.
   */
  language?: string | null;
  /**
   * The client's session (`x-modelscout-session`): a request for `auto` or a route goes to
   * the route and model that answered the session's last request of the same kind, while
   * that model is available (`session-affinity.ts`).
   */
  session?: string | null;
  /** The caller's cancellation (an `AbortSignal` will do). */
  signal?: CancelSignal;
  /** Client headers the model's server gets too (`server.forward_headers`, `RunOptions.headers`). */
  forwardHeaders?: Readonly<Record<string, string>> | undefined;
  /**
   * Stream the answer where the model can (text generation, a backend with `doStream`): the
   * result then carries `stream` (one input) or `choiceStreams` (several: `n` choices) and no
   * outputs. A model counts as answering once its first piece arrives (every input's, for
   * several), within the target's timeout; until then a failure falls back to the next
   * candidate as usual, after it nothing can.
   */
  stream?: boolean;
  /**
   * The text of each input, given when a batch's items may go to different routes (a text
   * `/v1/tasks/<task>` batch): with `auto`, two inputs or more and no session, each item is
   * classified on its own, the items are grouped by route, each group is routed as a batch of
   * its own, and the result carries the `batch` split when they went to more than one route
   * (ADR 0081). Ignored otherwise: the request is routed as one, by `text`.
   */
  itemTexts?: readonly string[] | undefined;
  /**
   * The body's field that asked for each need whose field differs by endpoint (`logprobs`:
   * chat's and the legacy completions' `logprobs`, the Responses API's `top_logprobs` or
   * `include`; images: `messages` or `input`), for the 400 that names it (`param`) when no
   * candidate can take the request. Needs named alike everywhere are the router's own
   * (`NEED_FIELDS`).
   */
  needFields?: NeedFields | undefined;
}

/** Per need, the request field that asked for it (`RouteRequest.needFields`). */
export type NeedFields = Readonly<Partial<Record<RequestNeed, string>>>;

/** One route's share of a split batch (`BatchSplit`). */
export interface BatchGroup {
  /** The positions of the group's inputs in the request, ascending. */
  indexes: number[];
  /** The group's own routing: its decision (own request id), outputs or failure. */
  result: RouteResult;
}

/** Where each item of a batch whose items went to different routes went (ADR 0081). */
export interface BatchSplit {
  /** In the order of their first item: the group holding item 0 is first. */
  groups: BatchGroup[];
  /**
   * Per item: its group, its place among the group's inputs and outputs, and why it went
   * there (its own classification, the group's model).
   */
  items: BatchItem[];
}

/** Where one item of a batch went (`BatchSplit.items`). */
export interface BatchItem {
  group: number;
  position: number;
  reason: string;
  /**
   * The item's own classification, on an item after its group's first (whose own is the
   * group decision's) when the router classified each item and this one is the first with its
   * text: what its classification's model calls cost is its own (ADR 0090). Absent on an item
   * classified with an earlier one of the same text, or not classified apart.
   */
  classification?: ClassificationTrace;
}

export type RouteFailureStatus = 400 | 429 | 502 | 503 | 504;

export type RouteResult =
  | {
      ok: true;
      decision: RoutingDecision;
      /** Empty when the answer is a `stream`. */
      outputs: BackendOutput[];
      /** Time inside the model call that answered (to its first piece, if streamed), ms. */
      modelLatencyMs: number;
      /** The answer's pieces, the first already received (`RouteRequest.stream`). */
      stream?: TextStream;
      /**
       * Instead of `stream`, for several inputs (`n` choices): each input's pieces, in order,
       * each with its first piece already received.
       */
      choiceStreams?: TextStream[];
      /** Set when the batch's items went to more than one route: `decision` is group 0's. */
      batch?: BatchSplit;
      /**
       * Set when a batch's items were each classified and all went to one route: each item's
       * reason (its own classification, the request's model), for its log row (ADR 0081).
       */
      itemReasons?: string[];
      /** With `itemReasons`: each item's own classification, as `BatchItem.classification`. */
      itemClassifications?: (ClassificationTrace | undefined)[];
    }
  | {
      ok: false;
      decision: RoutingDecision;
      status: RouteFailureStatus;
      message: string;
      /** For 503 (no candidate free) and 429: when trying again makes sense. */
      retryAfterMs?: number;
      /**
       * For a 400 because every candidate lacked what one request field asks for: the field
       * (`suffix`, `logit_bias`), for the answer's `param`.
       */
      param?: string;
      /**
       * Why a 503 called no model: every candidate's breaker is open, or at least one was at
       * its `max_in_flight` cap and the others open.
       */
      unavailable?: "circuit_open" | "at_capacity";
      /**
       * Set when the batch's items went to more than one route and a group failed: the
       * request fails as a whole; `decision` is the first failed group's.
       */
      batch?: BatchSplit;
      /** As on success: each item's reason, when its items were classified onto one route. */
      itemReasons?: string[];
      /** As on success: each item's own classification, with `itemReasons`. */
      itemClassifications?: (ClassificationTrace | undefined)[];
    };

export interface ModelListing {
  id: string;
  kind: "auto" | "route" | "model";
  /** Tasks it serves. */
  tasks: string[];
  description?: string;
  provider?: string;
}

export interface RouterHealth {
  ready: boolean;
  models: Record<
    string,
    ModelLoadStatus & {
      breaker: BreakerSnapshot;
      /** Calls in flight against the model's `max_in_flight` (ADR 0033). */
      load: InFlightSnapshot;
      provider: string;
      /** Active health checks' view, for models that are checked (`startHealthChecks`). */
      health?: ModelHealth;
    }
  >;
  classification: ClassificationStepStatus[];
  /** Route targets with no candidate a call could go to now. */
  unavailable: string[];
}

/** Longest a target's language detector may take before the request goes on without it. */
const LANGUAGE_DETECTION_TIMEOUT_MS = 2000;
/** What a language detector reads of a request's text (`opening`: no surrogate pair cut in two). */
const LANGUAGE_TEXT_CHARS = 1000;

/**
 * `target` with the candidates that serve `language` (those declaring it, and those
 * declaring no languages), made once per language; null when none does.
 */
function candidatesFor(
  perLanguage: Map<string, RouteTarget>,
  target: RouteTarget,
  language: string,
): RouteTarget | null {
  const made = perLanguage.get(language);
  if (made !== undefined) return made;
  const candidates = target.candidates.filter(
    (candidate) => candidate.languages === null || candidate.languages.includes(language),
  );
  if (candidates.length === 0) return null;
  if (perLanguage.size >= MAX_LANGUAGES_PER_TARGET) perLanguage.clear();
  // biome-ignore lint/plugin/no-spread-then-field: once per target and language
  const kept: RouteTarget = { ...target, candidates };
  perLanguage.set(language, kept);
  return kept;
}

/** Languages kept per target (codes come from a header or a model, so they are bounded). */
const MAX_LANGUAGES_PER_TARGET = 256;

/** A cascade's answer below `min_confidence`, kept in case no later candidate answers. */
interface UnsureAnswer {
  model: string;
  outputs: BackendOutput[];
  latencyMs: number;
  /** `leastTopScore` of the outputs. */
  confidence: number;
}

/**
 * How sure a labelling answer is: its top label's score, and for a batch the least sure
 * item's (one unsure item sends the whole batch on). 0 for an answer with no label.
 */
function leastTopScore(outputs: readonly BackendOutput[]): number {
  let least = Number.POSITIVE_INFINITY;
  for (const output of outputs) {
    const top = output.kind === "labels" ? (topLabelScore(output)?.score ?? 0) : 0;
    if (top < least) least = top;
  }
  return least === Number.POSITIVE_INFINITY ? 0 : least;
}

/** Retry-After of a 503 because every candidate was at its `max_in_flight`. */
const AT_CAPACITY_RETRY_AFTER_MS = 1000;

/**
 * Takes a slot of the model's `max_in_flight`, then asks its breaker: null when the call
 * may go (release the slot when it ends), else the outcome that stopped it, with nothing held.
 */
function admit(
  limit: InFlightLimit,
  breaker: CircuitBreaker,
): "at-capacity" | "circuit-open" | null {
  if (!limit.tryAcquire()) return "at-capacity";
  if (!breaker.tryAcquire()) {
    limit.release();
    return "circuit-open";
  }
  return null;
}

/** Why a call to `model` did not go (`admit`'s outcome), in words. */
function refusalText(
  model: string,
  outcome: "at-capacity" | "circuit-open",
  limit: InFlightLimit | undefined,
): string {
  return outcome === "at-capacity"
    ? `${model} has its max_in_flight of ${limit?.snapshot().maxInFlight} calls running`
    : `${model}'s circuit breaker is open`;
}

/** What a failed call tells its model's breaker: a failure when it counts, else the trial freed. */
function settleBreaker(breaker: CircuitBreaker, verdict: FailureVerdict, message: string): void {
  if (verdict.countsAgainstBackend) breaker.recordFailure(message, verdict.restMs);
  else breaker.release();
}

interface FailureVerdict {
  outcome: Exclude<AttemptOutcome, "ok" | "circuit-open" | "at-capacity">;
  status?: number;
  retryable: boolean;
  /** Whether the failure says the backend is unhealthy (counts towards its breaker). */
  countsAgainstBackend: boolean;
  /** The server's `Retry-After` (429, 503): its breaker stays open so long (ADR 0034). */
  restMs?: number;
}

/** The request field a refused attempt's error names (`details.param`), else null. */
function refusalParam(error: unknown): string | null {
  return ModelScoutError.isInstance(error) && typeof error.details.param === "string"
    ? error.details.param
    : null;
}

function judgeFailure(error: unknown): FailureVerdict {
  if (error instanceof DeadlineExceeded) {
    return { outcome: "timeout", retryable: true, countsAgainstBackend: true };
  }
  if (ModelScoutError.isInstance(error)) {
    const status = typeof error.details.status === "number" ? error.details.status : undefined;
    const restMs =
      typeof error.details.retryAfterMs === "number" ? error.details.retryAfterMs : undefined;
    const rest = restMs === undefined ? {} : { restMs };
    switch (error.code) {
      case "BACKEND_TIMEOUT":
        return { outcome: "timeout", retryable: true, countsAgainstBackend: true };
      case "BACKEND_REQUEST_FAILED":
        if (status === 429) {
          return {
            outcome: "rate-limited",
            status,
            retryable: true,
            countsAgainstBackend: true,
            ...rest,
          };
        }
        if (status !== undefined && status < 500 && status !== 408) {
          // The server is up and judged the request: not a health problem.
          return { outcome: "error", status, retryable: false, countsAgainstBackend: false };
        }
        return {
          outcome: "error",
          ...(status !== undefined && { status }),
          retryable: true,
          countsAgainstBackend: true,
          ...rest,
        };
      case "BACKEND_CRASHED":
        return { outcome: "error", retryable: true, countsAgainstBackend: true };
      case "INVALID_ARGUMENT":
        return {
          outcome: "error",
          ...(status !== undefined && { status }),
          retryable: false,
          countsAgainstBackend: false,
        };
      default:
        return { outcome: "error", retryable: false, countsAgainstBackend: true };
    }
  }
  return { outcome: "error", retryable: false, countsAgainstBackend: true };
}

function checkOutputs(
  outputs: BackendOutput[],
  inputs: number,
  task: TaskId,
  modelId: string,
): BackendOutput[] {
  const expected = EXPECTED_OUTPUT_KIND[task];
  if (outputs.length !== inputs) {
    throw new ModelScoutError(
      "BACKEND_RESPONSE_INVALID",
      `${modelId} returned ${outputs.length} outputs for ${inputs} inputs.`,
    );
  }
  for (const output of outputs) {
    if (expected !== undefined && output.kind !== expected) {
      throw new ModelScoutError(
        "BACKEND_RESPONSE_INVALID",
        `${modelId} returned ${output.kind} for a ${task} request (expected ${expected}).`,
      );
    }
  }
  return outputs;
}

/**
 * Embeddings of the length the request asked for (`dimensions`), or a refusal of this model
 * (a 400 attempt that leaves its breaker alone, so the next candidate is tried): vectors of
 * another length would break the caller's index.
 */
function checkDimensions(
  outputs: readonly BackendOutput[],
  inputs: readonly BackendInput[],
  modelId: string,
): void {
  for (const [index, input] of inputs.entries()) {
    if (typeof input !== "object" || !("dimensions" in input) || input.dimensions === undefined) {
      continue;
    }
    const output = outputs[index];
    if (output?.kind === "embedding" && output.vector.length !== input.dimensions) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${modelId} gives ${output.vector.length}-dimensional embeddings and cannot shorten them to the ${input.dimensions} asked for (dimensions)`,
        { details: { status: 400, param: "dimensions", dimensions: input.dimensions } },
      );
    }
  }
}

/** What a request asks of a model beyond its task's plain inputs and outputs. */
export type RequestNeed =
  | "toolCalls"
  | "imageInputs"
  | "logprobs"
  | "logitBias"
  | "audioFiles"
  | "rawCompletions"
  | "candidateLabels";
const NO_NEEDS: readonly RequestNeed[] = [];

const NEED_REFUSALS: Record<RequestNeed, string> = {
  toolCalls: "cannot call tools (only OpenAI-compatible chat models can)",
  imageInputs:
    'does not read images (declare a vision model with "vision": true in the routes config)',
  logprobs: "cannot return token log probabilities (only models behind a server can)",
  logitBias: "cannot take logit_bias (only OpenAI-compatible chat models can)",
  rawCompletions:
    'answers chat turns and cannot fill in the middle of a text (suffix): declare a server that completes raw text with "raw_completions": true',
  candidateLabels:
    "answers with labels of its own and cannot pick among the request's candidate_labels (zero-shot classifiers and prompted models behind a server can)",
  audioFiles:
    "decodes only WAV audio (models behind a speech server take MP3, Ogg and the rest): convert the recording, for example ffmpeg -i in.mp3 -ac 1 -ar 16000 out.wav",
};

/**
 * The request field that asks for a need, where every endpoint that can ask for it names it
 * the same: a 400 because no candidate could take it names the field (`param`). The others
 * come from different fields on different endpoints, which name them in the request
 * (`RouteRequest.needFields`).
 */
const NEED_FIELDS: Partial<Record<RequestNeed, string>> = {
  rawCompletions: "suffix",
  logitBias: "logit_bias",
  // At the top of a /v1/tasks body or in its `parameters`, named the same in both.
  candidateLabels: "candidate_labels",
};

const AUDIO_FILE_NEEDS: readonly RequestNeed[] = ["audioFiles"];
const CANDIDATE_LABEL_NEEDS: readonly RequestNeed[] = ["candidateLabels"];

function requestNeeds(task: TaskId, inputs: readonly BackendInput[]): readonly RequestNeed[] {
  if (inputs.some(needsAudioFile)) return AUDIO_FILE_NEEDS;
  if (task === "text-generation") return chatNeeds(inputs[0]);
  // Only the first input: /v1/tasks gives every input of a request the same labels.
  return needsCandidateLabels(inputs[0]) ? CANDIDATE_LABEL_NEEDS : NO_NEEDS;
}

function chatNeeds(input: BackendInput | undefined): readonly RequestNeed[] {
  const tools = needsToolCalls(input);
  const images = needsImageInput(input);
  const logprobs = needsLogprobs(input);
  const bias = needsLogitBias(input);
  const raw = needsRawCompletion(input);
  if (!tools && !images && !logprobs && !bias && !raw) return NO_NEEDS; // most chats: no list made
  const needs: RequestNeed[] = [];
  if (tools) needs.push("toolCalls");
  if (images) needs.push("imageInputs");
  if (logprobs) needs.push("logprobs");
  if (bias) needs.push("logitBias");
  if (raw) needs.push("rawCompletions");
  return needs;
}

/** The first of `needs` that `backend` cannot meet, or undefined when it meets them all. */
function missingNeed(
  backend: ModelBackend,
  needs: readonly RequestNeed[],
): RequestNeed | undefined {
  const description = backend.describe();
  return needs.find((need) => description[need] !== true);
}

/**
 * The request field a candidate passed over for `need` is about (the endpoint's `fields`,
 * else `NEED_FIELDS`; tool calls: `tools` when the request declared some, as chat and the
 * Responses API both name them, not when only its turns hold tool calls); null when no one
 * field asks for it. A refusal after the call names its field itself (`refusalParam`:
 * `dimensions`).
 */
function needField(
  need: RequestNeed,
  input: BackendInput | undefined,
  fields: NeedFields | undefined,
): string | null {
  if (need === "toolCalls") return declaresTools(input) ? "tools" : null;
  return fields?.[need] ?? NEED_FIELDS[need] ?? null;
}

/**
 * The field a 400 names when every candidate tried refused the request over that one field
 * (`refusedFields` holds one entry per refused attempt, in order); undefined otherwise.
 */
function refusedField(
  tried: readonly AttemptRecord[],
  refusedFields: readonly (string | null)[] | undefined,
): string | undefined {
  const field = refusedFields?.[0];
  if (field == null || refusedFields?.length !== tried.length) return undefined;
  return refusedFields.every((other) => other === field) ? field : undefined;
}

interface ResolvedTarget {
  route: RouteDefinition | null;
  target: RouteTarget;
  routeReason: string;
  classification: RoutingDecision["classification"];
}

/** Route name, route reason, model, model reason: the reason (`Router.#explain`). */
type ReasonTree = Map<string, ReasonTree | string>;

/** A session's key for a request and, when it is pinned and the pin still serves, where to. */
interface SessionFound {
  key: string;
  pinned: ResolvedTarget | undefined;
  model: string;
}

/** `tree`'s branch for `key`, made if missing. */
function branch(tree: ReasonTree, key: string): ReasonTree {
  let next = tree.get(key);
  if (next === undefined || typeof next === "string") {
    next = new Map();
    tree.set(key, next);
  }
  return next;
}

function reasonText(resolved: ResolvedTarget, model: string, modelReason: string): string {
  return resolved.route === null
    ? `model ${model} ${modelReason}`
    : `route ${resolved.route.name} (${resolved.routeReason}); model ${model}: ${modelReason}`;
}

/**
 * The reason of each item of a batch routed together: the decision's reason is its first
 * item's route reason and the call's model reason, so each item gets its own route reason
 * with the same model reason (the decision's whole reason when it has another shape).
 */
function itemReasonsOf(decision: RoutingDecision, items: readonly ResolvedTarget[]): string[] {
  const prefix = reasonText(items[0] as ResolvedTarget, decision.model, "");
  const modelReason = decision.reason.startsWith(prefix)
    ? decision.reason.slice(prefix.length)
    : null;
  return items.map((item) =>
    modelReason === null ? decision.reason : reasonText(item, decision.model, modelReason),
  );
}

/** Reasons `Router.#explain` keeps before it starts again (a fallback's reason names what failed). */
const MAX_KEPT_REASONS = 1024;

/** The route and model reasons of a request that followed its session (`RouteRequest.session`). */
const SESSION_ROUTE_REASON = "the session's route";
const SESSION_MODEL_REASON = "the session's model";

export class Router {
  readonly config: RoutesConfig;
  readonly registry: ModelRegistry;
  readonly classifier: RequestClassifier;
  readonly #learner: RouteLearner | undefined;
  readonly #switches: RouteSwitches | undefined;
  /** Undefined when affinity is off (no store, or a TTL of 0). */
  readonly #sessions: SessionAffinity | undefined;
  readonly #breakers = new Map<string, CircuitBreaker>();
  /** Every model's, capped or not (an uncapped one only counts). */
  readonly #limits = new Map<string, InFlightLimit>();
  readonly #routes: Map<string, RouteDefinition>;
  /** Route names serving each task, in config order. */
  readonly #eligible = new Map<TaskId, Set<string>>();
  readonly #random: () => number;
  readonly #now: () => number;
  #warmedUp = false;
  #healthChecker: HealthChecker | undefined;
  /** Shared with the router this one replaced, so a listener's removal works across reloads. */
  readonly #healthListeners: Set<(id: string, health: ModelHealth) => void>;
  /** Likewise: a breaker kept across reloads tells the same set. */
  readonly #breakerListeners: Set<(id: string, change: BreakerChange) => void>;
  /** Likewise, for models unloaded when idle and loaded again (ADR 0099). */
  readonly #loadListeners: Set<(id: string, status: ModelLoadStatus) => void>;
  /** The replaced router's classifier, until `warmUp` has taken its embedded examples. */
  #previousClassifier: RequestClassifier | undefined;

  /** Whether `model` is one of this router's models (a route switch may name another). */
  readonly #runs = (model: string): boolean => this.registry.get(model) !== undefined;

  /** Whether a call could go to `model` now (`OrderContext.isAvailable`), made once. */
  readonly #isAvailable = (model: string): boolean =>
    (this.#breakers.get(model)?.wouldAllow() ?? false) &&
    (this.#limits.get(model)?.hasRoom() ?? false);
  /**
   * Targets with candidates that declare `languages`, and their candidates kept per request
   * language, made on first use (ADR 0058). Other targets are not in it: one lookup a request.
   */
  readonly #byLanguage = new Map<RouteTarget, Map<string, RouteTarget>>();
  /** Reasons of requests routed by name, by route reason, model and model reason (`#explain`). */
  readonly #reasons: ReasonTree = new Map();
  #reasonCount = 0;

  /** `makeClassifier` is given the gate its steps' model calls go through (`#admitCall`). */
  constructor(
    options: RouterOptions,
    registry: ModelRegistry,
    makeClassifier: (gate: ModelCallGate) => RequestClassifier,
  ) {
    this.config = options.config;
    this.registry = registry;
    const previous = options.previous;
    this.#healthListeners = previous === undefined ? new Set() : previous.#healthListeners;
    this.#breakerListeners = previous === undefined ? new Set() : previous.#breakerListeners;
    this.#loadListeners = previous === undefined ? new Set() : previous.#loadListeners;
    registry.onStatusChange = (id, status) => {
      for (const listener of this.#loadListeners) listener(id, status);
    };
    this.#previousClassifier = previous?.classifier;
    this.classifier = makeClassifier((model) => this.#admitCall(model));
    this.#learner = options.learner;
    this.#switches = options.switches;
    this.#sessions = options.config.server.sessionTtlMs > 0 ? options.sessions : undefined;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#routes = new Map(options.config.routes.map((route) => [route.name, route]));
    for (const route of options.config.routes) {
      for (const [task, target] of route.targets) {
        const names = this.#eligible.get(task) ?? new Set<string>();
        names.add(route.name);
        this.#eligible.set(task, names);
        if (target.candidates.some((candidate) => candidate.languages !== null)) {
          this.#byLanguage.set(target, new Map());
        }
      }
    }
    const caps = new Map(
      options.config.models.map((declaration) => [declaration.id, declaration.max_in_flight]),
    );
    const sameBreakers =
      previous !== undefined &&
      JSON.stringify(previous.config.server.circuitBreaker) ===
        JSON.stringify(options.config.server.circuitBreaker);
    const handedOver = new Set(previous?.registry.handedOverTo(registry));
    const breakerListeners = this.#breakerListeners;
    const { failureThreshold, coolDownMs } = options.config.server.circuitBreaker;
    for (const id of registry.ids()) {
      const kept =
        previous !== undefined && handedOver.has(id)
          ? { limit: previous.#limits.get(id), breaker: previous.#breakers.get(id) }
          : undefined;
      const limit = kept?.limit;
      this.#limits.set(
        id,
        limit !== undefined && limit.snapshot().maxInFlight === (caps.get(id) ?? null)
          ? limit
          : new InFlightLimit(caps.get(id)),
      );
      this.#breakers.set(
        id,
        sameBreakers && kept?.breaker !== undefined
          ? kept.breaker
          : new CircuitBreaker({
              failureThreshold,
              coolDownMs,
              now: this.#now,
              onChange: (change) => {
                for (const listener of breakerListeners) {
                  try {
                    listener(id, change);
                  } catch {
                    // A listener (the relay to other workers) must not fail the call.
                  }
                }
              },
            }),
      );
    }
  }

  /**
   * Ends this router's part once `successor` (built with `previous: this`) serves in its
   * place: stops its health checks, waits for its calls in flight to the models the successor
   * did not take over (each call ends by its deadline; the wait gives up after the longest
   * deadline, a stream relayed for longer is cut), then unloads those models.
   */
  async retire(successor: Router): Promise<void> {
    await this.stopHealthChecks();
    const kept = new Set(this.registry.handedOverTo(successor.registry));
    const leaving = this.registry.ids().filter((id) => !kept.has(id));
    const longest = Math.max(
      0,
      ...leaving.map((id) => this.registry.deadlineMs(id) ?? DIRECT_TIMEOUT_MS),
    );
    const until = performance.now() + longest;
    const busy = () => leaving.some((id) => (this.#limits.get(id)?.snapshot().inFlight ?? 0) > 0);
    while (busy() && performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.registry.close(successor.registry);
  }

  /**
   * A call to `model` outside routing (a classification step's), under the same breaker and
   * `max_in_flight` cap as routed calls (ADR 0035): a pass to end when the call ends, or why
   * the call may not go now.
   */
  #admitCall(model: string): ModelCallPass | string {
    const limit = this.#limits.get(model);
    const breaker = this.#breakers.get(model);
    // A model outside the registry (a classifier built apart from it) has neither to honour.
    if (limit === undefined || breaker === undefined) return { end() {} };
    const refused = admit(limit, breaker);
    if (refused !== null) return refusalText(model, refused, limit);
    let ended = false;
    return {
      end(error, clientLeft) {
        if (ended) return;
        ended = true;
        limit.release();
        if (error === undefined) breaker.recordSuccess();
        else if (clientLeft === true) breaker.release();
        // A deadline's message is "no answer within N ms", as a routed attempt's.
        else settleBreaker(breaker, judgeFailure(error), errorMessage(error));
      },
    };
  }

  /**
   * The request's language for a target whose candidates declare languages: the client's
   * `x-modelscout-language`, else the target's `language_detector` on the first
   * `LANGUAGE_TEXT_CHARS` of the text, through the detector's breaker and cap like a
   * classification step's model. A detector that is unavailable, fails, or names no language
   * leaves it unknown (every candidate stays), which the reason says.
   */
  async #requestLanguage(
    request: RouteRequest,
    target: RouteTarget,
  ): Promise<{ code: string | null; reason: string }> {
    if (request.language != null) {
      return { code: request.language, reason: `language ${request.language} (header)` };
    }
    const detector = target.languageDetector;
    const text = request.text;
    if (detector === null || text === null) {
      return { code: null, reason: "language unknown" };
    }
    const backend = this.registry.get(detector);
    if (backend === undefined) {
      return { code: null, reason: `language unknown (${detector} is not loaded)` };
    }
    const pass = this.#admitCall(detector);
    if (typeof pass === "string") return { code: null, reason: `language unknown (${pass})` };
    try {
      const outputs = await withDeadline(
        (run) => backend.doRun([opening(text, LANGUAGE_TEXT_CHARS).text], run),
        LANGUAGE_DETECTION_TIMEOUT_MS,
        request.signal,
      );
      pass.end();
      const first = outputs[0];
      const top = first?.kind === "labels" ? topLabel(first) : null;
      const code = top === null ? null : normaliseLanguage(top);
      return code === null
        ? { code: null, reason: `language unknown (${detector} named none)` }
        : { code, reason: `language ${code} (${detector})` };
    } catch (error) {
      const clientLeft = request.signal?.aborted === true;
      pass.end(error, clientLeft);
      if (clientLeft) throw error;
      return {
        code: null,
        reason: `language unknown (${detector} failed: ${errorMessage(error)})`,
      };
    }
  }

  /**
   * Loads every model and embeds the classification examples (those of a step unchanged
   * since the router this one replaces are taken from it). Failures are kept for `health()`.
   */
  async warmUp(signal?: AbortSignal): Promise<RouterHealth> {
    await this.registry.loadAll(signal);
    const previous = this.#previousClassifier;
    this.#previousClassifier = undefined; // reloads must not chain routers
    await this.classifier.prepare(signal, previous);
    this.#warmedUp = true;
    return this.health();
  }

  /**
   * Starts the active health checks of the models behind servers (`server.health_checks`;
   * none when its interval is 0, and none of a model declared `health_check: false`).
   * Call after `warmUp`; `stopHealthChecks` ends them.
   */
  startHealthChecks(): HealthChecker | undefined {
    const settings = this.config.server.healthChecks;
    if (settings.intervalMs === 0 || this.#healthChecker !== undefined) return this.#healthChecker;
    const optedOut = new Set(
      this.config.models
        .filter(
          (declaration) => "health_check" in declaration && declaration.health_check === false,
        )
        .map((declaration) => declaration.id),
    );
    const models = this.registry.ids().flatMap((id) => {
      const backend = this.registry.get(id);
      const breaker = this.#breakers.get(id);
      if (optedOut.has(id) || backend === undefined || breaker === undefined) return [];
      return [{ id, backend, breaker }];
    });
    this.#healthChecker = new HealthChecker(models, settings, undefined, (id, health) => {
      for (const listener of this.#healthListeners) listener(id, health);
    });
    this.#healthChecker.start();
    return this.#healthChecker;
  }

  /**
   * Hears of each checked model whose health check verdict changed (healthy, unhealthy);
   * returns the removal. Works before or after `startHealthChecks`.
   */
  onModelHealthChange(listener: (id: string, health: ModelHealth) => void): () => void {
    this.#healthListeners.add(listener);
    return () => this.#healthListeners.delete(listener);
  }

  /**
   * Hears of each model that was unloaded for being idle or loaded again on a call
   * (`server.unload_idle_seconds`, ADR 0099); returns the removal. Holds across reloads.
   */
  onModelLoadChange(listener: (id: string, status: ModelLoadStatus) => void): () => void {
    this.#loadListeners.add(listener);
    return () => this.#loadListeners.delete(listener);
  }

  async stopHealthChecks(): Promise<void> {
    await this.#healthChecker?.stop();
  }

  breaker(modelId: string): CircuitBreaker | undefined {
    return this.#breakers.get(modelId);
  }

  /**
   * Hears of each opening and closing that a model's breaker's own calls make (not of those
   * it adopts); returns the removal. Kept across reloads, as the breakers are.
   */
  onBreakerChange(listener: (id: string, change: BreakerChange) => void): () => void {
    this.#breakerListeners.add(listener);
    return () => this.#breakerListeners.delete(listener);
  }

  /** The models whose breakers their calls hold open now, with each opening (`CircuitBreaker.currentOpening`). */
  breakerOpenings(): { model: string; change: BreakerChange }[] {
    return [...this.#breakers].flatMap(([model, breaker]) => {
      const change = breaker.currentOpening();
      return change === null ? [] : [{ model, change }];
    });
  }

  /** Applies another server's breaker change of `modelId` (`CircuitBreaker.adopt`); a model this router lacks is skipped. */
  adoptBreakerChange(modelId: string, change: BreakerChange): void {
    this.#breakers.get(modelId)?.adopt(change);
  }

  /** The error for a `model` that is neither `auto`, a route nor a model of this router. */
  unknownModel(model: string): ModelScoutError {
    const routes = this.config.routes.map((entry) => entry.name).join(", ");
    return new ModelScoutError(
      "NOT_FOUND",
      `The model "${model}" does not exist here: use "auto", a route (${routes}) or a configured model id (GET /v1/models lists them).`,
      { details: { param: "model", model, openaiCode: "model_not_found" } },
    );
  }

  /** What `GET /v1/models` lists: `auto`, the routes, the configured models. */
  listing(): ModelListing[] {
    const listing: ModelListing[] = [
      {
        id: AUTO_MODEL,
        kind: "auto",
        tasks: [...this.#eligible.keys()],
        description: "classify each request into a route",
      },
    ];
    for (const route of this.config.routes) {
      listing.push({
        id: route.name,
        kind: "route",
        tasks: [...route.targets.keys()],
        ...(route.description !== null && { description: route.description }),
      });
    }
    for (const id of this.registry.ids()) {
      const description = this.registry.require(id).describe();
      listing.push({
        id,
        kind: "model",
        tasks: [description.task],
        provider: description.provider,
      });
    }
    return listing;
  }

  health(): RouterHealth {
    const status = this.registry.status();
    const checks = this.#healthChecker?.status() ?? {};
    const models: RouterHealth["models"] = {};
    for (const id of this.registry.ids()) {
      const health = checks[id];
      models[id] = Object.assign(
        {},
        status.get(id) ?? { loaded: false, loadMs: null, error: null },
        {
          breaker: (this.#breakers.get(id) as CircuitBreaker).snapshot(),
          load: (this.#limits.get(id) as InFlightLimit).snapshot(),
          provider: this.registry.require(id).provider,
          ...(health !== undefined && { health }),
        },
      );
    }
    const unavailable: string[] = [];
    for (const route of this.config.routes) {
      for (const [task, target] of route.targets) {
        const usable = target.candidates.some(
          (candidate) =>
            status.get(candidate.model)?.error == null &&
            this.#breakers.get(candidate.model)?.wouldAllow() === true,
        );
        if (!usable) unavailable.push(`${route.name}/${task}`);
      }
    }
    return {
      ready: this.#warmedUp && unavailable.length === 0,
      models,
      classification: this.classifier.status(),
      unavailable,
    };
  }

  /** Whether `model` names a route or a model this router knows. */
  knows(model: string): boolean {
    return (
      model === AUTO_MODEL || this.#routes.has(model) || this.registry.get(model) !== undefined
    );
  }

  route(request: RouteRequest): Promise<RouteResult> {
    const texts = request.itemTexts;
    if (
      texts !== undefined &&
      request.model === AUTO_MODEL &&
      request.inputs.length > 1 &&
      texts.length === request.inputs.length &&
      request.session == null &&
      request.stream !== true
    ) {
      return this.#routeItems(request, texts);
    }
    return this.#routeOne(request, undefined);
  }

  /**
   * A batch's items each classified as it would be alone, then routed a group per route
   * (`RouteRequest.itemTexts`, ADR 0081). Items landing on one route are routed as one
   * request with the first item's classification, as before: the same decision and answer,
   * with each item's own reason beside it (`itemReasons`) for the item's log row. The distinct texts are classified together (`RequestClassifier.classifyEach`): each
   * model step embeds or labels all the texts it reads in one call. One call also keeps the
   * items from contending for the model's `max_in_flight`: an item turned away would fall to
   * the default route, where it would not have gone alone.
   */
  async #routeItems(request: RouteRequest, texts: readonly string[]): Promise<RouteResult> {
    const eligible = this.#eligible.get(request.task);
    if (eligible === undefined || eligible.size < 2) return this.#routeOne(request, undefined);
    const distinct = [...new Set(texts)];
    const classifications = await this.classifier.classifyEach(distinct, eligible, request.signal);
    const byText = new Map<string, ResolvedTarget>();
    for (const [index, text] of distinct.entries()) {
      const classification = classifications[index] as ClassificationTrace;
      byText.set(text, this.#classified(request, classification, true));
    }
    const resolvedItems: ResolvedTarget[] = [];
    const byRoute = new Map<string, number[]>();
    /**
     * Each item's own classification when it is the first with its text and not its group's
     * first (whose own is the group's decision's): an item whose text came before was
     * classified with that one, at no cost of its own (ADR 0090).
     */
    const ownClassifications: (ClassificationTrace | undefined)[] = [];
    const classifiedTexts = new Set<string>();
    for (const [index, text] of texts.entries()) {
      const resolved = byText.get(text) as ResolvedTarget;
      resolvedItems.push(resolved);
      const name = (resolved.route as RouteDefinition).name;
      const indexes = byRoute.get(name);
      const firstOfGroup = indexes === undefined;
      if (indexes === undefined) byRoute.set(name, [index]);
      else indexes.push(index);
      const firstOfText = !classifiedTexts.has(text);
      classifiedTexts.add(text);
      ownClassifications.push(
        firstOfText && !firstOfGroup ? (resolved.classification ?? undefined) : undefined,
      );
    }
    if (byRoute.size === 1) {
      // Answered as one, but logged a row per item (ADR 0081, second addendum): each row's
      // reason is its own item's classification.
      const result = await this.#routeOne(request, resolvedItems[0]);
      result.itemReasons = itemReasonsOf(result.decision, resolvedItems);
      result.itemClassifications = ownClassifications;
      return result;
    }
    const requestId = request.requestId ?? newRequestId();
    const groupIndexes = [...byRoute.values()];
    const results = await Promise.all(
      groupIndexes.map((indexes, group) => {
        const first = indexes[0] as number;
        return this.#routeOne(
          {
            requestId: group === 0 ? requestId : newRequestId(),
            task: request.task,
            model: request.model,
            inputs: indexes.map((index) => request.inputs[index] as BackendInput),
            text: texts[first] as string,
            domain: request.domain ?? null,
            language: request.language ?? null,
            session: null,
            ...(request.signal !== undefined && { signal: request.signal }),
            forwardHeaders: request.forwardHeaders,
          },
          resolvedItems[first],
        );
      }),
    );
    const groups: BatchGroup[] = groupIndexes.map((indexes, group) => ({
      indexes,
      result: results[group] as RouteResult,
    }));
    const items: BatchItem[] = resolvedItems.map(() => ({
      group: 0,
      position: 0,
      reason: "",
    }));
    for (const [group, { indexes, result }] of groups.entries()) {
      const reasons = itemReasonsOf(
        result.decision,
        indexes.map((index) => resolvedItems[index] as ResolvedTarget),
      );
      for (const [position, index] of indexes.entries()) {
        const classification = ownClassifications[index];
        items[index] =
          classification === undefined
            ? { group, position, reason: reasons[position] as string }
            : { group, position, reason: reasons[position] as string, classification };
      }
    }
    const batch: BatchSplit = { groups, items };
    const failed = groups.find((group) => !group.result.ok);
    if (failed !== undefined && !failed.result.ok) {
      const { result } = failed;
      return {
        ok: false,
        decision: result.decision,
        status: result.status,
        message: `The batch's items went to ${groups.length} routes, and item${failed.indexes.length === 1 ? "" : "s"} ${failed.indexes.join(", ")} (route ${result.decision.route}) could not be answered, so the whole batch fails: ${result.message}`,
        ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }),
        ...(result.unavailable !== undefined && { unavailable: result.unavailable }),
        batch,
      };
    }
    const outputs: BackendOutput[] = new Array(texts.length);
    let modelLatencyMs = 0;
    for (const { indexes, result } of groups) {
      if (!result.ok) continue;
      for (const [position, index] of indexes.entries()) {
        outputs[index] = result.outputs[position] as BackendOutput;
      }
      modelLatencyMs = Math.max(modelLatencyMs, result.modelLatencyMs);
    }
    return {
      ok: true,
      decision: (results[0] as RouteResult).decision,
      outputs,
      modelLatencyMs,
      batch,
    };
  }

  /** Routes `request` as one; `given` is its route when classified already (`#routeItems`). */
  async #routeOne(request: RouteRequest, given: ResolvedTarget | undefined): Promise<RouteResult> {
    const requestId = request.requestId ?? newRequestId();
    const found =
      request.session == null || this.#sessions === undefined ? null : this.#session(request);
    // Awaited only where the shared log is a round trip away (PostgreSQL).
    const session = found instanceof Promise ? await found : found;
    const pending = session?.pinned ?? given ?? this.#resolve(request);
    const resolved = pending instanceof Promise ? await pending : pending;
    let domain = request.domain ?? null;
    let target = resolved.target;
    /** What named the request's language, for the reason (ADR 0058); null: no language step. */
    let languageReason: string | null = null;
    const perLanguage = this.#byLanguage.get(target);
    if (perLanguage !== undefined) {
      const named = await this.#requestLanguage(request, target);
      languageReason = named.reason;
      if (named.code !== null) {
        const kept = candidatesFor(perLanguage, target, named.code);
        if (kept === null) languageReason += `, which no candidate declares, so any`;
        else target = kept;
        // The learner's standings and demotions then go per language, unless the client
        // named another domain (ADR 0058).
        domain ??= named.code;
      }
    }
    const learnerKey =
      resolved.route === null ? "" : learnerRouteKey(resolved.route.name, request.task);
    const pinnedModel = session?.pinned === undefined ? undefined : session.model;
    const ordered =
      resolved.route === null
        ? {
            order: target.candidates.map((candidate) => candidate.model),
            reason: "requested by id",
            explored: false,
          }
        : pinnedModel !== undefined && this.#isAvailable(pinnedModel)
          ? {
              order: firstThenListed(
                pinnedModel,
                target.candidates.map((candidate) => candidate.model),
              ),
              reason: SESSION_MODEL_REASON,
              explored: false,
            }
          : orderCandidates(target, {
              learnerKey,
              learner: this.#learner,
              isAvailable: this.#isAvailable,
              random: this.#random,
              domain,
            });
    const switched =
      resolved.route === null || this.#switches === undefined
        ? null
        : this.#switches.apply(resolved.route.name, learnerKey, ordered.order, this.#runs);
    const switchedPolicy =
      switched === null || switched.note === null
        ? ordered
        : {
            order: switched.order,
            reason: `${ordered.reason}; ${switched.note}`,
            explored: ordered.explored,
          };
    const policy =
      languageReason === null
        ? switchedPolicy
        : {
            order: switchedPolicy.order,
            reason: `${languageReason}; ${switchedPolicy.reason}`,
            explored: switchedPolicy.explored,
          };

    const attempts: AttemptRecord[] = [];
    const decision: RoutingDecision = {
      requestId,
      task: request.task,
      requested: request.model,
      route: resolved.route?.name ?? null,
      model: policy.order[0] as string,
      reason: "",
      policy: resolved.route === null ? "direct" : target.policy,
      explored: policy.explored,
      order: policy.order,
      classification: resolved.classification,
      attempts,
      domain,
    };
    const explain = (modelReason: string) => this.#explain(resolved, decision.model, modelReason);

    // A chat with tools or tool turns goes only to models that can call tools; the others are
    // passed over as having refused it (a 400 when no candidate can), not as failing.
    // Likewise a chat with images, or asking for log probabilities or biasing tokens, and a
    // recording this server did not decode.
    const needs = requestNeeds(request.task, request.inputs);
    /**
     * The field each refusal was about, in order (`needField`; null for a model's own 400):
     * made only for the first.
     */
    let refusedFields: (string | null)[] | undefined;
    /** A cascade's most confident answer so far that was below `min_confidence` (ADR 0057). */
    let unsure: UnsureAnswer | undefined;
    const lastModel = policy.order[policy.order.length - 1];
    for (const model of policy.order) {
      const breaker = this.#breakers.get(model) as CircuitBreaker;
      const limit = this.#limits.get(model) as InFlightLimit;
      const backend = this.registry.require(model);
      const missing = needs.length === 0 ? undefined : missingNeed(backend, needs);
      if (missing !== undefined) {
        const error = `${model} ${NEED_REFUSALS[missing]}`;
        attempts.push({ model, outcome: "error", latencyMs: 0, error, status: 400 });
        refusedFields ??= [];
        refusedFields.push(needField(missing, request.inputs[0], request.needFields));
        continue;
      }
      for (let attempt = 0; attempt <= target.retries; attempt += 1) {
        const refused = admit(limit, breaker);
        if (refused !== null) {
          attempts.push({ model, outcome: refused, latencyMs: 0 });
          break;
        }
        const startedAt = performance.now();
        /** Set once a stream holds the slot: it is released when the stream ends. */
        let slotHandedOver = false;
        try {
          const streamed =
            request.stream === true
              ? await openStreams(
                  backend,
                  this.registry.priceOf(model) === undefined ? request : withStreamUsage(request),
                  target.timeoutMs,
                  (error) => breaker.recordFailure(`stream broke off: ${errorMessage(error)}`),
                  () => limit.release(),
                )
              : undefined;
          if (streamed !== undefined) {
            slotHandedOver = true;
            const latencyMs = performance.now() - startedAt;
            breaker.recordSuccess();
            attempts.push({ model, outcome: "ok", latencyMs });
            decision.model = model;
            decision.reason = explain(this.#modelReason(policy.reason, attempts, model));
            if (session !== null) this.#pin(session.key, resolved, model);
            return streamed.length === 1
              ? { ok: true, decision, outputs: [], modelLatencyMs: latencyMs, stream: streamed[0] }
              : {
                  ok: true,
                  decision,
                  outputs: [],
                  modelLatencyMs: latencyMs,
                  choiceStreams: streamed,
                };
          }
          const outputs = await withDeadline(
            (run) => {
              if (request.forwardHeaders !== undefined) run.headers = request.forwardHeaders;
              return backend.doRun(request.inputs, run);
            },
            target.timeoutMs,
            request.signal,
          );
          checkOutputs(outputs, request.inputs.length, request.task, model);
          checkDimensions(outputs, request.inputs, model);
          const latencyMs = performance.now() - startedAt;
          breaker.recordSuccess();
          if (target.minConfidence !== null && model !== lastModel) {
            const confidence = leastTopScore(outputs);
            if (confidence < target.minConfidence) {
              attempts.push({
                model,
                outcome: "low-confidence",
                latencyMs,
                error: `top score ${confidence.toFixed(3)} below min_confidence ${target.minConfidence}`,
              });
              if (unsure === undefined || confidence > unsure.confidence) {
                unsure = { model, outputs, latencyMs, confidence };
              }
              break;
            }
          }
          attempts.push({ model, outcome: "ok", latencyMs });
          decision.model = model;
          decision.reason = explain(this.#modelReason(policy.reason, attempts, model));
          if (session !== null) this.#pin(session.key, resolved, model);
          return { ok: true, decision, outputs, modelLatencyMs: latencyMs };
        } catch (error) {
          const latencyMs = performance.now() - startedAt;
          if (request.signal?.aborted) {
            breaker.release();
            throw error;
          }
          const verdict = judgeFailure(error);
          const message =
            error instanceof DeadlineExceeded
              ? `no answer within ${target.timeoutMs} ms`
              : errorMessage(error);
          attempts.push({
            model,
            outcome: verdict.outcome,
            latencyMs,
            error: message,
            ...(verdict.status !== undefined && { status: verdict.status }),
          });
          if (verdict.status === 400 || verdict.status === 422) {
            refusedFields ??= [];
            refusedFields.push(refusalParam(error));
          }
          settleBreaker(breaker, verdict, message);
          // A server that said when to come back is not asked again before then.
          if (!verdict.retryable || verdict.restMs !== undefined) break;
        } finally {
          if (!slotHandedOver) limit.release();
        }
      }
    }
    if (unsure !== undefined) {
      // No later candidate answered: the cascade's most confident answer rather than none.
      decision.model = unsure.model;
      decision.reason = explain(
        `${policy.reason}; no candidate answered above min_confidence ${target.minConfidence} (${attempts
          .map((attempt) => `${attempt.model} ${attempt.outcome}`)
          .join(", ")}), so the most confident answer`,
      );
      if (session !== null) this.#pin(session.key, resolved, unsure.model);
      return { ok: true, decision, outputs: unsure.outputs, modelLatencyMs: unsure.latencyMs };
    }
    return this.#failure(decision, explain, refusedFields);
  }

  /**
   * The session's key for this request and, when the session's last answered request of the
   * same kind is remembered and its route still serves the task with its model among the
   * candidates, that route (`pinned`) and model. Requests for a model by id have no affinity.
   */
  #session(request: RouteRequest): SessionFound | null | Promise<SessionFound> {
    const sessions = this.#sessions as SessionAffinity;
    if (request.model !== AUTO_MODEL && !this.#routes.has(request.model)) return null;
    const key = sessionKey(request.session as string, request.model, request.task);
    const pin = sessions.take(key, this.#now(), this.config.server.sessionTtlMs);
    return pin instanceof Promise
      ? pin.then((taken) => this.#pinned(key, request, taken))
      : this.#pinned(key, request, pin);
  }

  /** `#session`'s answer for a pin found (or not). */
  #pinned(key: string, request: RouteRequest, pin: SessionPin | undefined): SessionFound {
    const sessions = this.#sessions as SessionAffinity;
    if (pin === undefined) return { key, pinned: undefined, model: "" };
    const route = this.#routes.get(pin.route);
    const target = route?.targets.get(request.task);
    if (
      route === undefined ||
      target === undefined ||
      !target.candidates.some((candidate) => candidate.model === pin.model)
    ) {
      sessions.forget(key);
      return { key, pinned: undefined, model: "" };
    }
    return {
      key,
      pinned: { route, target, routeReason: SESSION_ROUTE_REASON, classification: null },
      model: pin.model,
    };
  }

  /** Remembers the route and model that answered a session's request. */
  #pin(key: string, resolved: ResolvedTarget, model: string): void {
    if (resolved.route === null) return;
    (this.#sessions as SessionAffinity).remember(
      key,
      resolved.route.name,
      model,
      this.#now(),
      this.config.server.maxSessions,
    );
  }

  /**
   * The decision's reason. A request routed by name or model id (no classification) gets the
   * same text object each time for the same route, model and policy reason: made once, and
   * already flat when the answer's header and JSON read it. Bounded, as `keptPerText` is.
   */
  #explain(resolved: ResolvedTarget, model: string, modelReason: string): string {
    if (resolved.classification !== null) return reasonText(resolved, model, modelReason);
    if (this.#reasonCount >= MAX_KEPT_REASONS) {
      this.#reasons.clear();
      this.#reasonCount = 0;
    }
    const byModelReason = branch(
      branch(branch(this.#reasons, resolved.route?.name ?? ""), resolved.routeReason),
      model,
    );
    const kept = byModelReason.get(modelReason);
    if (typeof kept === "string") return kept;
    const reason = reasonText(resolved, model, modelReason);
    byModelReason.set(modelReason, reason);
    this.#reasonCount += 1;
    return reason;
  }

  #modelReason(policyReason: string, attempts: readonly AttemptRecord[], model: string): string {
    // One attempt that answered (nearly every request): no list made.
    if (attempts.length === 1 && attempts[0]?.model === model && attempts[0].outcome === "ok") {
      return policyReason;
    }
    const failed = attempts.filter(
      (attempt) => attempt.model !== model || attempt.outcome !== "ok",
    );
    if (failed.length === 0) return policyReason;
    const before = failed.map((attempt) => `${attempt.model} ${attempt.outcome}`).join(", ");
    // Unsure answers handed on by a cascade (ADR 0057) are not failures.
    const cascade = failed.every((attempt) => attempt.outcome === "low-confidence");
    return `${policyReason}; ${cascade ? "cascade" : "fallback"} after ${before}`;
  }

  #failure(
    decision: RoutingDecision,
    explain: (modelReason: string) => string,
    refusedFields?: readonly (string | null)[],
  ): RouteResult {
    const attempts = decision.attempts;
    const tried = attempts.filter(
      (attempt) => attempt.outcome !== "circuit-open" && attempt.outcome !== "at-capacity",
    );
    const last = tried.at(-1);
    if (last !== undefined) decision.model = last.model;
    const summary = attempts
      .map(
        (attempt) =>
          `${attempt.model}: ${attempt.outcome}${attempt.error === undefined ? "" : ` (${attempt.error})`}`,
      )
      .join("; ");
    if (tried.length === 0 && attempts.some((attempt) => attempt.outcome === "at-capacity")) {
      // A slot frees as soon as any call ends: a second is the shortest Retry-After there is.
      const retryAfterMs = AT_CAPACITY_RETRY_AFTER_MS;
      const why = attempts
        .map((attempt) =>
          refusalText(
            attempt.model,
            attempt.outcome === "at-capacity" ? "at-capacity" : "circuit-open",
            this.#limits.get(attempt.model),
          ),
        )
        .join("; ");
      decision.reason = explain("every candidate is at its max_in_flight or has its breaker open");
      return {
        ok: false,
        decision,
        status: 503,
        message: `No model can take this request now: ${why}. Try again in ${retryAfterMs / 1000} s, or raise max_in_flight in the routes config if the model servers can take more.`,
        retryAfterMs,
        unavailable: "at_capacity",
      };
    }
    if (tried.length === 0) {
      const retryAfterMs = this.#soonestRetryMs(decision.order, false);
      decision.reason = explain("every candidate's circuit breaker is open");
      return {
        ok: false,
        decision,
        status: 503,
        message: `No model can take this request now: the circuit breaker of every candidate is open (${decision.order.join(", ")}) after repeated failures, failed health checks or a server's Retry-After. Try again${retryAfterMs === undefined ? " later" : ` in ${Math.ceil(retryAfterMs / 1000)} s`}, or check /ready.`,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
        unavailable: "circuit_open",
      };
    }
    decision.reason = explain(`all candidates failed`);
    const outcomes = new Set(tried.map((attempt) => attempt.outcome));
    const rejectedInput = tried.every(
      (attempt) => attempt.status === 400 || attempt.status === 422,
    );
    const status: RouteFailureStatus = rejectedInput
      ? 400
      : outcomes.size === 1 && outcomes.has("rate-limited")
        ? 429
        : last?.outcome === "timeout"
          ? 504
          : 502;
    // Every model rate-limited the request: when the first of them said it would take calls
    // again (their breakers rest until then, ADR 0034), if they all said.
    const retryAfterMs =
      status === 429
        ? this.#soonestRetryMs([...new Set(tried.map((attempt) => attempt.model))], true)
        : undefined;
    const param = rejectedInput ? refusedField(tried, refusedFields) : undefined;
    return {
      ok: false,
      decision,
      status,
      // Every model refused what the client sent (a 400 or 422, or a capability it lacks):
      // the client's to change, with each model's reason.
      message: rejectedInput
        ? `No candidate takes this request as sent: ${summary}.`
        : `Every candidate failed: ${summary}.`,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(param !== undefined && { param }),
    };
  }

  /**
   * Milliseconds until the first of `models` whose breaker is open takes a call again;
   * undefined when none says when, or, with `every`, when one of them does not.
   */
  #soonestRetryMs(models: readonly string[], every: boolean): number | undefined {
    const times = models.map((model) => this.#breakers.get(model)?.snapshot().retryAtMs ?? null);
    const known = times.filter((at): at is number => at !== null);
    if (known.length === 0 || (every && known.length < times.length)) return undefined;
    return Math.max(0, Math.min(...known) - this.#now());
  }

  #classified(
    request: RouteRequest,
    classification: ClassificationTrace,
    hadText: boolean,
  ): ResolvedTarget {
    const route = this.#routes.get(classification.route) as RouteDefinition;
    const decided = classification.steps.at(-1);
    const routeReason = !hadText
      ? "default route (the input has no text to classify)"
      : classification.usedDefault || decided === undefined
        ? "default route"
        : `${decided.kind}: ${decided.detail}`;
    return {
      route,
      target: route.targets.get(request.task) as RouteTarget,
      routeReason,
      classification,
    };
  }

  /**
   * The route and target for `request`. A promise only when a classifier has to run: a
   * request for a route or model by name (most proxied traffic) resolves here and now, without
   * a promise and a turn of the microtask queue.
   */
  #resolve(request: RouteRequest): ResolvedTarget | Promise<ResolvedTarget> {
    const eligible = this.#eligible.get(request.task);
    if (request.model === AUTO_MODEL) {
      if (eligible === undefined) {
        throw new ModelScoutError(
          "NOT_FOUND",
          `No route serves ${request.task}: give one a "${request.task}" target in the routes config, or name a model that does.`,
          { details: { param: "model", task: request.task, openaiCode: "model_not_found" } },
        );
      }
      if (eligible.size === 1) {
        const route = this.#routes.get([...eligible][0] as string) as RouteDefinition;
        return {
          route,
          target: route.targets.get(request.task) as RouteTarget,
          routeReason: `the only route serving ${request.task}`,
          classification: null,
        };
      }
      if (request.text === null) {
        return this.#classified(request, this.classifier.defaultRoute(eligible), false);
      }
      return this.classifier
        .classify(request.text, eligible, request.signal)
        .then((classification) => this.#classified(request, classification, true));
    }
    const route = this.#routes.get(request.model);
    if (route !== undefined) {
      const target = route.targets.get(request.task);
      if (target === undefined) {
        // The route exists: a 400 on `model`, as for a model id of another task, not the
        // 404 of a name nothing answers to.
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Route "${route.name}" does not serve ${request.task} (it serves ${[...route.targets.keys()].join(", ")}). Use "auto" or a route with a ${request.task} target.`,
          { details: { param: "model", route: route.name, task: request.task } },
        );
      }
      return { route, target, routeReason: "requested by name", classification: null };
    }
    const backend = this.registry.get(request.model);
    if (backend === undefined) throw this.unknownModel(request.model);
    const task = backend.describe().task;
    if (!servingTasks(request.task).includes(task)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Model ${request.model} does ${task}, not ${request.task}.`,
        { details: { param: "model", model: request.model, task } },
      );
    }
    return {
      route: null,
      target: {
        task: request.task,
        policy: "fixed",
        candidates: [{ model: request.model, weight: 1, languages: null }],
        timeoutMs: this.registry.deadlineMs(request.model) ?? DIRECT_TIMEOUT_MS,
        retries: 0,
        answerValueUsd: null,
        latencySloMs: null,
        minConfidence: null,
        languageDetector: null,
      },
      routeReason: "",
      classification: null,
    };
  }
}

/**
 * `req_` and 32 hex digits: the time in milliseconds (12 digits), then 80 random bits from
 * the operating system's CSPRNG. Ids made close in time sort together, so the request log's
 * primary-key index grows at its right edge: with fully random ids each row of a batch
 * touched its own index page, and writing the log cost 43 instead of 16 us per row
 * (`docs/decisions/0016-request-log-writer-thread.md`). 80 bits keep an id unguessable
 * (feedback is posted by id). The random bytes come from a pool refilled 409 ids at a time
 * and hex-encoded in one native call per refill; the time prefix is formatted once per
 * millisecond. The server makes one per request, on the answer's path: this way an id costs
 * two substrings and a concatenation (0.11-0.13 us in a loop against 0.48 us with a native
 * call and the formatting per id, 2026-11-30).
 */
export function newRequestId(now: number = Date.now()): string {
  if (idHexOffset + ID_RANDOM_HEX > idHex.length) {
    randomFillSync(ID_POOL);
    idHex = ID_POOL.toString("hex");
    idHexOffset = 0;
  }
  // Two halves shorter than V8's shortest sliced string (13), so each is a copy: an id kept
  // long (a pending feedback entry) does not keep the whole 8 kB hex text alive.
  const start = idHexOffset;
  idHexOffset += ID_RANDOM_HEX;
  if (now !== idPrefixMs) {
    idPrefixMs = now;
    idPrefix = timePrefix(now);
  }
  return idPrefix + idHex.slice(start, start + 10) + idHex.slice(start + 10, idHexOffset);
}

/**
 * `req_` and `now` as 12 hex digits. Not `now.toString(16)` each millisecond: a time in
 * milliseconds is past V8's small integers, and a double goes to hex through the C library's
 * `fmod` once per digit (about 2.5k instructions, once per request at 1,000 requests a second;
 * `bench/router-instructions.ts --functions`). The time above its last 3 hex digits changes
 * every 4.096 s and is formatted then; the last 3 digits come from a table.
 */
function timePrefix(now: number): string {
  if (!Number.isInteger(now) || now < 0) return `req_${now.toString(16).padStart(12, "0")}`;
  const high = Math.floor(now / 4096);
  const low = now - high * 4096;
  if (high !== idHighPart) {
    idHighPart = high;
    idHighPrefix = `req_${high.toString(16).padStart(9, "0")}`;
  }
  return idHighPrefix + (HEX_DIGIT[low >> 8] as string) + (HEX_BYTE[low & 255] as string);
}

/** The time (epoch ms) in an id `newRequestId` made, or null for any other string. */
export function requestIdTimeMs(id: string): number | null {
  const hex = /^req_([0-9a-f]{12})[0-9a-f]{20}$/.exec(id)?.[1];
  return hex === undefined ? null : Number.parseInt(hex, 16);
}

const HEX_DIGIT = Array.from({ length: 16 }, (_, digit) => digit.toString(16));
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
let idHighPart = Number.NaN;
let idHighPrefix = "";

/** 80 random bits as hex digits. */
const ID_RANDOM_HEX = 20;
const ID_POOL = Buffer.alloc(4096);
/** `ID_POOL` as hex; empty until the first id fills the pool. */
let idHex = "";
let idHexOffset = 0;
let idPrefixMs = Number.NaN;
let idPrefix = "";

/**
 * The request with its chats asking the model's server for the usage of a stream
 * (`stream_options.include_usage`), for a model with a declared price: the request log's
 * cost of a streamed answer needs its tokens. Only then, as some servers refuse the field.
 */
function withStreamUsage(request: RouteRequest): RouteRequest {
  const asks = (input: BackendInput): input is Extract<BackendInput, { messages: unknown }> =>
    typeof input === "object" && "messages" in input && input.generation?.streamUsage !== true;
  if (!request.inputs.some(asks)) return request;
  const inputs = request.inputs.map((input) => {
    if (!asks(input)) return input;
    const generation: GenerationSettings = { ...input.generation };
    generation.streamUsage = true;
    // biome-ignore lint/plugin/no-spread-then-field: once per stream to a priced model
    return { ...input, generation };
  });
  // biome-ignore lint/plugin/no-spread-then-field: once per stream to a priced model
  return { ...request, inputs };
}

/**
 * Opens `backend`'s stream of each of the request's inputs (one, or `n` choices) at once and
 * waits for every stream's first piece, all within `timeoutMs`; returns the streams, in the
 * inputs' order, each with its first piece put back in front. Until then a failure of any of
 * them gives up the others and throws, so the router falls back as it would for a call of
 * `n` inputs; `n` choices are opened together, not `maxConcurrency` at a time, since a live
 * stream relays them all at once. A failure after that (not the caller's abort) is passed to
 * `broken`: it counts against the model's breaker, though the request can no longer fall
 * back. `onEnd` runs once, when the last of the returned streams ends, fails or is given up
 * (the request's slot of the model's `max_in_flight` is freed then); not at all when this
 * throws or returns undefined.
 */
async function openStreams(
  backend: ModelBackend,
  request: RouteRequest,
  timeoutMs: number,
  broken: (error: unknown) => void,
  onEnd: () => void,
): Promise<TextStream[] | undefined> {
  const doStream = backend.doStream?.bind(backend);
  const inputs = request.inputs;
  if (doStream === undefined || inputs.length === 0) return undefined;
  const caller = request.signal;
  const headers = request.forwardHeaders;
  if (inputs.length === 1) {
    const input = inputs[0] as BackendInput;
    return [await openStream(doStream, input, caller, headers, timeoutMs, broken, onEnd)];
  }
  // One cancellation for the choices: the caller's abort, or a choice failing before its
  // first piece, stops those still opening.
  const group = new CancelSource();
  const onCallerAbort = () => group.abort(caller?.reason);
  caller?.addEventListener("abort", onCallerAbort, { once: true });
  const release = () => caller?.removeEventListener("abort", onCallerAbort);
  let open = inputs.length;
  let givenUp = false;
  const endOne = () => {
    open -= 1;
    if (open > 0) return;
    release();
    if (!givenUp) onEnd();
  };
  const opening = inputs.map((input) =>
    openStream(doStream, input, group, headers, timeoutMs, broken, endOne),
  );
  try {
    return await Promise.all(opening);
  } catch (error) {
    givenUp = true;
    release();
    group.abort(error);
    for (const stream of opening) {
      stream.then(
        (opened) => opened[Symbol.asyncIterator]().return?.(),
        () => undefined, // its own failure, or the abort just made
      );
    }
    throw caller?.aborted === true ? caller.reason : error;
  }
}

/**
 * Opens one input's stream and waits for its first piece within `timeoutMs` (`openStreams`);
 * `onEnd` runs once, when the returned stream ends, fails or is given up.
 */
async function openStream(
  doStream: NonNullable<ModelBackend["doStream"]>,
  input: BackendInput,
  caller: CancelSignal | undefined,
  forwardHeaders: Readonly<Record<string, string>> | undefined,
  timeoutMs: number,
  broken: (error: unknown) => void,
  onEnd: () => void,
): Promise<TextStream> {
  // The deadline only covers the first piece; the caller's abort stops the whole stream. Both
  // reach the stream through one `RunCancellation`, not `AbortSignal.any` of two controllers:
  // on Node.js 20 each AbortSignal outlives the young generation, and with it what its
  // listeners reach (`backends/cancellation.ts`; about 17 kB a stream, ADR 0036).
  const stop = new RunCancellation();
  if (forwardHeaders !== undefined) stop.headers = forwardHeaders;
  const onCallerAbort = () => stop.abort(caller?.reason);
  caller?.addEventListener("abort", onCallerAbort, { once: true });
  const release = () => caller?.removeEventListener("abort", onCallerAbort);
  let opened: { iterator: AsyncIterator<TextStreamPart>; first: IteratorResult<TextStreamPart> };
  try {
    opened = await withDeadline(
      async (run) => {
        const onDeadline = () => stop.abort(run.reason);
        run.addEventListener("abort", onDeadline, { once: true });
        try {
          const iterator = (await doStream(input, stop))[Symbol.asyncIterator]();
          return { iterator, first: await iterator.next() };
        } finally {
          run.removeEventListener("abort", onDeadline);
        }
      },
      timeoutMs,
      caller,
    );
  } catch (error) {
    release();
    throw error;
  }
  const { iterator, first } = opened;
  // An iterator object, not a generator: its `return` must reach the backend's stream even
  // before the first `next` (a generator not yet started skips its `finally`).
  let done = false;
  let firstPending = first.done !== true;
  /** Once only: a `return` while a `next` is pending sees that `next` fail after it. */
  const finish = () => {
    if (done) return;
    done = true;
    release();
    onEnd();
  };
  if (!firstPending) finish();
  const ended: IteratorResult<TextStreamPart> = { done: true, value: undefined };
  const relay: AsyncIterator<TextStreamPart> = {
    async next() {
      if (firstPending) {
        firstPending = false;
        return first;
      }
      if (done) return ended;
      try {
        const next = await iterator.next();
        if (next.done === true) finish();
        return next;
      } catch (error) {
        const givenUp = done;
        finish();
        if (!givenUp && caller?.aborted !== true) broken(error);
        throw error;
      }
    },
    async return() {
      if (!done) {
        finish();
        // A generator's `return` waits for a `next` in progress: the abort cuts the model's
        // answer now (a sibling choice failed, the client left).
        stop.abort();
        await iterator.return?.();
      }
      return ended;
    },
  };
  return { [Symbol.asyncIterator]: () => relay };
}

/**
 * Builds the router for a config: creates every model's backend (not loading it yet) and
 * checks that each candidate does its target's task, so a misconfigured route fails at
 * start-up with the field named, not on the first request.
 */
export async function createRouter(routerOptions: RouterOptions): Promise<Router> {
  // `previous` apart: closures made here (the classifier's model lookup) keep this scope's
  // variables alive, and with them the replaced router, and its own, on every reload.
  const { previous, ...options } = routerOptions;
  const config = options.config;
  const deadlines = new Map<string, number>();
  const allowDeadline = (id: string, deadlineMs: number) =>
    deadlines.set(id, Math.max(deadlines.get(id) ?? 0, deadlineMs));
  for (const route of config.routes) {
    for (const target of route.targets.values()) {
      for (const candidate of target.candidates) allowDeadline(candidate.model, target.timeoutMs);
      if (target.languageDetector !== null) {
        allowDeadline(target.languageDetector, LANGUAGE_DETECTION_TIMEOUT_MS);
      }
    }
  }
  for (const step of config.classification) {
    if (step.kind !== "rules") allowDeadline(step.model, step.timeoutMs);
  }
  // A model no route names can still be asked for by id, with the direct deadline.
  for (const model of config.models) {
    if (!deadlines.has(model.id)) allowDeadline(model.id, DIRECT_TIMEOUT_MS);
  }
  const registry = new ModelRegistry({
    declarations: config.models,
    deadlineMsFor: (id) => deadlines.get(id),
    ...(previous !== undefined && { previous: previous.registry }),
    ...(options.lookupModel !== undefined && { lookupModel: options.lookupModel }),
    ...(config.directory !== undefined && { baseDirectory: config.directory }),
    ...(options.backends !== undefined && { backends: options.backends }),
    ...(options.env !== undefined && { env: options.env }),
    ...(options.fetch !== undefined && { fetch: options.fetch }),
    ...(options.isolateModels !== undefined && { isolateModels: options.isolateModels }),
    unloadIdleMs: options.unloadIdleMs ?? config.server.unloadIdleMs,
  });
  const ids = new Set<string>(config.models.map((model) => model.id));
  for (const route of config.routes) {
    for (const target of route.targets.values()) {
      for (const candidate of target.candidates) ids.add(candidate.model);
      if (target.languageDetector !== null) ids.add(target.languageDetector);
    }
  }
  for (const step of config.classification) {
    if (step.kind !== "rules") ids.add(step.model);
  }
  // Every model that cannot be built is named, with each field that names it, in one error.
  const unknown = await registry.prepare(ids);

  const problems: string[] = [];
  config.models.forEach((model, index) => {
    const why = unknown.get(model.id);
    if (why !== undefined) problems.push(`models[${index}]: ${why}`);
  });
  config.routes.forEach((route, routeIndex) => {
    for (const [task, target] of route.targets) {
      target.candidates.forEach((candidate, index) => {
        const where = `routes[${routeIndex}].targets.${task}.candidates[${index}]`;
        const why = unknown.get(candidate.model);
        if (why !== undefined) {
          problems.push(`${where}: ${why}`);
          return;
        }
        const wrongTask = modelTaskProblem(
          { field: where, model: candidate.model, task },
          registry.require(candidate.model).describe().task,
        );
        if (wrongTask !== undefined) problems.push(`${where}: ${wrongTask}`);
      });
      const detector = target.languageDetector;
      if (detector !== null) {
        // Without it every request's language stays unknown, which a start would not say.
        const where = `routes[${routeIndex}].targets.${task}.language_detector`;
        const why =
          unknown.get(detector) ??
          modelTaskProblem(
            { field: where, model: detector, task: "text-classification" },
            registry.require(detector).describe().task,
          );
        if (why !== undefined) problems.push(`${where}: ${why}`);
      }
      if (target.policy === "bandit" && options.learner === undefined) {
        problems.push(
          `routes[${routeIndex}].targets.${task}.policy: "bandit" needs a learner (none was given to the server)`,
        );
      }
    }
  });
  config.classification.forEach((step, index) => {
    if (step.kind === "rules") return;
    const why = unknown.get(step.model);
    if (why !== undefined) {
      problems.push(`classification[${index}].model: ${why}`);
      return;
    }
    const field = `classification[${index}].model`;
    const wrongTask = modelTaskProblem(
      { field, model: step.model, step: step.kind },
      registry.require(step.model).describe().task,
    );
    if (wrongTask !== undefined) problems.push(`${field}: ${wrongTask}`);
  });
  if (problems.length > 0) {
    await registry.discard();
    throw invalidRoutesConfig(config.source ?? "", problems);
  }
  return new Router(
    previous === undefined ? options : { previous, ...options },
    registry,
    (gate) =>
      new RequestClassifier(config, (id) => registry.require(id), {
        gate,
        priceOf: (id) => registry.priceOf(id),
      }),
  );
}
