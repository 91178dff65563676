/**
 * @module
 * How a routing decision travels on the wire: `x-modelscout-*` response headers (request
 * id, route, model, reason) and the `modelscout` body field (the whole decision, snake_case
 * like the rest of the OpenAI body). Header values must be ASCII, and a reason can quote a
 * Chinese keyword, so characters outside printable ASCII are percent-encoded, and `%` itself
 * too (a weighted pick's reason says "75% share"), so that `decodeURIComponent` decodes every
 * value; the body field carries the text as is.
 *
 * A model step that reported its call's tokens has them as `usage` (OpenAI's names) beside
 * its `model`, and their `cost_usd` at the model's declared price (ADR 0090); a step without
 * them has none of the three, so a request whose steps cost nothing known is written as before.
 */
import type { ClassificationStepTrace, RoutingDecision } from "../route/routing-decision.js";
import type { BatchItemBody } from "./batch-decision-wire.js";
import {
  jsonName,
  jsonNameOrNull,
  jsonNumber,
  jsonText,
  jsonTextOrNull,
  keptPerText,
} from "./json-text.js";

const MAX_HEADER_CHARS = 512;

/** Not printable ASCII, or `%` (0x25), which a decoder would read as the start of an escape. */
const NEEDS_ENCODING = /[^\x20-\x24\x26-\x7e]/u;

export function headerSafe(text: string): string {
  // Most values are printable ASCII already: one test, no replace.
  const encoded = NEEDS_ENCODING.test(text)
    ? text.replace(/[^\x20-\x24\x26-\x7e]/gu, (character) => encodeURIComponent(character))
    : text;
  if (encoded.length <= MAX_HEADER_CHARS) return encoded;
  // Cut before an escape that would not fit whole: "%E4%B8" or "%" alone does not decode.
  const cut = encoded.slice(0, MAX_HEADER_CHARS - 3).replace(/%[0-9A-F]?$/u, "");
  const broken = /((%[0-9A-F]{2})+)$/u.exec(cut)?.[1];
  let whole = cut;
  if (broken !== undefined) {
    // A character's UTF-8 escapes end where decoding them stops failing.
    let kept = broken;
    while (kept !== "" && !decodes(kept)) kept = kept.slice(0, -3);
    whole = cut.slice(0, cut.length - broken.length) + kept;
  }
  return `${whole}...`;
}

function decodes(escapes: string): boolean {
  try {
    decodeURIComponent(escapes);
    return true;
  } catch {
    return false;
  }
}

/**
 * `headerSafe` for texts that come back on every request (`keptPerText`): route and model
 * names, and the reason of a request routed by name, which the router makes once per route,
 * model and policy reason (`Router.#explain`). A classified request's reason quotes what
 * decided it, so it is escaped each time rather than kept.
 */
const headerSafeName = keptPerText(headerSafe);

