/**
 * @module
 * A `ModelBackend` for Hugging Face Inference Providers through the official client
 * (`@huggingface/inference`'s `InferenceClient`): text-classification, zero-shot-
 * classification, token-classification, feature-extraction / sentence-similarity and
 * text-generation (as chat), mapped to ModelScout's uniform outputs.
 *
 * The client hard-codes `https://huggingface.co` (provider-mapping lookup) and
 * `https://router.huggingface.co` (inference). A custom `fetch` handed to the client
 * rewrites those origins to `hubUrl` (default `HF_ENDPOINT`) and `routerUrl`, so a mirror or
 * a test server can stand in; an `endpointUrl` (a dedicated Inference Endpoint, a TGI
 * server) is passed to the client as is. The same `fetch` applies our timeout and retry
 * policy (the client's own retry on 503 loops without limit, so it is turned off) and turns
 * every failed answer into a `ModelScoutError` before the client sees it. The token comes
 * from `HF_TOKEN` unless given, and is redacted from every message.
 */
import { InferenceClient, type InferenceProviderOrPolicy } from "@huggingface/inference";
import type { ChatCompletionInputMessage } from "@huggingface/tasks";
import { z } from "zod";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  fetchWithRetry,
  type HttpOutcome,
  type HttpRetryEvent,
  type HttpRetryPolicy,
  networkReason,
  type ResponseHeaders,
} from "../../http/fetch-with-retry.js";
import { clearRequestTimer } from "../../http/request-timers.js";
import { openStreamedAnswer, type StreamedAnswer } from "../../http/undici-request.js";
import { hubEndpoint, hubToken } from "../../hub/hub-endpoint.js";
import { redactSecrets } from "../../hub/redact-secrets.js";
import { CancelSource } from "../cancellation.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type ChatTurn,
  type GenerationSettings,
  type LabelScore,
  type LoadResult,
  type ModelArtifact,
  type ModelBackend,
  type RunOptions,
  type Span,
  type StreamEnd,
  type TextStream,
} from "../model-backend.js";
import { backendHttpError } from "./backend-http-error.js";
import { inputLabels, inputMessages, inputText } from "./backend-inputs.js";
import { endpointWithoutCredentials } from "./endpoint-without-credentials.js";
import { isLoopbackUrl } from "./is-loopback-url.js";
import { mapWithConcurrency } from "./map-with-concurrency.js";
import {
  openAIAnswerToolCallsSchema,
  openAILogprobsSchema,
  openAIMessages,
  openAIStreamChunkSchema,
  openAIUsageSchema,
  settingsFor,
  streamChunkParts,
  textOutput,
  withOpenAIGenerationFields,
} from "./openai-chat-fields.js";

