/**
 * @module
 * The routing server's HTTP surface, as a Hono app (so tests can call `app.request()` in
 * process, and `start-routing-server.ts` serves it on Node):
 * - `POST /v1/chat/completions` (with `stream: true` as server-sent events),
 *   `POST /v1/embeddings`, `GET /v1/models`: OpenAI-compatible; `model` is `auto`, a route
 *   name or a model id;
 * - `POST /v1/responses`: OpenAI's Responses API over the same routing as chat (with
 *   `stream: true` as its event stream; `responses-wire.ts`);
 * - `POST /v1/tasks/<task>`: any pipeline task a route serves (classification, ...);
 * - `POST /v1/feedback`: stored durably before the answer, then given to the learner (a
 *   request another server on the same state file answered a moment ago is waited for,
 *   `route/find-logged-request.ts`);
 * - `GET /v1/requests/<id>`: a logged decision and its feedback;
 * - `GET /health` (the process answers), `GET /ready` (models loaded, some candidate
 *   available for every route; says so when it cannot follow other servers on its state
 *   file, ADR 0060).
 * Every routed answer carries the decision in `x-modelscout-*` headers and a `modelscout`
 * body field. Errors use OpenAI's `{error: {message, type, param, code}}` and map to HTTP
 * in `openai-errors.ts` only. Handlers parse, call the router and shape answers; the
 * routing itself is in `route/router.ts`.
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { CancelSignal } from "../backends/cancellation.js";
import type {
  AnswerUsage,
  BackendInput,
  BackendOutput,
  TextStream,
} from "../backends/model-backend.js";
import { normaliseLanguage } from "../catalog/languages.js";
import { describeIssue, dottedPath } from "../config/zod-issues.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { namePseudonymizer } from "../privacy/name-pseudonyms.js";
import {
  createPersonalDataTest,
  createPrefixRedactor,
  createTextRedactor,
  warmRedactor,
} from "../privacy/redact-personal-data.js";
import type { RedactionConfig } from "../privacy/redaction-config.js";
import {
  feedbackOutcome,
  feedbackRequestSchema,
  labelContradiction,
  latencySloOf,
  toFeedbackInput,
} from "../route/feedback.js";
import { findLoggedRequest } from "../route/find-logged-request.js";
import { answerCostUsd } from "../route/model-price.js";
import type { RouteLearner } from "../route/route-learner.js";
import {
  type BatchSplit,
  type ModelListing,
  type NeedFields,
  newRequestId,
  type RouteResult,
  type Router,
} from "../route/router.js";
import type { RoutesConfig } from "../route/routes-config.js";
import { classificationSpend, type RoutingDecision } from "../route/routing-decision.js";
import type { FeedbackInput, RequestLogRow, RoutingStore } from "../route/routing-store.js";
import { topLabel } from "../select/metrics/classification-metrics.js";
import { resolveTask, type TaskId } from "../tasks/resolve-task.js";
import { taskInputKind } from "../tasks/task-input-kind.js";
import { VERSION } from "../version.js";
import { createApiAccess } from "./api-keys.js";
import {
  type BatchItemBody,
  batchDecisionBody,
  batchDecisionHeaders,
  batchItemBodies,
  batchItemIds,
  loggedBatchDecision,
  loggedBatchItem,
  loggedBatchItems,
  loggedBatchSize,
  mixedBatchItemJson,
  oneRouteSplit,
  withBatchItem,
  withBatchItems,
  withOneInput,
} from "./batch-decision-wire.js";
import { chatCompletionJson } from "./chat-completion-body.js";
import { checkChatImage } from "./chat-image-check.js";
import {
  type ChatStreamEnd,
  chatStreamBody,
  liveChatChoicesStream,
  liveChatStream,
  loggedAnswer,
} from "./chat-stream.js";
import {
  type CompletionFrame,
  completionBody,
  completionChoicesFrames,
  completionFrames,
  completionGeneration,
  completionInputs,
  completionRequestSchema,
  completionStreamBody,
} from "./completions-wire.js";
import {
  decisionBody,
  decisionHeaders,
  decisionJson,
  loggedDecisionBody,
  withModelscout,
} from "./decision-wire.js";
import { liveChoicesEventStream, liveEventStream } from "./live-event-stream.js";
import { type MediaInput, type MediaKind, mediaFromBytes, mediaFromText } from "./media-input.js";
import { type HttpError, httpErrorFor, openAIError } from "./openai-errors.js";
import {
  base64Embedding,
  chatCompletionRequestParser,
  chatImageFields,
  choiceInputs,
  embeddingsRequestSchema,
  generationSettings,
  lastUserMessage,
  plainMessages,
  summedUsage,
  taskRequestSchema,
} from "./openai-wire.js";
import { requestClockFrom, systemRequestClock } from "./request-clock.js";
import { finishedAnswerParts, responseOutput, responsesEventStream } from "./responses-stream.js";
import {
  type ResponseFrame,
  responseObject,
  responseStatus,
  responsesChat,
  responsesImageFields,
  responsesRequestSchema,
} from "./responses-wire.js";
import { readTranscriptionRequest } from "./transcription-wire.js";

/**
 * Applied to every text before it is stored in the request log (inputs and outputs) and to
 * feedback labels. The default removes personal data (`privacy/redact-personal-data.ts`);
 * `keepText` keeps text as is.
 */
export type RedactText = ((text: string, context: RedactContext) => string) & {
  /**
   * What the call returns, clipped to its first `keep` characters, reading only about as much
   * of `text` as that needs (`createPrefixRedactor`). The request log keeps at most
   * `log_text_chars` of each text; without `prefix`, it redacts the whole text, then clips.
   */
  readonly prefix?: (text: string, keep: number, context: RedactContext) => string;
  /**
   * Whether a text holds personal data. With it, a session or domain name that does is kept
   * as a pseudonym (`privacy/name-pseudonyms.ts`): names are stored and learned under, so a
   * placeholder would merge them.
   */
  readonly findsPersonalData?: (text: string) => boolean;
  /**
   * The built-in redaction's setting, as data: with it, the store's writer thread can build
   * the same redaction for the request log's texts and run it off the event loop (ADR 0085).
   */
  readonly setting?: { config: RedactionConfig | undefined };
};

export interface RedactContext {
  field: "input" | "output" | "feedback";
  requestId: string;
}

export const keepText: RedactText = (text) => text;

/**
 * Redaction of personal data (every type unless `config` says otherwise): the default for
 * everything the server stores. Warmed up here, so the first requests' log rows do not hold
 * up the event loop.
 */
export function redactPersonalText(config?: RedactionConfig): RedactText {
  const redact = createTextRedactor(config);
  warmRedactor(redact);
  const prefix = createPrefixRedactor(config);
  return Object.assign(redact, {
    prefix: (text: string, keep: number) => prefix(text, keep),
    findsPersonalData: createPersonalDataTest(config),
    setting: { config },
  });
}

/**
 * Told of each request row as it is logged and each feedback once it is stored (monitoring,
 * metrics). Called after the store write; an observer that throws is reported on stderr and
 * never fails the request.
 */
export interface RoutingObserver {
  /**
   * `decision` is the routing decision whose JSON is `row.decision` (null when none was
   * made), so that an observer need not parse it back. On the row of a `/v1/tasks` batch's
   * item, split across routes or not (ADR 0081), it is its group's decision, with the group's
   * attempts on the group's first item only (one model call answered the group). The row's
   * `inputText` and `outputText` are null when the server hands them to the store to redact,
   * on its writer thread (ADR 0085): as they came, they may hold personal data.
   */
  requestLogged?(row: RequestLogRow, decision: RoutingDecision | null): void;
  feedbackStored?(feedback: FeedbackInput & { id: number }, request: RequestLogRow): void;
}

export interface RoutingAppOptions {
  router: Router;
  store: RoutingStore;
  learner?: RouteLearner;
  redactText?: RedactText;
  observer?: RoutingObserver;
  /** Largest body accepted; default the config's `server.max_body_bytes`. */
  maxBodyBytes?: number;
  /** Most pixels an image may declare; default the config's `server.max_image_pixels`. */
  maxImagePixels?: number;
  /** Keys a `/v1` request must carry as `Authorization: Bearer` (`api-keys.ts`); none: open. */
  apiKeys?: readonly string[];
  /**
   * Why this server last failed to read what other servers wrote to the state file (ADR
   * 0060), or null; shown on `/ready` without making it fail (the server serves on what it
   * last read).
   */
  stateSyncError?: () => string | null;
  now?: () => Date;
}

/** A request that cannot be served, carried to the handler's catch as an HTTP error. */
class RequestRejected extends Error {
  readonly http: HttpError;
  constructor(http: HttpError) {
    super(http.body.error.message);
    this.http = http;
  }
}

/**
 * Per endpoint, the fields that ask for what only some models give, for the 400 that names
 * one when no candidate can (`param`): images come in chat's `messages` and the Responses
 * API's `input`; log probabilities are asked for by chat's and the legacy completions'
 * `logprobs`, and by the Responses API's `top_logprobs` or, without it, its `include`.
 */