export function decisionHeaders(
  requestId: string,
  decision: RoutingDecision | null,
): Record<string, string> {
  const headers: Record<string, string> = { "x-modelscout-request-id": requestId };
  if (decision === null) return headers;
  if (decision.route !== null) headers["x-modelscout-route"] = headerSafeName(decision.route);
  headers["x-modelscout-model"] = headerSafeName(decision.model);
  headers["x-modelscout-reason"] =
    decision.classification === null
      ? headerSafeName(decision.reason)
      : headerSafe(decision.reason);
  return headers;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

export interface DecisionBody {
  request_id: string;
  task: string;
  requested: string;
  route: string | null;
  model: string;
  reason: string;
  policy: string;
  explored: boolean;
  order: string[];
  domain: string | null;
  attempts: {
    model: string;
    outcome: string;
    latency_ms: number;
    error?: string;
    status?: number;
  }[];
  classification: {
    route: string;
    used_default: boolean;
    steps: {
      kind: string;
      route: string | null;
      detail: string;
      score?: number;
      elapsed_ms: number;
      /** The step's model, with `usage`, when its call reported tokens (ADR 0090). */
      model?: string;
      usage?: { prompt_tokens: number; completion_tokens: number };
      /** What `usage` cost at the model's declared price, US dollars. */
      cost_usd?: number;
    }[];
  } | null;
  /**
   * On a `/v1/tasks` batch of two inputs or more routed as one: how many (`withBatchItems`,
   * ADR 0081). Absent on a single input's answer; 1 on its log row (`withOneInput`).
   */
  batch_size?: number;
  /**
   * On the same batch: each item's own request id (its log row), reason and label (ADR 0081,
   * second addendum). Absent on a single input, and on rows logged before items were.
   */
  items?: BatchItemBody[];
  /**
   * On the log row of another item of such a batch, in place of `items`: that item
   * (`withBatchItem`); `request_id` is then the batch's, item 0's row.
   */
  item?: BatchItemBody;
}

export function decisionBody(decision: RoutingDecision): DecisionBody {
  return {
    request_id: decision.requestId,
    task: decision.task,
    requested: decision.requested,
    route: decision.route,
    model: decision.model,
    reason: decision.reason,
    policy: decision.policy,
    explored: decision.explored,
    order: decision.order,
    domain: decision.domain,
    attempts: decision.attempts.map((attempt) => ({
      model: attempt.model,
      outcome: attempt.outcome,
      latency_ms: round(attempt.latencyMs),
      ...(attempt.error !== undefined && { error: attempt.error }),
      ...(attempt.status !== undefined && { status: attempt.status }),
    })),
    classification:
      decision.classification === null
        ? null
        : {
            route: decision.classification.route,
            used_default: decision.classification.usedDefault,
            steps: decision.classification.steps.map((step) => ({
              kind: step.kind,
              route: step.route,
              detail: step.detail,
              ...(step.score !== undefined && { score: step.score }),
              elapsed_ms: round(step.elapsedMs),
              ...(step.usage !== undefined && stepSpendBody(step, step.usage)),
            })),
          },
  };
}

/**
 * The decision's wire form as JSON: `JSON.stringify(decisionBody(decision))`, the same text
 * (`test/server/decision-wire.test.ts` holds the two together), written out field by field.
 * Made once per request: the answer's `modelscout` field (`withModelscout`) and the request
 * log's decision column are the same text. `JSON.stringify` of the body object took about
 * 18k instructions per proxied request (`bench/router-instructions.ts --functions`), most of
 * them escaping the keys and texts character by character; this takes 1.15-1.20 us against
 * 1.47-1.67 us (`bench/answer-json.ts`, 2026-12-01; ADR 0038). The requested name, and the
 * reason of a request routed by name, come from a small set and are kept escaped (`jsonName`).
 */
export function decisionJson(decision: RoutingDecision): string {
  let attempts = "";
  for (const attempt of decision.attempts) {
    attempts += `${attempts === "" ? "" : ","}{"model":${jsonName(attempt.model)},"outcome":${jsonName(attempt.outcome)},"latency_ms":${jsonNumber(round(attempt.latencyMs))}${attempt.error === undefined ? "" : `,"error":${jsonText(attempt.error)}`}${attempt.status === undefined ? "" : `,"status":${jsonNumber(attempt.status)}`}}`;
  }
  let order = "";
  for (const model of decision.order) order += `${order === "" ? "" : ","}${jsonName(model)}`;
  return `{"request_id":${jsonText(decision.requestId)},"task":${jsonName(decision.task)},"requested":${jsonName(decision.requested)},"route":${jsonNameOrNull(decision.route)},"model":${jsonName(decision.model)},"reason":${decision.classification === null ? jsonName(decision.reason) : jsonText(decision.reason)},"policy":${jsonName(decision.policy)},"explored":${decision.explored},"order":[${order}],"domain":${jsonTextOrNull(decision.domain)},"attempts":[${attempts}],"classification":${classificationJson(decision.classification)}}`;
}

function classificationJson(classification: RoutingDecision["classification"]): string {
  if (classification === null) return "null";
  let steps = "";
  for (const step of classification.steps) {
    steps += `${steps === "" ? "" : ","}{"kind":${jsonName(step.kind)},"route":${jsonNameOrNull(step.route)},"detail":${jsonText(step.detail)}${step.score === undefined ? "" : `,"score":${jsonNumber(step.score)}`},"elapsed_ms":${jsonNumber(round(step.elapsedMs))}${step.usage === undefined ? "" : stepSpendJson(step)}}`;
  }
  return `{"route":${jsonName(classification.route)},"used_default":${classification.usedDefault},"steps":[${steps}]}`;
}

/**
 * A model step's call as the wire has it: its `model`, `usage` (OpenAI's names) and, priced,
 * `cost_usd` (ADR 0090); in a step of the decision and in a batch item's `classification_usage`.
 */
export function stepSpendBody(
  step: ClassificationStepTrace,
  usage: NonNullable<ClassificationStepTrace["usage"]>,
): {
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  cost_usd?: number;
} {
  return {
    model: step.model as string,
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens },
    ...(step.costUsd !== undefined && { cost_usd: step.costUsd }),
  };
}

/** A step's `model`, `usage` and `cost_usd` fields, for a step with `usage` (`decisionBody`'s). */
function stepSpendJson(step: ClassificationStepTrace): string {
  const usage = step.usage as NonNullable<ClassificationStepTrace["usage"]>;
  const cost = step.costUsd === undefined ? "" : `,"cost_usd":${jsonNumber(step.costUsd)}`;
  return `,"model":${jsonName(step.model as string)},"usage":{"prompt_tokens":${jsonNumber(usage.promptTokens)},"completion_tokens":${jsonNumber(usage.completionTokens)}}${cost}`;
}

/** `body` as JSON, with `"modelscout"` (already JSON) as its last field. */
export function withModelscout(body: object, modelscoutJson: string): string {
  const json = JSON.stringify(body);
  return json === "{}"
    ? `{"modelscout":${modelscoutJson}}`
    : `${json.slice(0, -1)},"modelscout":${modelscoutJson}}`;
}

/**
 * A logged decision as its wire form. The log holds `decisionJson`; rows logged before
 * 2026-11-30 hold the `RoutingDecision` itself (camelCase).
 */
export function loggedDecisionBody(json: string): DecisionBody {
  const stored = JSON.parse(json) as DecisionBody | RoutingDecision;
  return "requestId" in stored ? decisionBody(stored) : stored;
}