/** Whether the client is sending a streamed chat completion (its JSON body says `stream: true`). */
function isStreamedChat(init: RequestInit): boolean {
  if (typeof init.body !== "string" || !init.body.includes('"stream"')) return false;
  try {
    return (JSON.parse(init.body) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

export const HF_INFERENCE_TASKS = [
  "text-classification",
  "zero-shot-classification",
  "token-classification",
  "feature-extraction",
  "sentence-similarity",
  "text-generation",
] as const;
export type HfInferenceTask = (typeof HF_INFERENCE_TASKS)[number];

const HF_HUB_ORIGIN = "https://huggingface.co";
const HF_ROUTER_ORIGIN = "https://router.huggingface.co";

export interface HfInferenceBackendOptions {
  /** Hub model id, e.g. `distilbert/distilbert-base-uncased-finetuned-sst-2-english`. */
  model: string;
  task: string;
  /** Defaults to `HF_TOKEN` (or `HUGGING_FACE_HUB_TOKEN`). Never appears in errors. */
  accessToken?: string;
  /** Inference provider; default `hf-inference`. Ignored when `endpointUrl` is set. */
  provider?: InferenceProviderOrPolicy;
  /** A dedicated endpoint (Inference Endpoint, TGI, a local server) instead of the router. */
  endpointUrl?: string;
  /** Where provider mappings are looked up; default `HF_ENDPOINT` or huggingface.co. */
  hubUrl?: string;
  /** Stands in for https://router.huggingface.co (tests, proxies). */
  routerUrl?: string;
  fetch?: typeof fetch;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  retry?: HttpRetryPolicy;
  onRetry?: (event: HttpRetryEvent) => void;
  /** The catalog id this backend answers for; defaults to `model`. */
  modelId?: string;
  /** Overrides the rule "local only for a loopback endpointUrl". */
  local?: boolean;
  /** Default candidate labels for zero-shot inputs that bring none. */
  labels?: readonly string[];
  /** Generation length cap (`max_tokens`). */
  maxTokens?: number;
  temperature?: number;
  /** The chat model reads images in user turns (`describe().imageInputs`). */
  vision?: boolean;
  /** Requests in flight at once for per-item tasks. Default 4. */
  maxConcurrency?: number;
  /** Where to read `HF_TOKEN` and `HF_ENDPOINT`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const labelScoresSchema = z.array(z.object({ label: z.string(), score: z.number() }));
const tokenClassificationSchema = z.array(
  z.object({
    entity_group: z.string().nullish(),
    entity: z.string().nullish(),
    score: z.number(),
    word: z.string().nullish(),
    start: z.number().int().nullish(),
    end: z.number().int().nullish(),
  }),
);
type NestedNumbers = number | NestedNumbers[];
const nestedNumbersSchema: z.ZodType<NestedNumbers> = z.lazy(() =>
  z.union([z.number(), z.array(nestedNumbersSchema)]),
);
const featureExtractionSchema = z.array(nestedNumbersSchema);
const chatSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: openAIAnswerToolCallsSchema,
        }),
        finish_reason: z.string().nullish(),
        logprobs: openAILogprobsSchema,
      }),
    )
    .min(1),
  usage: openAIUsageSchema,
});

/**
 * Chat turns as the client sends them: OpenAI's messages, with tool calls and tool results
 * (the client's types have them; its `content` is not nullable, so an assistant turn that
 * only called tools sends "").
 */
/**
 * OpenAI's generation fields for the client, without `logit_bias`: the client types it as
 * TGI's list, not OpenAI's map, and the router sends biased chats only to models whose
 * `describe().logitBias` is true, which these are not.
 */
function hfGenerationFields(settings: GenerationSettings) {
  const { logit_bias: _bias, ...fields } = withOpenAIGenerationFields({}, settings);
  return fields;
}

function hfMessages(turns: readonly ChatTurn[]): ChatCompletionInputMessage[] {
  return openAIMessages(turns).map(
    (message) =>
      Object.assign({}, message, { content: message.content ?? "" }) as ChatCompletionInputMessage,
  );
}

function clampScore(score: number): number {
  return Math.min(1, Math.max(0, score));
}

function sortedLabels(labels: readonly LabelScore[]): LabelScore[] {
  return labels
    .map((entry) => ({ label: entry.label, score: clampScore(entry.score) }))
    .sort((a, b) => b.score - a.score);
}

/**
 * One vector per text: a pooled `number[]` as sentence-transformers models give, or the mean
 * of token vectors (`number[][]`, possibly wrapped in a batch of one) for plain encoders.
 */
function toSentenceVector(value: NestedNumbers): number[] | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.every((item) => typeof item === "number")) return value as number[];
  let tokens = value;
  if (
    tokens.length === 1 &&
    Array.isArray(tokens[0]) &&
    (tokens[0] as NestedNumbers[]).every(Array.isArray)
  ) {
    tokens = tokens[0] as NestedNumbers[];
  }
  const rows = tokens.filter(
    (row): row is number[] => Array.isArray(row) && row.every((item) => typeof item === "number"),
  );
  if (rows.length === 0 || rows.length !== tokens.length) return undefined;
  const width = rows[0]?.length ?? 0;
  if (width === 0 || rows.some((row) => row.length !== width)) return undefined;
  const sums = new Array<number>(width).fill(0);
  for (const row of rows) {
    for (let index = 0; index < width; index += 1)
      sums[index] = (sums[index] ?? 0) + (row[index] ?? 0);
  }
  return sums.map((sum) => sum / rows.length);
}

function isHfInferenceTask(task: string): task is HfInferenceTask {
  return (HF_INFERENCE_TASKS as readonly string[]).includes(task);
}

class HfInferenceBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider = "hf-inference";
  readonly modelId: string;
  readonly #options: HfInferenceBackendOptions;
  readonly #task: HfInferenceTask;
  readonly #token: string | undefined;
  readonly #hubUrl: string;
  readonly #local: boolean;
  #client: InferenceClient | undefined;

  constructor(options: HfInferenceBackendOptions) {
    if (!isHfInferenceTask(options.task)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Hugging Face Inference cannot run task "${options.task}" here: supported tasks are ${HF_INFERENCE_TASKS.join(", ")}.`,
        { details: { task: options.task } },
      );
    }
    const env = options.env ?? process.env;
    this.#options = options;
    this.#task = options.task;
    this.#token = options.accessToken ?? hubToken(env);
    this.#hubUrl = (options.hubUrl ?? hubEndpoint(env)).replace(/\/+$/, "");
    this.modelId = options.modelId ?? options.model;
    this.#local =
      options.local ?? (options.endpointUrl !== undefined && isLoopbackUrl(options.endpointUrl));
  }

  describe(): BackendDescription {
    return {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: this.provider,
      modelId: this.modelId,
      task: this.#task,
      local: this.#local,
      // Chat models through the client take tools; providers without them answer an error.
      ...(this.#task === "text-generation" && { toolCalls: true, logprobs: true }),
      ...(this.#task === "text-generation" &&
        this.#options.vision === true && { imageInputs: true }),
      ...(this.#options.labels !== undefined && { labels: this.#options.labels }),
      ...(this.#task === "zero-shot-classification" && { candidateLabels: true }),
    };
  }

  /** Where requests go: a dedicated endpoint, or the router and its provider. */
  #artifact(): ModelArtifact {
    const endpoint = this.#options.endpointUrl ?? this.#options.routerUrl ?? HF_ROUTER_ORIGIN;
    const through =
      this.#options.endpointUrl === undefined
        ? ` through inference provider ${String(this.#options.provider ?? "hf-inference")}`
        : "";
    return {
      kind: "remote",
      endpoint: endpointWithoutCredentials(endpoint, [this.#token]),
      model: this.#options.model,
      note: `A model behind a server${through}: its weights cannot be identified from here, only where requests went and the model name sent.`,
    };
  }

  /**
   * Creates the client. No request is made: the router has no cheap health route, and the
   * first real request reports a bad token or model as clearly.
   */
  async load(options: RunOptions = {}): Promise<LoadResult> {
    options.signal?.throwIfAborted();
    if (this.#client !== undefined) return { loadMs: 0, artifact: this.#artifact() };
    const startedAt = performance.now();
    this.#client = new InferenceClient(this.#token ?? "", {
      fetch: this.#fetch,
      retry_on_error: false,
      ...(this.#options.endpointUrl !== undefined && { endpointUrl: this.#options.endpointUrl }),
    });
    return { loadMs: performance.now() - startedAt, artifact: this.#artifact() };
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    options.signal?.throwIfAborted();
    if (inputs.length === 0) return [];
    await this.load(options);
    const client = this.#client as InferenceClient;
    const callOptions = {
      retry_on_error: false,
      ...(options.signal && { signal: options.signal }),
      ...(options.headers !== undefined && { fetch: this.#fetchWith(options.headers) }),
    };
    const concurrency = this.#options.maxConcurrency ?? 4;
    const task = this.#task;

    return this.#guard(options, async () => {
      switch (task) {
        case "feature-extraction":
        case "sentence-similarity": {
          const texts = inputs.map((input, index) => inputText(input, task, index));
          const raw = await client.featureExtraction(this.#request({ inputs: texts }), callOptions);
          const parsed = this.#parse(featureExtractionSchema, raw);
          const vectors = parsed.map(toSentenceVector);
          if (vectors.length !== texts.length || vectors.some((vector) => vector === undefined)) {
            throw this.#invalid(
              `returned ${vectors.length} embeddings of an unexpected shape for ${texts.length} inputs`,
            );
          }
          return vectors.map((vector) => ({ kind: "embedding", vector: vector as number[] }));
        }
        case "text-classification": {
          const texts = inputs.map((input, index) => inputText(input, task, index));
          return mapWithConcurrency(texts, concurrency, async (text) => {
            const raw = await client.textClassification(
              this.#request({ inputs: text }),
              callOptions,
            );
            return {
              kind: "labels" as const,
              labels: sortedLabels(this.#parse(labelScoresSchema, raw)),
            };
          });
        }
        case "zero-shot-classification": {
          const items = inputs.map((input, index) => ({
            text: inputText(input, task, index),
            labels: inputLabels(input, this.#options.labels, task, index),
          }));
          return mapWithConcurrency(items, concurrency, async (item) => {
            const raw = await client.zeroShotClassification(
              this.#request({
                inputs: item.text,
                parameters: { candidate_labels: [...item.labels] },
              }),
              callOptions,
            );
            return {
              kind: "labels" as const,
              labels: sortedLabels(this.#parse(labelScoresSchema, raw)),
            };
          });
        }
        case "token-classification": {
          const texts = inputs.map((input, index) => inputText(input, task, index));
          return mapWithConcurrency(texts, concurrency, async (text) => {
            const raw = await client.tokenClassification(
              this.#request({ inputs: text }),
              callOptions,
            );
            const spans: Span[] = this.#parse(tokenClassificationSchema, raw).map((entity) => {
              const start = entity.start ?? 0;
              const end = entity.end ?? start;
              return {
                label: entity.entity_group ?? entity.entity ?? "",
                start,
                end,
                // The offsets are the truth; `word` is detokenised and may differ (`##ing`).
                text: end > start ? text.slice(start, end) : (entity.word ?? ""),
                score: clampScore(entity.score),
              };
            });
            return { kind: "spans" as const, spans };
          });
        }
        case "text-generation": {
          const conversations = inputs.map((input, index) => ({
            messages: inputMessages(input, task, index),
            settings: settingsFor(input, this.#options),
          }));
          return mapWithConcurrency(conversations, concurrency, async (conversation) => {
            const raw = await client.chatCompletion(
              this.#request({
                messages: hfMessages(conversation.messages),
                ...hfGenerationFields(conversation.settings),
              }),
              callOptions,
            );
            const parsed = this.#parse(chatSchema, raw);
            const choice = parsed.choices[0];
            return textOutput(
              choice?.message.content ?? "",
              choice?.finish_reason,
              parsed.usage,
              choice?.message.tool_calls,
              choice?.logprobs,
            );
          });
        }
      }
    });
  }

  /**
   * A chat answer as the model writes it, through the client's `chatCompletionStream` (which
   * resolves the provider as `doRun` does) over `#fetchStream`. Resolves with the first
   * chunk read, so a refusal or an unreachable provider rejects here and the router can fall
   * back; pieces, then a `StreamEnd` when the provider said how the answer ended or what it
   * used. Ending the iteration early, or the caller's signal, stops the generation.
   */
  async doStream(input: BackendInput, options: RunOptions = {}): Promise<TextStream> {
    options.signal?.throwIfAborted();
    if (this.#task !== "text-generation") {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Only text generation streams; this backend runs ${this.#task}.`,
      );
    }
    await this.load(options);
    const client = this.#client as InferenceClient;
    const settings = settingsFor(input, this.#options);
    const stop = new AbortController();
    const caller = options.signal;
    const onCallerAbort = () => stop.abort(caller?.reason);
    caller?.addEventListener("abort", onCallerAbort, { once: true });
    const release = () => caller?.removeEventListener("abort", onCallerAbort);
    const chunks = client.chatCompletionStream(
      this.#request({
        messages: hfMessages(inputMessages(input, this.#task, 0)),
        ...hfGenerationFields(settings),
        ...(settings.streamUsage === true && { stream_options: { include_usage: true } }),
      }),
      {
        retry_on_error: false,
        signal: stop.signal,
        ...(options.headers !== undefined && { fetch: this.#fetchWith(options.headers) }),
      },
    );
    const next = () => this.#guard(options, () => chunks.next());
    let first: Awaited<ReturnType<typeof chunks.next>>;
    try {
      first = await next();
    } catch (error) {
      release();
      stop.abort();
      throw error;
    }
    const parse = (raw: unknown) => this.#parse(openAIStreamChunkSchema, raw);
    async function* pieces(): TextStream {
      const end: StreamEnd = {};
      try {
        for (let item = first; item.done !== true; item = await next()) {
          yield* streamChunkParts(parse(item.value), end);
        }
        if (end.finishReason !== undefined || end.usage !== undefined) yield end;
      } finally {
        release();
        stop.abort(); // an early end: stop the generation; after the end: a no-op
        await chunks.return(undefined).catch(() => {});
      }
    }
    return pieces();
  }

  /** Which model, and through which provider unless a dedicated endpoint is set. */
  /**
   * A call's arguments: the model (and provider) with the call's own `fields`, in one literal.
   * Spreading a prepared model-and-provider object and then adding fields would cost a new
   * hidden class in V8's old space on every call (docs/decisions/0030).
   */
  #request<Fields extends object>(fields: Fields) {
    return {
      model: this.#options.model,
      ...(this.#options.endpointUrl === undefined && {
        provider: this.#options.provider ?? ("hf-inference" as const),
      }),
      ...fields,
    };
  }

  async unload(): Promise<void> {
    this.#client = undefined;
  }

  /**
   * `#fetch`, sending the client's forwarded headers too (`RunOptions.headers`); the client's
   * own (its token, the content type) win on a clash.
   */
  #fetchWith(forwarded: Readonly<Record<string, string>>): typeof fetch {
    return (input, init = {}) => {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(forwarded)) {
        if (!headers.has(name)) headers.set(name, value);
      }
      return this.#fetch(input, Object.assign({}, init, { headers }));
    };
  }

  /** The `fetch` the client uses: origin rewriting, timeouts, retries, error mapping. */
  readonly #fetch = async (
    input: string | URL | Request,
    init: RequestInit = {},
  ): Promise<Response> => {
    const original = input instanceof Request ? input.url : String(input);
    const url = this.#rewrite(original);
    if (isStreamedChat(init)) return this.#fetchStream(url, init);
    const outcome = await fetchWithRetry(
      url,
      {
        method: init.method ?? "GET",
        ...(init.headers !== undefined && { headers: init.headers }),
        ...(init.body !== undefined && init.body !== null && { body: init.body }),
      },
      {
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        ...(this.#options.fetch !== undefined && { fetch: this.#options.fetch }),
        ...(init.signal !== undefined && init.signal !== null && { signal: init.signal }),
        ...(this.#options.retry !== undefined && { retry: this.#options.retry }),
        ...(this.#options.onRetry !== undefined && { onRetry: this.#options.onRetry }),
      },
    );
    if (outcome.kind !== "response" || outcome.status < 200 || outcome.status >= 300) {
      throw this.#httpError(outcome, url, init);
    }
    const contentType = outcome.headers.get("content-type");
    return new Response(outcome.status === 204 ? null : outcome.text, {
      status: outcome.status,
      headers: contentType === null ? {} : { "content-type": contentType },
    });
  };

  #httpError(outcome: HttpOutcome<ResponseHeaders>, url: string, init: RequestInit) {
    const isMappingLookup = url.startsWith(`${this.#hubUrl}/api/models/`);
    return backendHttpError(outcome, {
      serverName: isMappingLookup
        ? `The Hugging Face Hub (looking up inference providers for ${this.#options.model})`
        : "Hugging Face Inference",
      url,
      modelId: this.#options.model,
      secrets: [this.#token],
      // The client sends a non-`hf_` key to providers but not to the Hub's mapping lookup.
      sentCredentials: new Headers(init.headers).has("authorization"),
      credentialHint:
        "set HF_TOKEN to a Hugging Face access token with the 'Make calls to Inference Providers' permission",
    });
  }

  /**
   * A streamed chat (`stream: true`) for the client: sent once, no retries (nothing can be
   * re-sent once read), and its body handed on chunk by chunk as it arrives, where `#fetch`
   * would read a whole answer first. A gap of the backend's `timeoutMs` between two chunks
   * ends it with `BACKEND_TIMEOUT`; the client's signal, or the client cancelling the body,
   * closes the connection, which stops the generation.
   */
  async #fetchStream(url: string, init: RequestInit): Promise<Response> {
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    const outer = init.signal ?? undefined;
    outer?.throwIfAborted();
    // Not an `AbortController`: one per stream outlives the young generation (ADR 0036).
    const local = new CancelSource();
    const onOuterAbort = () => local.abort(outer?.reason);
    outer?.addEventListener("abort", onOuterAbort, { once: true });
    const release = () => outer?.removeEventListener("abort", onOuterAbort);
    const request = {
      method: "POST" as const,
      headers: Object.fromEntries(new Headers(init.headers)),
      body: init.body as string,
    };
    let answer: StreamedAnswer;
    try {
      answer = await openStreamedAnswer(
        url,
        request,
        local,
        (failed) => this.#httpError(failed, url, init),
        this.#options.fetch,
      );
    } catch (error) {
      release();
      throw error;
    }
    const model = this.#options.model;
    // Made when the timer fires, not per stream (an error captures the stack it is made on).
    const idle = () =>
      local.abort(
        new ModelScoutError(
          "BACKEND_TIMEOUT",
          `Hugging Face Inference sent nothing for ${timeoutMs} ms in the middle of a streamed answer from ${model}.`,
        ),
      );
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const idleTimer = setTimeout(idle, timeoutMs);
        try {
          const chunk = await answer.read();
          if (chunk === null) {
            release();
            controller.close();
          } else {
            controller.enqueue(chunk);
          }
        } catch (error) {
          release();
          // Ours (the quiet-time limit) or the client's abort reason as they are; a cut
          // connection as a failed request, not as an answer the client could not read.
          controller.error(
            ModelScoutError.isInstance(error) || local.aborted
              ? error
              : new ModelScoutError(
                  "BACKEND_REQUEST_FAILED",
                  `Hugging Face Inference broke off a streamed answer from ${model} (${networkReason(error)}).`,
                  { cause: error },
                ),
          );
        } finally {
          clearRequestTimer(idleTimer);
        }
      },
      cancel(reason) {
        release();
        local.abort(reason);
      },
    });
    return new Response(body, {
      status: answer.status,
      headers: { "content-type": answer.headers.get("content-type") ?? "text/event-stream" },
    });
  }

  #rewrite(url: string): string {
    if (url.startsWith(HF_ROUTER_ORIGIN) && this.#options.routerUrl !== undefined) {
      return this.#options.routerUrl.replace(/\/+$/, "") + url.slice(HF_ROUTER_ORIGIN.length);
    }
    if (url.startsWith(`${HF_HUB_ORIGIN}/`)) return this.#hubUrl + url.slice(HF_HUB_ORIGIN.length);
    return url;
  }

  /** Runs the client, translating its own errors (bad JSON, bad shapes, bad arguments). */
  async #guard<T>(options: RunOptions, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (ModelScoutError.isInstance(error)) throw error;
      const message = redactSecrets(errorMessage(error), [this.#token]);
      const name = error instanceof Error ? error.name : "";
      if (name === "InputError") {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Hugging Face Inference refused the request for ${this.#options.model} before sending it: ${message}`,
          { details: { modelId: this.modelId } },
        );
      }
      if (name === "AbortError" || name === "TimeoutError") throw error;
      throw this.#invalid(`answered in a way the client could not read (${message})`);
    }
  }

  #parse<T>(schema: z.ZodType<T>, value: unknown): T {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues
      .slice(0, 3)
      .map((entry) => `${entry.path.join(".") || "(root)"}: ${entry.message}`)
      .join("; ");
    throw this.#invalid(`answered in an unexpected shape (${issue})`);
  }

  #invalid(what: string): ModelScoutError {
    return new ModelScoutError(
      "BACKEND_RESPONSE_INVALID",
      `Hugging Face Inference ${what} for ${this.#options.model} (${this.#task}). Check that the model is deployed for this task on the provider or endpoint.`,
      { details: { modelId: this.modelId, task: this.#task } },
    );
  }
}

/** A backend for one model on Hugging Face Inference Providers or a dedicated endpoint. */
/** Streams text generation (`doStream`); other tasks reject it with INVALID_ARGUMENT. */
export type HfInferenceModelBackend = ModelBackend & {
  doStream(input: BackendInput, options?: RunOptions): Promise<TextStream>;
};

export function createHfInferenceBackend(
  options: HfInferenceBackendOptions,
): HfInferenceModelBackend {
  return new HfInferenceBackend(options);
}