const CHAT_NEED_FIELDS: NeedFields = Object.freeze({
  imageInputs: "messages",
  logprobs: "logprobs",
});
const COMPLETIONS_NEED_FIELDS: NeedFields = Object.freeze({ logprobs: "logprobs" });
const RESPONSES_NEED_FIELDS: NeedFields = Object.freeze({
  imageInputs: "input",
  logprobs: "include",
});
const RESPONSES_TOP_NEED_FIELDS: NeedFields = Object.freeze({
  imageInputs: "input",
  logprobs: "top_logprobs",
});

const DOMAIN_HEADER = "x-modelscout-domain";
/** The client's session, for session affinity (`route/session-affinity.ts`). */
const SESSION_HEADER = "x-modelscout-session";
/** The request's language, for targets whose candidates declare languages (ADR 0058). */
const LANGUAGE_HEADER = "x-modelscout-language";
/**
 * Longest domain or session id taken: names, not payloads. A session is held in memory, a
 * domain in the learner's tables and the request log.
 */
const MAX_NAME_HEADER_CHARS = 256;

/** Latin-1 characters past ASCII: the bytes of a non-ASCII header value, as Node reads them. */
const HIGH_BYTE = /[\x80-\xff]/u;
/** A character past Latin-1: the value is text already (a runtime whose headers are not bytes). */
const PAST_LATIN1 = /[^\t\x20-\xff]/u;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A name header's text as the client wrote it. Node reads a header's bytes as Latin-1, and
 * clients send a non-ASCII name (`x-modelscout-domain: 客服`) as UTF-8: those bytes are
 * decoded again as UTF-8 when they are UTF-8, else left as Node read them. An ASCII value,
 * the common case, is returned after one test.
 */
export function headerText(value: string | undefined): string | undefined {
  if (value === undefined || !HIGH_BYTE.test(value) || PAST_LATIN1.test(value)) return value;
  try {
    return STRICT_UTF8.decode(Buffer.from(value, "latin1"));
  } catch {
    return value;
  }
}

/** A refusal of a domain or session header longer than `MAX_NAME_HEADER_CHARS`, or null. */
function nameHeaderTooLong(header: string, value: string | null): RequestRejected | null {
  if (value === null || value.length <= MAX_NAME_HEADER_CHARS) return null;
  return new RequestRejected(
    openAIError(
      400,
      `The ${header} header takes a name of at most ${MAX_NAME_HEADER_CHARS} characters (got ${value.length}), such as a product line or a conversation's UUID.`,
      { param: header, code: "invalid_value" },
    ),
  );
}

/**
 * The `x-modelscout-language` header as a normalised code (`zh-CN` and `Chinese` are `zh`),
 * null without it; a value that names no language is refused.
 */
function languageHeader(value: string | undefined): string | null {
  if (value === undefined) return null;
  const code = value.length > MAX_NAME_HEADER_CHARS ? null : normaliseLanguage(value);
  if (code !== null) return code;
  throw new RequestRejected(
    openAIError(
      400,
      `The ${LANGUAGE_HEADER} header names no language (got "${value.slice(0, 40)}"): send an ISO 639-1 code such as en or zh, a BCP 47 tag such as zh-CN, a name such as Chinese or 中文, or leave it out.`,
      { param: LANGUAGE_HEADER, code: "invalid_value" },
    ),
  );
}

/**
 * A request header, by lower-case name. On Node the adapter passes the `IncomingMessage` as
 * `env.incoming`, whose headers are a plain object already; `context.req.header()` would
 * build a WHATWG `Headers` from it on first use, on every request. Elsewhere (`app.request()`
 * in tests, other runtimes) it falls back to Hono's reader.
 */
function requestHeader(context: Context, name: string): string | undefined {
  const incoming = (context.env as { incoming?: { headers?: Record<string, unknown> } } | undefined)
    ?.incoming;
  if (incoming?.headers === undefined) return context.req.header(name);
  return nodeHeader(incoming.headers, name);
}

/** A header of Node's parsed headers (lower-case `name`); repeated values joined as Fetch does. */
export function nodeHeader(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function describeIssues(error: z.ZodError): { message: string; param: string | null } {
  const first = error.issues[0];
  const param = first === undefined || first.path.length === 0 ? null : first.path.join(".");
  const message = error.issues
    .slice(0, 5)
    .map((issue) => describeIssue(issue, dottedPath(issue.path)))
    .join("; ");
  return { message, param };
}

/** The error event of a live stream that broke off after its first piece (OpenAI's shape). */
function streamBrokeOff(error: unknown): { message: string; type: string; code: string } {
  return {
    message: `The model's answer broke off: ${errorMessage(error)}`,
    type: "server_error",
    code: "stream_interrupted",
  };
}

/**
 * The request's headers named by `server.forward_headers` that it has, for the model's
 * server; undefined when it has none (no object made, the common case).
 */
function forwardedHeaders(
  request: EndpointRequest,
  names: readonly string[],
): Record<string, string> | undefined {
  let headers: Record<string, string> | undefined;
  for (const name of names) {
    const value = request.header(name);
    if (value === undefined) continue;
    headers ??= {};
    headers[name] = value;
  }
  return headers;
}

/**
 * What an endpoint reads of an HTTP request, whoever received it: Hono (`honoRequest`), or
 * Node's `http` directly for the routed endpoints (`node-routed-listener.ts`).
 */
export interface EndpointRequest {
  /** A request header, by lower-case name. */
  header(name: string): string | undefined;
  /** The body as text; rejects with a 413 `RequestRejected` past `maxBytes`. */
  text(maxBytes: number): Promise<string>;
  /** The body as bytes (an image or a sound sent as the body), with the same limit. */
  bytes(maxBytes: number): Promise<Uint8Array>;
  /** A query parameter of the URL (`?model=`), decoded. */
  query(name: string): string | undefined;
  /** Aborts when the client goes away before its answer (an `AbortSignal` will do). */
  readonly signal: CancelSignal;
}

/** An answer, whoever writes it: a string (JSON) or a stream (server-sent events). */
export interface EndpointAnswer {
  status: number;
  /** The Content-Type. Apart from `headers`, which are then passed on as they are, not copied. */
  type: string;
  /** Every other header of the answer (its Content-Length is worked out by the writer). */
  headers: Record<string, string>;
  body: string | ReadableStream<Uint8Array>;
  /**
   * Work that need not delay the answer (a routed request's log row): whoever writes the
   * answer runs it once, right after handing the answer to the connection, or instead of
   * writing it when the client has gone. `undefined` when there is none.
   */
  sent: AfterAnswer | undefined;
}

/**
 * An answer's `sent` work. An object with a method, not a closure: a closure made for each
 * request and called once its answer was written kept that request's whole object graph
 * (its `IncomingMessage`, body, parsed messages, decision) alive through young-generation
 * collections until a mark-compact, about 2.5 kB promoted per request, and scavenges 5-7
 * times as long (docs/decisions/0036).
 */
export interface AfterAnswer {
  run(): void;
}

export function toResponse(answer: EndpointAnswer): Response {
  try {
    return new Response(answer.body, {
      status: answer.status,
      headers: { "content-type": answer.type, ...answer.headers },
    });
  } finally {
    answer.sent?.run();
  }
}

/** A Hono request as an `EndpointRequest`; the signal is only built if something reads it. */
function honoRequest(context: Context): EndpointRequest {
  return {
    header: (name) => requestHeader(context, name),
    text: (maxBytes) => readLimitedText(context, maxBytes),
    bytes: (maxBytes) => readLimitedBytes(context, maxBytes),
    query: (name) => context.req.query(name),
    get signal() {
      return context.req.raw.signal;
    },
  };
}

/**
 * The body as text, refusing more than `maxBytes`. A declared Content-Length is checked
 * before reading (the common case, and the fast path: Node's adapter reads the socket
 * directly); a chunked body is counted while it streams in and abandoned past the limit.
 * (Hono's bodyLimit middleware touches `request.body`, which builds a full WHATWG Request
 * with a stream for every request; that alone cost more than the routing.)
 */
async function readLimitedText(context: Context, maxBytes: number): Promise<string> {
  const encoded = bodyEncodingRefused(requestHeader(context, "content-encoding"));
  if (encoded !== null) throw encoded;
  const declared = requestHeader(context, "content-length");
  if (declared !== undefined && requestHeader(context, "transfer-encoding") === undefined) {
    if (Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
    return context.req.text();
  }
  return Buffer.from(await readLimitedBytes(context, maxBytes)).toString("utf8");
}

async function readLimitedBytes(context: Context, maxBytes: number): Promise<Uint8Array> {
  const encoded = bodyEncodingRefused(requestHeader(context, "content-encoding"));
  if (encoded !== null) throw encoded;
  const declared = requestHeader(context, "content-length");
  if (declared !== undefined && requestHeader(context, "transfer-encoding") === undefined) {
    if (Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
    return new Uint8Array(await context.req.arrayBuffer());
  }
  const stream = context.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw bodyTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Space, tab, line feed, carriage return. */
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

type TaskInputs = {
  model: string;
  inputs: BackendInput[];
  text: string | null;
  logged?: string;
  /** Each input's text, for a batch of two or more texts (`RouteRequest.itemTexts`). */
  itemTexts?: readonly string[];
  /** What the log keeps of each input, for a batch of two or more: a row each (ADR 0081). */
  loggedItems?: readonly string[];
};

/** A text task's JSON body (`taskRequestSchema`). */
async function readTextTask(request: EndpointRequest, maxBytes: number): Promise<TaskInputs> {
  const body = await readBody(request, taskRequestSchema, maxBytes);
  const texts = typeof body.input === "string" ? [body.input] : body.input;
  const labels = body.candidate_labels;
  return {
    model: body.model,
    inputs: texts.map((text) => (labels === undefined ? text : { text, candidateLabels: labels })),
    text: texts[0] as string,
    // Each item of a batch may go to its own route, and has a log row of its own (ADR 0081).
    ...(texts.length > 1 && { itemTexts: texts, loggedItems: texts }),
  };
}

/**
 * An image or audio task's inputs (`media-input.ts`): a JSON body whose `input`/`inputs`
 * holds base64, or the file itself as the body, with the model in `?model=` (default `auto`).
 * A body is JSON when its Content-Type says so or it starts with `{`: clients posting a file
 * often send no type, or curl's form type.
 */
async function readMediaTask(
  request: EndpointRequest,
  kind: MediaKind,
  maxBytes: number,
  maxImagePixels: number,
): Promise<TaskInputs> {
  const bytes = await request.bytes(maxBytes);
  const type = request.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  // A UTF-8 byte order mark before JSON, as some Windows tools write (`parseBody` drops it).
  let first = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (JSON_WHITESPACE.has(bytes[first] ?? -1)) first += 1;
  if (type === "application/json" || bytes[first] === 0x7b) {
    const body = parseBody(Buffer.from(bytes).toString("utf8"), taskRequestSchema);
    if (body.candidate_labels !== undefined) {
      throw new RequestRejected(
        openAIError(
          400,
          `candidate_labels apply to text tasks; a ${kind} task takes the ${kind} alone.`,
          {
            param: "candidate_labels",
            code: "invalid_value",
          },
        ),
      );
    }
    const items = typeof body.input === "string" ? [body.input] : body.input;
    const single = typeof body.input === "string";
    const media = items.map((item, index) =>
      mediaFromText(kind, item, single ? body.inputField : `${body.inputField}.${index}`, {
        maxImagePixels,
      }),
    );
    return mediaTaskInputs(body.model, media);
  }
  const model = request.query("model") ?? "auto";
  if (model === "") {
    throw new RequestRejected(
      openAIError(400, "model is empty: give ?model=auto, a route or a model id.", {
        param: "model",
      }),
    );
  }
  return mediaTaskInputs(model, [mediaFromBytes(kind, bytes, "body", { maxImagePixels })]);
}

function mediaTaskInputs(model: string, media: readonly MediaInput[]): TaskInputs {
  const logged = media.map((item) => `[${item.description}]`);
  return {
    model,
    inputs: media.map((item) => item.input),
    text: null,
    logged: logged.join(" "),
    ...(logged.length > 1 && { loggedItems: logged }),
  };
}

/** The 413 an `EndpointRequest.text` rejects with when the body is over the limit. */
export function bodyTooLarge(maxBytes: number): Error {
  return new RequestRejected(
    openAIError(
      413,
      `The request body is larger than this server accepts (${maxBytes} bytes; server.max_body_bytes in the routes config).`,
      { code: "request_too_large" },
    ),
  );
}

/**
 * The 415 for a body sent with a `Content-Encoding` other than `identity` (gzip, deflate,
 * br...), or null for none, the common case. Bodies are read as sent: a compressed one would
 * otherwise fail as JSON with its compressed bytes quoted, and decompressing would need the
 * body limit applied to what comes out rather than what was sent.
 */
export function bodyEncodingRefused(encoding: string | undefined): Error | null {
  if (encoding === undefined) return null;
  const name = encoding.trim().toLowerCase();
  if (name === "" || name === "identity") return null;
  return new RequestRejected(
    openAIError(
      415,
      `The request body is sent with Content-Encoding: ${JSON.stringify(encoding.slice(0, 40))}, which this server does not decode: send the body uncompressed, without a Content-Encoding header.`,
      { param: "content-encoding", code: "unsupported_content_encoding" },
    ),
  );
}

async function readBody<Output>(
  request: EndpointRequest,
  schema: { safeParse(json: unknown): z.ZodSafeParseResult<Output> },
  maxBytes: number,
): Promise<Output> {
  return parseBody(await request.text(maxBytes), schema);
}

function parseBody<Output>(
  text: string,
  schema: { safeParse(json: unknown): z.ZodSafeParseResult<Output> },
): Output {
  let json: unknown;
  try {
    // A UTF-8 byte order mark, which JSON.parse refuses, is not part of the JSON (RFC 8259 8.1).
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new RequestRejected(
      openAIError(
        400,
        `The request body is not valid JSON (${(error as Error).message}). Send a JSON object with Content-Type: application/json.`,
        { code: "invalid_json" },
      ),
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const { message, param } = describeIssues(parsed.error);
    throw new RequestRejected(openAIError(400, message, { param, code: "invalid_value" }));
  }
  return parsed.data;
}

function labelText(output: BackendOutput | undefined): string | null {
  return output?.kind === "labels" ? topLabel(output) : null;
}

/** The routed endpoints, callable by any HTTP front (Hono routes, Node's `http`). */
export interface RoutedEndpoints {
  chatCompletions(request: EndpointRequest): Promise<EndpointAnswer>;
  /** OpenAI's legacy text completions. */
  completions(request: EndpointRequest): Promise<EndpointAnswer>;
  /** OpenAI's Responses API. */
  responses(request: EndpointRequest): Promise<EndpointAnswer>;
  embeddings(request: EndpointRequest): Promise<EndpointAnswer>;
  /** `task` as it appears in `/v1/tasks/<task>` (decoded). */
  task(task: string, request: EndpointRequest): Promise<EndpointAnswer>;
}

/** The answer to an error no handler caught: logged on stderr unless it is one of ours. */
export function unexpectedErrorAnswer(error: unknown): EndpointAnswer {
  const http = httpErrorFor(error);
  if (!ModelScoutError.isInstance(error)) {
    process.stderr.write(
      `modelscout serve: unexpected error: ${(error as Error).stack ?? String(error)}\n`,
    );
  }
  return jsonAnswer(http.status, http.body, {});
}

/** A `200` of server-sent events (a chat completion with `stream: true`). */
function eventStreamAnswer(
  headers: Record<string, string>,
  body: EndpointAnswer["body"],
): EndpointAnswer {
  // The answer takes `headers` as its own, as `jsonTextAnswer` does: no copy.
  headers["cache-control"] = "no-cache";
  return { status: 200, type: "text/event-stream; charset=utf-8", headers, body, sent: undefined };
}

/** `modelscoutJson`, when given, is added as the body's last field (`decisionJson`). */
function jsonAnswer(
  status: number,
  body: unknown,
  headers: Record<string, string>,
  modelscoutJson?: string,
): EndpointAnswer {
  return jsonTextAnswer(
    status,
    modelscoutJson === undefined
      ? JSON.stringify(body)
      : withModelscout(body as object, modelscoutJson),
    headers,
  );
}

/** An answer whose body is JSON already. */
function jsonTextAnswer(
  status: number,
  json: string,
  headers: Record<string, string>,
): EndpointAnswer {
  return { status, type: "application/json", headers, body: json, sent: undefined };
}

/** What a routed request's log row adds to what `routed` knows (`RequestLog`). */
type LogExtra = Partial<
  Pick<RequestLogRow, "errorCode" | "outputText" | "outputLabel" | "modelLatencyMs">
> & {
  /** No model was called (every breaker open or every model at max_in_flight). */
  refused?: boolean;
  /** The tokens the model's server reported, for the row's tokens and cost. */
  usage?: AnswerUsage;
};

/** One item's row of a `/v1/tasks` batch (ADR 0081), in place of the request's own. */
interface LoggedItem {
  id: string;
  /**
   * Its group's decision; on items after the group's first, without attempts and with the
   * item's own classification or none (`LogBatch`).
   */
  decision: RoutingDecision;
  /** The item's own reason (its classification, its group's model). */
  reason: string;
  text: string | null;
  /** The row's decision JSON, when not the request's (a batch's item after item 0). */
  decisionJson?: string;
}

type RequestLog = (status: number, extra: LogExtra, item?: LoggedItem) => void;

/** Logs a request that failed (`sent` of its error answer). */
class LogFailure implements AfterAnswer {
  readonly #log: RequestLog;
  readonly #status: number;
  readonly #extra: LogExtra;
  constructor(log: RequestLog, status: number, extra: LogExtra) {
    this.#log = log;
    this.#status = status;
    this.#extra = extra;
  }
  run(): void {
    this.#log(this.#status, this.#extra);
  }
}

/** Logs an answered request, with its output's text, once the answer is on its way. */
class LogAnswered implements AfterAnswer {
  readonly #log: RequestLog;
  readonly #outputs: BackendOutput[];
  readonly #modelLatencyMs: number;
  constructor(log: RequestLog, outputs: BackendOutput[], modelLatencyMs: number) {
    this.#log = log;
    this.#outputs = outputs;
    this.#modelLatencyMs = modelLatencyMs;
  }
  run(): void {
    const first = this.#outputs[0];
    this.#log(200, {
      modelLatencyMs: this.#modelLatencyMs,
      // Every prompt's tokens, when a request held several (legacy completions).
      usage: summedUsage(this.#outputs),
      outputText:
        first?.kind === "text"
          ? loggedAnswer(first.text, first.toolCalls?.map((call) => call.name) ?? [])
          : first?.kind === "labels"
            ? labelText(first)
            : null,
      outputLabel: labelText(first),
    });
  }
}

/**
 * Logs a `/v1/tasks` batch a row per item (ADR 0081), split across routes or answered as one
 * (a split of one group, `oneRouteSplit`): each item's route, model, text and answer, with its
 * group's status and model latency; the group's tokens on its first item. Item 0's row keeps
 * the request's whole decision; `laterItemJson` gives each later item's row its own, the
 * batch's without the other items (`withBatchItem`, `mixedBatchItemJson`).
 */
class LogBatch implements AfterAnswer {
  readonly #log: RequestLog;
  readonly #batch: BatchSplit;
  readonly #itemIds: readonly string[];
  readonly #texts: readonly (string | null)[];
  readonly #laterItemJson: (index: number, group: number) => string;
  constructor(
    log: RequestLog,
    batch: BatchSplit,
    itemIds: readonly string[],
    texts: readonly (string | null)[],
    laterItemJson: (index: number, group: number) => string,
  ) {
    this.#log = log;
    this.#batch = batch;
    this.#itemIds = itemIds;
    this.#texts = texts;
    this.#laterItemJson = laterItemJson;
  }
  run(): void {
    // A group is one call (with its fallbacks) for all its items: its attempts go with its
    // first item's row, and its other items' rows carry none, so that the attempts passed
    // over (`/metrics`) count each model call once, not once per item it answered. Its
    // classification is its first item's: another item's row has its own, if it had one
    // (ADR 0090), so that each classification call's tokens are counted once too.
    const followers = this.#batch.groups.map((group) =>
      Object.assign({}, group.result.decision, { attempts: [], classification: null }),
    );
    for (const [index, item] of this.#batch.items.entries()) {
      const group = this.#batch.groups[item.group] as BatchSplit["groups"][number];
      const result = group.result;
      const follower = followers[item.group] as (typeof followers)[number];
      const logged: LoggedItem = {
        id: this.#itemIds[index] as string,
        decision:
          item.position === 0
            ? result.decision
            : item.classification === undefined
              ? follower
              : Object.assign({}, follower, { classification: item.classification }),
        reason: item.reason,
        text: this.#texts[index] ?? null,
      };
      if (index > 0) logged.decisionJson = this.#laterItemJson(index, item.group);
      if (result.ok) {
        const output = result.outputs[item.position];
        this.#log(
          200,
          {
            modelLatencyMs: result.modelLatencyMs,
            ...(item.position === 0 && { usage: summedUsage(result.outputs) }),
            outputText:
              output?.kind === "text"
                ? loggedAnswer(output.text, output.toolCalls?.map((call) => call.name) ?? [])
                : output?.kind === "labels"
                  ? labelText(output)
                  : null,
            outputLabel: labelText(output),
          },
          logged,
        );
      } else {
        this.#log(
          result.status,
          { errorCode: routeErrorCode(result), refused: result.unavailable !== undefined },
          logged,
        );
      }
    }
  }
}

/** The `code` of a failed route's OpenAI error. */
function routeErrorCode(result: Extract<RouteResult, { ok: false }>): string {
  return result.status === 503
    ? (result.unavailable ?? "circuit_open")
    : result.status === 429
      ? "rate_limited"
      : result.status === 400
        ? // Every candidate refused the input: the client's to change, not a failure.
          "input_refused"
        : "upstream_failed";
}

/** The routing server's Hono app (every endpoint). */
export function createRoutingApp(options: RoutingAppOptions): Hono {
  return createRoutingHttp(options).app;
}

/**
 * The Hono app and, sharing its state, the routed endpoints on their own, which
 * `startRoutingServer` serves from Node's `http` without Hono (`node-routed-listener.ts`).
 * `useRouter` makes every request from then on go to another router (a reloaded routes
 * config with the same `server` settings); requests already routed finish on the old one.
 * `useApiKeys` replaces the API keys (`RoutingServer.useApiKeys`).
 */
export function createRoutingHttp(options: RoutingAppOptions): {
  app: Hono;
  endpoints: RoutedEndpoints;
  useRouter(next: Router): void;
  useApiKeys(keys: readonly string[]): void;
} {
  const { store, learner } = options;
  let router = options.router;
  const redact = options.redactText ?? redactPersonalText();
  // A session or domain name holding personal data is kept as its pseudonym.
  const findsPersonalData = redact.findsPersonalData;
  const nameOf =
    findsPersonalData === undefined
      ? undefined
      : namePseudonymizer(findsPersonalData, () => store.pseudonymKey());
  const named = (value: string | null): string | null =>
    value === null || nameOf === undefined ? value : nameOf(value);
  const observer = options.observer;
  const notify = (call: (observer: RoutingObserver) => void) => {
    if (observer === undefined) return;
    try {
      call(observer);
    } catch (error) {
      process.stderr.write(
        `modelscout serve: monitoring observer failed (request served anyway): ${(error as Error).stack ?? String(error)}\n`,
      );
    }
  };
  const clock = options.now === undefined ? systemRequestClock() : requestClockFrom(options.now);
  const logChars = router.config.server.logTextChars;
  const maxBodyBytes = options.maxBodyBytes ?? router.config.server.maxBodyBytes;
  const maxImagePixels = options.maxImagePixels ?? router.config.server.maxImagePixels;
  const app = new Hono();

  const clip = (text: string | null, field: "input" | "output", requestId: string) => {
    if (text === null || logChars === 0) return null;
    if (redact.prefix !== undefined) return redact.prefix(text, logChars, { field, requestId });
    const redacted = redact(text, { field, requestId });
    return redacted.length > logChars ? redacted.slice(0, logChars) : redacted;
  };
  /**
   * The built-in redaction of the log's texts runs on the store's writer thread where it has
   * one (ADR 0085): the rows go to the store with their texts as they came.
   */
  const writerRedacts =
    redact.setting !== undefined &&
    logChars > 0 &&
    store.redactTextsInWriter(redact.setting.config, logChars);

  const send = (status: number, body: unknown, headers: Record<string, string>): Response =>
    toResponse(jsonAnswer(status, body, headers));

  const sendError = (http: HttpError, headers: Record<string, string> = {}): Response =>
    send(http.status, http.body, headers);

  /** For a request id the log does not have: it may have been deleted (ADR 0047). */
  const pastRetention = (): string => {
    const days = router.config.server.logRetentionDays;
    return days > 0
      ? `, or it is older than the request log keeps (server.log_retention_days: ${days})`
      : "";
  };

  interface RoutedWork {
    task: TaskId;
    model: string;
    inputs: BackendInput[];
    /** What classification reads; null for an image or a sound (`RouteRequest.text`). */
    text: string | null;
    /** What the request log keeps as the input, when not `text` (a media description). */
    logged?: string;
    /** Each input's text, when a batch's items may go to routes of their own (ADR 0081). */
    itemTexts?: readonly string[];
    /** What the log keeps of each input of a `/v1/tasks` batch: a row per item (ADR 0081). */
    loggedItems?: readonly string[];
    /** The fields that asked for what a model may not give (`RouteRequest.needFields`). */
    needFields?: NeedFields;
    /** Shapes the success body from the outputs; `modelscoutJson` is `decisionJson(decision)`. */
    respond: (
      outputs: BackendOutput[],
      decision: RoutingDecision,
      headers: Record<string, string>,
      modelscoutJson: string,
    ) => EndpointAnswer;
    /** Ask for a streamed answer (`router.route`'s `stream`), answered by `respondStream`. */
    stream?: boolean;
    /** Shapes a streamed answer; `ended` is called once, when the stream is over. */
    respondStream?: (
      pieces: TextStream,
      decision: RoutingDecision,
      headers: Record<string, string>,
      ended: (end: ChatStreamEnd) => void,
    ) => EndpointAnswer;
    /** Shapes several choices' streamed answers (`RouteResult.choiceStreams`), as `respondStream`. */
    respondChoiceStreams?: (
      choices: readonly TextStream[],
      decision: RoutingDecision,
      headers: Record<string, string>,
      ended: (end: ChatStreamEnd) => void,
    ) => EndpointAnswer;
  }

  /** Runs one routed request: parse, route, answer, log. */
  const routed = async (
    request: EndpointRequest,
    endpoint: string,
    prepare: () => Promise<RoutedWork>,
  ): Promise<EndpointAnswer> => {
    const startedAt = performance.now();
    const requestId = newRequestId();
    // As the client wrote them until checked, then as they are kept (`named`).
    let domain = headerText(request.header(DOMAIN_HEADER)) ?? null;
    let session = headerText(request.header(SESSION_HEADER)) ?? null;
    /** The names were checked and, if they hold personal data, replaced: they may be logged. */
    let namesKept = false;
    const signal = request.signal;
    let work: RoutedWork | undefined;
    let decision: RoutingDecision | null = null;
    /** `decisionJson(decision)`: the answer's `modelscout` field and the log's decision. */
    let wire: string | null = null;
    /** The router that routed the request (a reload may swap `router` before it is logged). */
    let serving: Router | undefined;
    const log: RequestLog = (status, extra, item) => {
      const usage = extra.usage;
      // A batch's item: its group's decision (ADR 0081).
      const decided = item === undefined ? decision : item.decision;
      const id = item === undefined ? requestId : item.id;
      const model = extra.refused === true ? null : (decided?.model ?? null);
      const input =
        item !== undefined ? item.text : work === undefined ? null : (work.logged ?? work.text);
      const output = extra.outputText ?? null;
      // Made whatever became of the request: a refused or failed one was classified too.
      const classified = classificationSpend(decided?.classification?.steps);
      const row: RequestLogRow = {
        id,
        createdAt: clock.iso(),
        endpoint,
        task: work?.task ?? null,
        requested: work?.model ?? null,
        route: decided?.route ?? null,
        // A refused request is logged without a model, so that monitoring (error rates,
        // routing counts) does not count it against the route's first candidate.
        model,
        reason: item === undefined ? (decision?.reason ?? null) : item.reason,
        status,
        latencyMs: performance.now() - startedAt,
        modelLatencyMs: extra.modelLatencyMs ?? null,
        errorCode: extra.errorCode ?? null,
        // The decision's: the header's, or the request's language on a target with a
        // language step (ADR 0058). A name past the bound was refused (`nameHeaderTooLong`).
        domain: decided?.domain ?? (namesKept ? domain : null),
        // Redacted by the store's writer thread, or here (`writerRedacts`).
        inputText: writerRedacts ? null : clip(input, "input", id),
        outputText: writerRedacts ? null : clip(output, "output", id),
        outputLabel: extra.outputLabel ?? null,
        promptTokens: usage === undefined ? null : usage.promptTokens,
        completionTokens: usage === undefined ? null : usage.completionTokens,
        costUsd:
          usage === undefined || model === null || serving === undefined
            ? null
            : answerCostUsd(serving.registry.priceOf(model), usage),
        session: namesKept ? session : null,
        classificationTokens: classified.tokens,
        classificationCostUsd: classified.costUsd,
        decision:
          item?.decisionJson ??
          // A single input's row says so; the answer does not (`withOneInput`).
          (endpoint === "tasks" && wire !== null && work?.inputs.length === 1
            ? withOneInput(wire)
            : wire),
      };
      if (writerRedacts) store.logRequest(row, { input, output });
      else store.logRequest(row);
      notify((target) => target.requestLogged?.(row, decided));
    };
    try {
      const tooLong =
        nameHeaderTooLong(DOMAIN_HEADER, domain) ?? nameHeaderTooLong(SESSION_HEADER, session);
      if (tooLong !== null) throw tooLong;
      domain = named(domain);
      session = named(session);
      namesKept = true;
      const language = languageHeader(headerText(request.header(LANGUAGE_HEADER)));
      work = await prepare();
      serving = router;
      const result = await serving.route({
        requestId,
        task: work.task,
        model: work.model,
        inputs: work.inputs,
        text: work.text,
        domain,
        session,
        language,
        signal,
        forwardHeaders: forwardedHeaders(request, serving.config.server.forwardHeaders),
        itemTexts: work.itemTexts,
        needFields: work.needFields,
        ...(work.stream === true && { stream: true }),
      });
      decision = result.decision;
      if (result.batch !== undefined) {
        // The items went to more than one route (ADR 0081).
        const itemIds = batchItemIds(result.batch, newRequestId);
        const status = result.ok ? 200 : result.status;
        const body = batchDecisionBody(
          requestId,
          work.task,
          work.model,
          result.batch,
          itemIds,
          result.ok ? result.outputs : null,
          status,
        );
        wire = JSON.stringify(body);
        const headers = batchDecisionHeaders(requestId, body);
        const after = new LogBatch(
          log,
          result.batch,
          itemIds,
          work.loggedItems ?? [],
          (index, group) => mixedBatchItemJson(body, index, group),
        );
        if (!result.ok) {
          if (result.retryAfterMs !== undefined) {
            headers["retry-after"] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
          }
          const http = openAIError(result.status, result.message, {
            type: result.status === 429 ? "rate_limit_error" : undefined,
            param: result.param,
            code: routeErrorCode(result),
          });
          const failed = jsonAnswer(http.status, { error: http.body.error }, headers, wire);
          failed.sent = after;
          return failed;
        }
        const answer = work.respond(
          result.outputs,
          Object.assign({}, decision, { model: body.models.join(",") }),
          headers,
          wire,
        );
        answer.sent = after;
        return answer;
      }
      wire = decisionJson(decision);
      // A `/v1/tasks` batch answered as one is logged a row per item, as a split one is: its
      // decision adds each item's id, reason and label, so that feedback on any item is
      // scored against that item's answer (ADR 0081, second addendum).
      const loggedItems = work.loggedItems;
      let asOne: LogBatch | undefined;
      if (loggedItems !== undefined && loggedItems.length === work.inputs.length) {
        const split = oneRouteSplit(result, loggedItems.length);
        const itemIds = batchItemIds(split, newRequestId);
        const items = batchItemBodies(split, itemIds, result.ok ? result.outputs : null);
        const one = wire;
        wire = withBatchItems(one, items);
        asOne = new LogBatch(log, split, itemIds, loggedItems, (index) =>
          withBatchItem(one, items.length, items[index] as BatchItemBody),
        );
      }
      const headers = decisionHeaders(requestId, decision);
      if (!result.ok) {
        const code = routeErrorCode(result);
        if (result.retryAfterMs !== undefined) {
          headers["retry-after"] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
        }
        const http = openAIError(result.status, result.message, {
          type: result.status === 429 ? "rate_limit_error" : undefined,
          param: result.param,
          code,
        });
        const failed = jsonAnswer(http.status, { error: http.body.error }, headers, wire);
        const refused = result.unavailable !== undefined;
        failed.sent = asOne ?? new LogFailure(log, result.status, { errorCode: code, refused });
        return failed;
      }
      if (result.stream !== undefined || result.choiceStreams !== undefined) {
        // Logged when the stream is over: the request's latency runs to its end, the
        // model's to its first piece (every choice's, with `n`).
        const modelLatencyMs = result.modelLatencyMs;
        const ended = (end: ChatStreamEnd) => {
          if (end.clientClosed === true) {
            log(499, { modelLatencyMs, outputText: end.text, errorCode: "client_closed" });
          } else if (end.error !== undefined) {
            log(502, { modelLatencyMs, outputText: end.text, errorCode: "stream_interrupted" });
          } else {
            log(200, { modelLatencyMs, outputText: end.text, usage: end.usage });
          }
        };
        if (result.stream !== undefined && work.respondStream !== undefined) {
          return work.respondStream(result.stream, decision, headers, ended);
        }
        if (result.choiceStreams !== undefined && work.respondChoiceStreams !== undefined) {
          return work.respondChoiceStreams(result.choiceStreams, decision, headers, ended);
        }
      }
      const answer = work.respond(result.outputs, decision, headers, wire);
      // Logged once the answer is on its way (`EndpointAnswer.sent`), so the log's work is not
      // on the answer's path (docs/decisions/0032): the row is appended in the same turn of the
      // event loop, before any later request, such as feedback on this one, can be read.
      answer.sent = asOne ?? new LogAnswered(log, result.outputs, result.modelLatencyMs);
      return answer;
    } catch (error) {
      const http =
        error instanceof RequestRejected
          ? error.http
          : signal.aborted
            ? openAIError(499, "The client closed the request.", { code: "client_closed" })
            : httpErrorFor(error);
      const failed = jsonAnswer(http.status, http.body, decisionHeaders(requestId, decision));
      failed.sent = new LogFailure(log, http.status, { errorCode: http.body.error.code });
      return failed;
    }
  };

  const chatCompletions = (request: EndpointRequest) =>
    routed(request, "chat.completions", async () => {
      const body = await readBody(request, chatCompletionRequestParser, maxBodyBytes);
      for (const image of chatImageFields(body.messages)) {
        checkChatImage(image.url, image.param, maxImagePixels);
      }
      const messages = plainMessages(body.messages);
      const generation = generationSettings(body);
      const includeUsage = body.stream_options?.include_usage === true;
      const n = body.n ?? 1;
      const input = generation === undefined ? { messages } : { messages, generation };
      /** What a live stream's events are made from, one choice or `n`; the decision goes first. */
      const liveOf = <Pieces>(
        decision: RoutingDecision,
        ended: (end: ChatStreamEnd) => void,
        pieces: Pieces,
      ) => ({
        id: `chatcmpl-${decision.requestId}`,
        created: clock.epochSeconds(),
        model: decision.model,
        firstChunkExtra: { modelscout: decisionBody(decision) },
        includeUsage,
        ended,
        clientSignal: request.signal,
        describeError: streamBrokeOff,
        pieces,
      });
      return {
        task: "text-generation",
        model: body.model,
        inputs: n > 1 ? choiceInputs(input, n) : [input],
        text: lastUserMessage(messages),
        needFields: CHAT_NEED_FIELDS,
        stream: body.stream,
        respondStream: (pieces, decision, headers, ended) =>
          eventStreamAnswer(headers, liveChatStream(liveOf(decision, ended, pieces))),
        respondChoiceStreams: (choices, decision, headers, ended) =>
          eventStreamAnswer(headers, liveChatChoicesStream(liveOf(decision, ended, choices))),
        respond: (outputs, decision, headers, modelscoutJson) => {
          const first = outputs[0];
          const answer = first?.kind === "text" ? first : undefined;
          const text = answer?.text ?? "";
          const id = `chatcmpl-${decision.requestId}`;
          const created = clock.epochSeconds();
          // `n` above 1: the other choices' answers (none made for the usual one choice).
          const moreChoices =
            outputs.length > 1
              ? outputs.slice(1).map((output) => (output.kind === "text" ? output : undefined))
              : undefined;
          if (body.stream) {
            // A model that answers whole: its answer (or `n` of them, once all are in) sent
            // in word-sized chunks.
            return eventStreamAnswer(
              headers,
              chatStreamBody({
                id,
                created,
                model: decision.model,
                text,
                end: answer,
                ...(answer?.toolCalls !== undefined && { toolCalls: answer.toolCalls }),
                ...(moreChoices !== undefined && { moreChoices }),
                includeUsage,
                firstChunkExtra: { modelscout: decisionBody(decision) },
              }),
            );
          }
          return jsonTextAnswer(
            200,
            chatCompletionJson(
              moreChoices === undefined
                ? { id, created, model: decision.model, answer }
                : { id, created, model: decision.model, answer, moreChoices },
              modelscoutJson,
            ),
            headers,
          );
        },
      };
    });

  /** OpenAI's legacy text completions (`completions-wire.ts`), routed as text generation. */
  const completions = (request: EndpointRequest) =>
    routed(request, "completions", async () => {
      const body = await readBody(request, completionRequestSchema, maxBodyBytes);
      const generation = completionGeneration(body);
      const frameOf = (decision: RoutingDecision): CompletionFrame => ({
        id: `cmpl-${decision.requestId}`,
        created: clock.epochSeconds(),
        model: decision.model,
      });
      /** What a streamed answer's events are made from; the decision goes in the first. */
      const streamOf = (decision: RoutingDecision) => ({
        frame: frameOf(decision),
        body,
        firstChunkExtra: { modelscout: decisionBody(decision) },
      });
      return {
        task: "text-generation",
        model: body.model,
        inputs: completionInputs(body, generation),
        // As embeddings do: a list of prompts goes where the first one routes.
        text: body.prompt[0] as string,
        needFields: COMPLETIONS_NEED_FIELDS,
        stream: body.stream,
        respondStream: (pieces, decision, headers, ended) =>
          eventStreamAnswer(
            headers,
            liveEventStream({
              frames: completionFrames(streamOf(decision)),
              pieces,
              ended,
              clientSignal: request.signal,
              describeError: streamBrokeOff,
            }),
          ),
        respondChoiceStreams: (choices, decision, headers, ended) => {
          const frames = completionChoicesFrames(streamOf(decision), choices.length);
          return eventStreamAnswer(
            headers,
            liveChoicesEventStream({
              choices: frames.choices,
              closing: frames.closing,
              sumUsage: frames.sumUsage,
              pieces: choices,
              ended,
              clientSignal: request.signal,
              describeError: streamBrokeOff,
            }),
          );
        },
        respond: (outputs, decision, headers, modelscoutJson) => {
          if (body.stream) {
            return eventStreamAnswer(headers, completionStreamBody(streamOf(decision), outputs));
          }
          return jsonAnswer(
            200,
            completionBody(frameOf(decision), body, outputs),
            headers,
            modelscoutJson,
          );
        },
      };
    });

  const responses = (request: EndpointRequest) =>
    routed(request, "responses", async () => {
      const body = await readBody(request, responsesRequestSchema, maxBodyBytes);
      for (const image of responsesImageFields(body)) {
        checkChatImage(image.url, image.param, maxImagePixels);
      }
      const chat = responsesChat(body);
      // `modelscout` undefined leaves the field out, for `jsonAnswer` to add as JSON last.
      const frameOf = (decision: RoutingDecision, modelscout: unknown): ResponseFrame => ({
        id: `resp_${decision.requestId}`,
        createdAt: clock.epochSeconds(),
        model: decision.model,
        body,
        modelscout,
      });
      return {
        task: "text-generation",
        model: body.model,
        inputs: [
          chat.generation === undefined
            ? { messages: chat.turns }
            : { messages: chat.turns, generation: chat.generation },
        ],
        text: chat.text,
        needFields: body.top_logprobs == null ? RESPONSES_NEED_FIELDS : RESPONSES_TOP_NEED_FIELDS,
        stream: body.stream,
        respondStream: (pieces, decision, headers, ended) =>
          eventStreamAnswer(
            headers,
            responsesEventStream({
              frame: frameOf(decision, decisionBody(decision)),
              requestId: decision.requestId,
              pieces,
              ended,
              clientSignal: request.signal,
            }),
          ),
        respond: (outputs, decision, headers, modelscoutJson) => {
          const first = outputs[0];
          const answer = first?.kind === "text" ? first : undefined;
          if (body.stream) {
            // A model that answered whole: the same events, cut from its answer (logged already).
            return eventStreamAnswer(
              headers,
              responsesEventStream({
                frame: frameOf(decision, decisionBody(decision)),
                requestId: decision.requestId,
                pieces: finishedAnswerParts(answer),
                ended: () => {},
              }),
            );
          }
          const { status, incomplete_details } = responseStatus(answer?.finishReason);
          return jsonAnswer(
            200,
            responseObject(frameOf(decision, undefined), {
              status,
              incompleteDetails: incomplete_details,
              output: responseOutput(decision.requestId, answer),
              usage: answer?.usage,
            }),
            headers,
            modelscoutJson,
          );
        },
      };
    });

  const embeddings = (request: EndpointRequest) =>
    routed(request, "embeddings", async () => {
      const body = await readBody(request, embeddingsRequestSchema, maxBodyBytes);
      const texts = typeof body.input === "string" ? [body.input] : body.input;
      const dimensions = body.dimensions ?? undefined;
      return {
        task: "feature-extraction",
        model: body.model,
        inputs: dimensions === undefined ? texts : texts.map((text) => ({ text, dimensions })),
        text: texts[0] as string,
        respond: (outputs, decision, headers, modelscoutJson) => {
          // OpenAI's embeddings usage, when the model's server reported tokens.
          const usage = summedUsage(outputs);
          return jsonAnswer(
            200,
            {
              object: "list",
              model: decision.model,
              data: outputs.map((output, index) => {
                const vector = output.kind === "embedding" ? output.vector : [];
                return {
                  object: "embedding",
                  index,
                  embedding: body.encoding_format === "base64" ? base64Embedding(vector) : vector,
                };
              }),
              ...(usage !== undefined && {
                usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens },
              }),
            },
            headers,
            modelscoutJson,
          );
        },
      };
    });

  const runTask = (taskName: string, request: EndpointRequest) =>
    routed(request, "tasks", async () => {
      let task: TaskId;
      try {
        task = resolveTask(taskName);
      } catch (error) {
        throw new RequestRejected({ status: 404, body: httpErrorFor(error).body });
      }
      const kind = taskInputKind(task);
      return {
        task,
        ...(kind === "text"
          ? await readTextTask(request, maxBodyBytes)
          : await readMediaTask(request, kind, maxBodyBytes, maxImagePixels)),
        respond: (outputs, decision, headers, modelscoutJson) =>
          jsonAnswer(
            200,
            {
              object: "task.result",
              task,
              model: decision.model,
              data: outputs.map((output, index) => {
                const { kind, ...fields } = output;
                return { index, kind, ...fields };
              }),
            },
            headers,
            modelscoutJson,
          ),
      };
    });

  /** OpenAI's speech-to-text (`transcription-wire.ts`), routed as automatic-speech-recognition. */
  const transcriptions = (request: EndpointRequest) =>
    routed(request, "transcriptions", async () => {
      const body = await readTranscriptionRequest(request, maxBodyBytes);
      return {
        task: "automatic-speech-recognition",
        model: body.model,
        inputs: [body.input],
        text: null,
        logged: `[${body.description}]`,
        respond: (outputs, _decision, headers, modelscoutJson) => {
          const first = outputs[0];
          const text = first?.kind === "text" ? first.text : "";
          return body.format === "text"
            ? {
                status: 200,
                type: "text/plain; charset=utf-8",
                headers,
                body: text,
                sent: undefined,
              }
            : jsonAnswer(200, { text }, headers, modelscoutJson);
        },
      };
    });

  // With API keys set, a request without one is refused before anything else (api-keys.ts).
  let access = createApiAccess(options.apiKeys ?? []);
  const refusal = (authorization: string | undefined): EndpointAnswer | null => {
    const http = access.refusal(authorization);
    return http === null
      ? null
      : jsonAnswer(http.status, http.body, { "www-authenticate": 'Bearer realm="modelscout"' });
  };
  const endpoints: RoutedEndpoints = access.required
    ? {
        chatCompletions: async (request) =>
          refusal(request.header("authorization")) ?? chatCompletions(request),
        completions: async (request) =>
          refusal(request.header("authorization")) ?? completions(request),
        responses: async (request) =>
          refusal(request.header("authorization")) ?? responses(request),
        embeddings: async (request) =>
          refusal(request.header("authorization")) ?? embeddings(request),
        task: async (task, request) =>
          refusal(request.header("authorization")) ?? runTask(task, request),
      }
    : { chatCompletions, completions, responses, embeddings, task: runTask };
  if (access.required) {
    // Every /v1 route of the app, present and future (the routed endpoints check again,
    // for the node:http front that serves them without Hono).
    const guard: MiddlewareHandler = async (context, next) => {
      const refused = refusal(requestHeader(context, "authorization"));
      if (refused === null) return next();
      return toResponse(refused);
    };
    app.use("/v1/*", guard);
  }
  app.post("/v1/chat/completions", async (context) =>
    toResponse(await endpoints.chatCompletions(honoRequest(context))),
  );
  app.post("/v1/completions", async (context) =>
    toResponse(await endpoints.completions(honoRequest(context))),
  );
  app.post("/v1/responses", async (context) =>
    toResponse(await endpoints.responses(honoRequest(context))),
  );
  // OpenAI keeps responses to fetch, cancel or delete later; this router keeps none (ADR 0025).
  app.on(["GET", "DELETE", "POST"], ["/v1/responses/:id", "/v1/responses/:id/*"], (context) =>
    sendError(
      openAIError(
        404,
        `No stored response "${context.req.param("id")}": this router does not store responses. Keep the output you need, and send the whole conversation in input.`,
        { param: "response_id", code: "response_not_stored" },
      ),
    ),
  );
  app.post("/v1/embeddings", async (context) =>
    toResponse(await endpoints.embeddings(honoRequest(context))),
  );
  // Served by Hono on both fronts: an upload is not the hot path.
  app.post("/v1/audio/transcriptions", async (context) =>
    toResponse(await transcriptions(honoRequest(context))),
  );
  app.post("/v1/tasks/:task", async (context) =>
    toResponse(await endpoints.task(context.req.param("task"), honoRequest(context))),
  );

  /**
   * The logged row a feedback is about. A `/v1/tasks` batch's items each have a row of their
   * own (ADR 0081): `item` names one, and so does an item's own id. On a batch whose items
   * went to different routes the batch's id needs `item` to say which; `answered` is false
   * when the batch failed as a whole (its client got no answer to rate, though the item's
   * model answered).
   *
   * On a batch answered as one (one route, model and call), feedback without `item` on the
   * batch's id is about the whole request, as before rows were per item: a rating or
   * `correct`, stored on item 0's row; a label must name its item (ADR 0081, addenda).
   * Rows logged before that (one row per batch, `batch_size` only) keep the first input's text
   * and answer only: a label or `correct` about another input is refused there.
   */
  const feedbackTarget = async (
    request: RequestLogRow,
    item: number | undefined,
    judged: { label: boolean; correct: boolean },
  ): Promise<{ request: RequestLogRow; item?: number; answered: boolean }> => {
    const batch = loggedBatchDecision(request.decision);
    if (batch === null) {
      const items = loggedBatchItems(request.decision);
      if (items !== null) return oneRouteItemTarget(request, items, item, judged.label);
      const own = loggedBatchItem(request.decision);
      if (own !== null) {
        // Another item's row of a batch: it names its item, unless item names another,
        // which item 0's row lists.
        if (item === undefined || item === own.item.index) {
          return { request, item: own.item.index, answered: own.answered };
        }
        const first = await findLoggedRequest(store, own.batchRequestId);
        if (
          first === null ||
          (loggedBatchItems(first.decision) === null &&
            loggedBatchDecision(first.decision) === null)
        ) {
          throw new RequestRejected(
            openAIError(
              404,
              `Request "${request.id}" was item ${own.item.index} of request "${own.batchRequestId}", which is not in the request log${pastRetention()}: send this item's feedback without item.`,
              { param: "item", code: "request_not_found" },
            ),
          );
        }
        return feedbackTarget(first, item, judged);
      }
      if (item !== undefined && item > 0 && request.endpoint !== "tasks") {
        throw new RequestRejected(
          openAIError(
            400,
            `Request "${request.id}" was a ${request.endpoint} request, not a /v1/tasks batch: leave item out.`,
            { param: "item", code: "invalid_value" },
          ),
        );
      }
      const size = loggedBatchSize(request.decision);
      if (size === 1 && item !== undefined && item > 0) {
        throw new RequestRejected(
          openAIError(
            400,
            `item ${item} is not in request "${request.id}": it had one input (item 0). Leave item out.`,
            { param: "item", code: "invalid_value" },
          ),
        );
      }
      if (size === null || size === 1) {
        if (item !== undefined && item > 0 && judged.label) {
          // A row logged before batch_size was: it may have been a batch, answered as one.
          throw new RequestRejected(
            openAIError(
              400,
              `Request "${request.id}" was routed as one: the log keeps its first input's text and answer only, so a label for item ${item} can be neither checked nor exported. Send correct or rating for it instead.`,
              { param: "label", code: "invalid_value" },
            ),
          );
        }
        return { request, answered: true };
      }
      const where = `routed as one (route ${request.route ?? "none"}, model ${request.model ?? "none"})`;
      if (item !== undefined && item >= size) {
        throw new RequestRejected(
          openAIError(
            400,
            `item ${item} is not in request "${request.id}": its batch had ${size} inputs (item 0 to ${size - 1}).`,
            { param: "item", code: "invalid_value" },
          ),
        );
      }
      if (item === undefined && judged.label) {
        throw new RequestRejected(
          openAIError(
            400,
            `Request "${request.id}" was a batch of ${size} inputs ${where}: a label is scored against one input's answer, so say which with item. The log keeps input 0's answer only: send the label with item 0, or rate the whole batch with correct or rating and no item.`,
            { param: "item", code: "item_required" },
          ),
        );
      }
      if (item !== undefined && item > 0 && (judged.label || judged.correct)) {
        const field = judged.label ? "label" : "correct";
        throw new RequestRejected(
          openAIError(
            400,
            `Request "${request.id}" was a batch of ${size} inputs ${where}: the log keeps input 0's text and answer only, so ${field} for item ${item} could only be judged against input 0's answer and exported beside its text. Send rating for item ${item}, which reaches the same route and model.`,
            { param: field, code: "invalid_value" },
          ),
        );
      }
      return { request, ...(item !== undefined && { item }), answered: true };
    }
    const count = batch.items.length;
    const index =
      item ??
      (request.id === batch.request_id
        ? undefined
        : batch.items.findIndex((entry) => entry.request_id === request.id));
    if (index === undefined || index < 0) {
      throw new RequestRejected(
        openAIError(
          400,
          `Request "${request.id}" was a batch of ${count} inputs whose items went to different routes (${batch.routes.join(", ")}): say which input the feedback is about with item (0 to ${count - 1}), so that it reaches that item's route and model.`,
          { param: "item", code: "item_required" },
        ),
      );
    }
    const row = await batchItemRow(request, batch.request_id, count, index, batch.items[index]);
    return { request: row, item: index, answered: batch.status === 200 };
  };

  /**
   * The log row of item `index` of batch `batchId` (`count` inputs), listed as `entry`: a 400
   * past the batch's end, a 404 when the log no longer holds it.
   */
  const batchItemRow = async (
    request: RequestLogRow,
    batchId: string,
    count: number,
    index: number,
    entry: BatchItemBody | undefined,
  ): Promise<RequestLogRow> => {
    if (entry === undefined) {
      throw new RequestRejected(
        openAIError(
          400,
          `item ${index} is not in request "${batchId}": its batch had ${count} inputs (item 0 to ${count - 1}).`,
          { param: "item", code: "invalid_value" },
        ),
      );
    }
    const row =
      entry.request_id === request.id ? request : await findLoggedRequest(store, entry.request_id);
    if (row === null) {
      throw new RequestRejected(
        openAIError(
          404,
          `Item ${index} of request "${batchId}" (logged as "${entry.request_id}") is not in the request log${pastRetention()}.`,
          { param: "item", code: "request_not_found" },
        ),
      );
    }
    return row;
  };

  /**
   * `feedbackTarget` on item 0's row of a batch answered as one and logged a row per item: the
   * row listing every item (`withBatchItems`).
   */
  const oneRouteItemTarget = async (
    request: RequestLogRow,
    items: readonly BatchItemBody[],
    item: number | undefined,
    label: boolean,
  ): Promise<{ request: RequestLogRow; item?: number; answered: boolean }> => {
    const count = items.length;
    const batchId = request.id;
    const index = item;
    if (index === undefined) {
      if (label) {
        throw new RequestRejected(
          openAIError(
            400,
            `Request "${request.id}" was a batch of ${count} inputs routed as one (route ${request.route ?? "none"}, model ${request.model ?? "none"}): a label is scored against one input's answer, so say which with item (0 to ${count - 1}). A rating, or correct about the whole batch, needs no item.`,
            { param: "item", code: "item_required" },
          ),
        );
      }
      // About the whole request: its one route and model, stored on item 0's row.
      return { request, answered: true };
    }
    const row = await batchItemRow(request, batchId, count, index, items[index]);
    return { request: row, item: index, answered: true };
  };

  app.post("/v1/feedback", async (context) => {
    try {
      const body = await readBody(honoRequest(context), feedbackRequestSchema, maxBodyBytes);
      const request = await findLoggedRequest(store, body.request_id);
      if (request === null) {
        return sendError(
          openAIError(
            404,
            `No request with id "${body.request_id}" was routed here (ids are in the x-modelscout-request-id header and modelscout.request_id)${pastRetention()}.`,
            { param: "request_id", code: "request_not_found" },
          ),
        );
      }
      const about = await feedbackTarget(request, body.item, {
        label: body.label !== undefined,
        correct: body.correct !== undefined,
      });
      const contradiction = labelContradiction(body, about.request.outputLabel);
      if (contradiction !== null) {
        return sendError(
          openAIError(400, contradiction.message, {
            param: contradiction.param,
            code: "invalid_value",
          }),
        );
      }
      const given = toFeedbackInput(
        about.request === request
          ? body
          : Object.assign({}, body, { request_id: about.request.id }),
        about.request,
        clock.iso(),
      );
      const feedback =
        given.label === null
          ? given
          : Object.assign({}, given, {
              label: redact(given.label, { field: "feedback", requestId: request.id }),
            });
      // Committed (synchronous = FULL) before anything is acknowledged: with the learner's
      // outcome, in its transaction, when it takes the feedback's row along (one commit, ADR
      // 0069); else on its own, marked with what the learner made of it.
      let id: (() => number) | undefined;
      let applied = false;
      let applyError: string | null = null;
      /** Whether the answer was later than its route's `latency_slo_ms` (null: no SLO applies). */
      let late: boolean | null = null;
      const slo = learner === undefined ? null : latencySloOf(router.config, about.request);
      const outcome =
        learner === undefined || !about.answered
          ? null
          : feedbackOutcome(feedback, about.request, slo);
      if (learner !== undefined && outcome !== null) {
        if (slo !== null && feedback.reward !== null) {
          late = outcome.latencyMs !== undefined && outcome.latencyMs > slo;
        }
        try {
          // What the learner reads under its write lock, read first without blocking the
          // server (PostgreSQL); its failure is the blocking read's to report (ADR 0070).
          const preparation = await learner.prepareRecord?.(outcome).catch(() => undefined);
          // Before the learner takes the write lock, which the log's writer thread needs too.
          store.beforeWriteLock();
          const alongside = () => {
            id = store.insertFeedback(feedback, true, null);
          };
          // Its commit awaited where the learner can (PostgreSQL, ADR 0071), else blocking.
          if (learner.recordLater !== undefined) {
            await learner.recordLater(outcome, alongside, preparation);
          } else {
            learner.record(outcome, alongside, preparation);
          }
          applied = true;
        } catch (error) {
          // Rolled back with the outcome, if it was written: stored below, on its own.
          id = undefined;
          applyError = errorMessage(error);
        }
      }
      // Nothing to learn counts as applied; a learner without a store of its own (`alongside`
      // left out) has it written here.
      const storedId: number =
        id?.() ??
        store.recordFeedback(feedback, learner !== undefined && applyError === null, applyError);
      notify((target) => target.feedbackStored?.({ id: storedId, ...feedback }, about.request));
      return send(
        200,
        {
          object: "feedback",
          id: storedId,
          request_id: body.request_id,
          // The batch's item it named, and the row it was stored against (ADR 0081): the
          // item's own, or the batch's one row on a batch logged before items had rows.
          ...(about.item !== undefined && {
            item: about.item,
            item_request_id: about.request.id,
          }),
          stored: true,
          applied,
          reward: feedback.reward,
          // Learned as a failure: the answer took longer than its route's latency_slo_ms.
          ...(late !== null && { late }),
          ...(applyError !== null && { apply_error: applyError }),
        },
        { "x-modelscout-request-id": body.request_id },
      );
    } catch (error) {
      return sendError(error instanceof RequestRejected ? error.http : httpErrorFor(error));
    }
  });

  app.get("/v1/requests/:id", async (context) => {
    const row = await findLoggedRequest(store, context.req.param("id"));
    if (row === null) {
      return sendError(
        openAIError(
          404,
          `No request with id "${context.req.param("id")}" was routed here${pastRetention()}.`,
          {
            param: "id",
            code: "request_not_found",
          },
        ),
      );
    }
    return send(
      200,
      {
        object: "request",
        id: row.id,
        created_at: row.createdAt,
        endpoint: row.endpoint,
        task: row.task,
        requested: row.requested,
        route: row.route,
        model: row.model,
        reason: row.reason,
        status: row.status,
        latency_ms: row.latencyMs,
        model_latency_ms: row.modelLatencyMs,
        error_code: row.errorCode,
        domain: row.domain,
        input_text: row.inputText,
        output_text: row.outputText,
        usage:
          row.promptTokens === null && row.completionTokens === null
            ? null
            : { prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens },
        cost_usd: row.costUsd,
        // What its classification steps' model calls cost, apart from the answer (ADR 0091).
        classification_tokens: row.classificationTokens ?? null,
        classification_cost_usd: row.classificationCostUsd ?? null,
        session: row.session ?? null,
        modelscout: row.decision === null ? null : loggedDecisionBody(row.decision),
        feedback: store.feedbackFor(row.id).map((feedback) => ({
          id: feedback.id,
          created_at: feedback.createdAt,
          rating: feedback.rating,
          correct: feedback.correct,
          label: feedback.label,
          latency_ms: feedback.latencyMs,
          reward: feedback.reward,
          applied: feedback.applied,
        })),
      },
      {},
    );
  });

  const modelObject = (entry: ModelListing) => ({
    id: entry.id,
    object: "model",
    created: 0,
    owned_by: "modelscout",
    modelscout: {
      kind: entry.kind,
      tasks: entry.tasks,
      ...(entry.description !== undefined && { description: entry.description }),
      ...(entry.provider !== undefined && { provider: entry.provider }),
    },
  });

  app.get("/v1/models", () =>
    send(200, { object: "list", data: router.listing().map(modelObject) }, {}),
  );

  // OpenAI's "retrieve model" (`client.models.retrieve(id)`): one entry of the list. Hub ids
  // hold a slash (`Xenova/bert-base`), so the id is the rest of the path (Hono unescapes it).
  app.get("/v1/models/:id{.+}", (context) => {
    const id = context.req.param("id");
    const entry = router.listing().find((candidate) => candidate.id === id);
    if (entry === undefined) return sendError(httpErrorFor(router.unknownModel(id)));
    return send(200, modelObject(entry), {});
  });

  app.get("/health", () => send(200, { status: "ok", version: VERSION }, {}));

  app.get("/ready", () => {
    const health = router.health();
    const storeError = store.lastFlushError;
    const syncError = options.stateSyncError?.() ?? null;
    const redactionError = writerRedacts ? store.logRedactionError : null;
    const ready = health.ready && storeError === null;
    return send(
      ready ? 200 : 503,
      {
        ready,
        unavailable: health.unavailable,
        ...(storeError !== null && { store_error: storeError }),
        ...(syncError !== null && { state_sync_error: syncError }),
        /** The request-log writer's scheduling: idle, normal, raised, unavailable, main-thread. */
        log_writer: store.writerPriority,
        /**
         * Where the request log's texts are redacted, when the writer thread was asked to
         * (ADR 0085): `writer`, or `main-thread` until it has loaded its redactor, or if it
         * could not (why: `log_redaction_error`; the rows are still redacted, on the event loop).
         */
        ...(writerRedacts && {
          log_redaction: store.textsRedactedInWriter ? "writer" : "main-thread",
        }),
        ...(redactionError !== null && { log_redaction_error: redactionError }),
        models: health.models,
        classification: health.classification,
      },
      {},
    );
  });

  app.notFound((context) =>
    sendError(
      openAIError(
        404,
        `No route ${context.req.method} ${context.req.path}. The server answers POST /v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings, /v1/audio/transcriptions, /v1/tasks/<task>, /v1/feedback and GET /v1/models, /v1/models/<id>, /v1/requests/<id>, /health, /ready.`,
        { code: "unknown_url" },
      ),
    ),
  );

  app.onError((error) => toResponse(unexpectedErrorAnswer(error)));

  return {
    app,
    endpoints,
    useRouter(next) {
      router = next;
    },
    useApiKeys(keys) {
      // The endpoints check keys only if the server started with some (no check, no cost).
      if (!access.required) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          "This server started without API keys, so its API is open; restart it with keys to require them.",
        );
      }
      if (keys.length === 0) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          "No API keys: that would refuse every request. The server keeps the keys it has; to open the API, restart it without keys.",
        );
      }
      access = createApiAccess(keys);
    },
  };
}

/**
 * Gives the learner the feedback that was stored but not applied (the learner failed, or
 * none was attached when it came), under `config`'s latency SLOs. Run at start-up; returns
 * how many were applied.
 */
export function replayUnappliedFeedback(
  store: RoutingStore,
  learner: RouteLearner,
  config: RoutesConfig,
): number {
  let applied = 0;
  for (const feedback of store.unappliedFeedback()) {
    const request = store.findRequest(feedback.requestId);
    const outcome =
      request === null ? null : feedbackOutcome(feedback, request, latencySloOf(config, request));
    try {
      if (outcome !== null) {
        learner.record(outcome);
        applied += 1;
      }
      store.markFeedbackApplied(feedback.id, null);
    } catch (error) {
      store.markFeedbackApplied(feedback.id, errorMessage(error));
    }
  }
  return applied;
}
