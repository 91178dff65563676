/**
 * @module
 * A `ModelBackend` for any server that speaks the OpenAI HTTP API: vLLM, TGI's Messages API,
 * Ollama (`/v1`), llama.cpp's `llama-server`, LiteLLM, OpenAI itself. Text generation uses
 * `POST {baseURL}/chat/completions`; embeddings use `POST {baseURL}/embeddings` with the
 * whole batch in one request; classification (text and zero-shot) asks the chat endpoint to
 * pick one of the candidate labels (see `prompt-classifier.ts`).
 *
 * Only the common subset is relied on, because the servers differ: TGI and llama.cpp ignore
 * the `model` field (they serve one model); Ollama and llama.cpp ignore the API key; TGI has
 * no embeddings route (its sibling TEI has one); llama.cpp serves embeddings only when
 * started with `--embeddings`; Ollama rejects `dimensions`; `usage` and `index` are not
 * always present. So requests carry only `model`, `messages`/`input` and the sampling
 * fields, responses are parsed leniently with zod, and embeddings are ordered by `index`
 * when the server sends it.
 *
 * Requests go through `requestWithRetry` (undici's dispatcher with keep-alive connections:
 * the routing server calls this once per routed request, and `fetch`, then `node:http`'s
 * client, cost more than the routing) or, when a `fetch` is given, `fetchWithRetry`; both
 * time out, and retry on 408/429/5xx and network errors. The API key and any
 * credential-like header are redacted from every error.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { z } from "zod";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  DEFAULT_HTTP_TIMEOUT_MS,
  fetchWithRetry,
  type HttpOutcome,
  type HttpRetryEvent,
  type HttpRetryOptions,
  type HttpRetryPolicy,
  networkReason,
  type ResponseHeaders,
} from "../../http/fetch-with-retry.js";
import { type MultipartForm, multipartForm } from "../../http/multipart-form.js";
import { clearRequestTimer } from "../../http/request-timers.js";
import {
  openStreamedAnswer,
  requestWithRetry,
  type StreamedAnswer,
} from "../../http/undici-request.js";
import { redactSecrets } from "../../hub/redact-secrets.js";
import { encodeWav } from "../../media/encode-wav.js";
import { CancelSource, cancelSignalOf, throwIfRunAborted } from "../cancellation.js";
import {
  type AudioFile,
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type ChatTurn,
  type GenerationSettings,
  type LoadResult,
  type ModelArtifact,
  type ModelBackend,
  type RawCompletion,
  type RunOptions,
  rawCompletionOf,
  type StreamEnd,
  type TextStream,
  type TextStreamPart,
} from "../model-backend.js";
import { backendHttpError } from "./backend-http-error.js";
import { inputImageUrl, inputLabels, inputMessages, inputText } from "./backend-inputs.js";
import { endpointWithoutCredentials } from "./endpoint-without-credentials.js";
import { isLoopbackUrl } from "./is-loopback-url.js";
import { mapWithConcurrency } from "./map-with-concurrency.js";
import {
  answerUsageOf,
  completionResponseSchema,
  type OpenAIMessage,
  type OpenAIStreamChunk,
  openAIAnswerToolCallsSchema,
  openAILogprobsSchema,
  openAIMessages,
  openAIStreamChunkSchema,
  openAIUsageSchema,
  settingsFor,
  streamChunkParts,
  type TextOutput,
  textOutput,
  withOpenAIGenerationFields,
} from "./openai-chat-fields.js";
import {
  labelsAnswers,
  promptClassifierMessages,
  promptImageClassifierMessages,
  promptImageReaderMessages,
} from "./prompt-classifier.js";
import { splitBatchUsage } from "./split-batch-usage.js";

/** What each supported pipeline tag is sent as. */
export const OPENAI_COMPATIBLE_TASKS = {
  "text-generation": "chat",
  "feature-extraction": "embeddings",
  "sentence-similarity": "embeddings",
  "text-classification": "prompt-classifier",
  "zero-shot-classification": "prompt-classifier",
  "automatic-speech-recognition": "transcription",
  // A vision chat model shown the picture: a label from the list, or the text it reads.
  "image-classification": "image-classifier",
  "image-to-text": "image-reader",
} as const satisfies Record<
  string,
  | "chat"
  | "embeddings"
  | "prompt-classifier"
  | "transcription"
  | "image-classifier"
  | "image-reader"
>;
export type OpenAICompatibleTask = keyof typeof OPENAI_COMPATIBLE_TASKS;

/** Whether a model of `task` on an OpenAI-compatible server answers by naming one of its labels. */
export function namesOneOfItsLabels(task: string | null): boolean {
  if (task === null || !Object.hasOwn(OPENAI_COMPATIBLE_TASKS, task)) return false;
  const kind = OPENAI_COMPATIBLE_TASKS[task as OpenAICompatibleTask];
  return kind === "prompt-classifier" || kind === "image-classifier";
}

export interface OpenAICompatibleBackendOptions {
  /** Up to and including the API version, e.g. `http://127.0.0.1:8000/v1`, `http://localhost:11434/v1`. */
  baseURL: string;
  /** The model name the server expects in the `model` field. */
  model: string;
  /** Pipeline tag; see `OPENAI_COMPATIBLE_TASKS`. */
  task: string;
  /** Sent as `Authorization: Bearer`; never appears in errors. */
  apiKey?: string;
  /** Extra headers (an organisation header, a gateway key). Credential-like values are redacted. */
  headers?: Record<string, string>;
  /** Sends requests with this `fetch` instead of undici's dispatcher (a proxy-aware or instrumented fetch). */
  fetch?: typeof fetch;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  retry?: HttpRetryPolicy;
  onRetry?: (event: HttpRetryEvent) => void;
  /** The catalog id this backend answers for; defaults to `model`. */
  modelId?: string;
  /** Overrides the loopback rule (see `is-loopback-url.ts`) when the caller knows better. */
  local?: boolean;
  /** Default candidate labels for classification inputs that bring none. */
  labels?: readonly string[];
  /** Generation length cap sent as `max_tokens`; the server's default when absent. */
  maxTokens?: number;
  /** Sampling temperature for generation; classification always uses 0. */
  temperature?: number;
  /** The chat model reads images in user turns (`describe().imageInputs`). */
  vision?: boolean;
  /**
   * The server completes raw text at `{baseURL}/completions` (a base or code model): inputs
   * with a `completion` go there, prompt unchanged (`describe().rawCompletions`).
   */
  rawCompletions?: boolean;
  /** Chat requests in flight at once for a batch. Default 4. */
  maxConcurrency?: number;
  /** How to get a credential, for 401 messages. */
  credentialHint?: string;
}

/** Tokens the server reported as used, summed over this backend's lifetime. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export const chatResponseSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          // Reasoning models served by vLLM and llama.cpp may put the text here instead.
          reasoning_content: z.string().nullish(),
          reasoning: z.string().nullish(),
          tool_calls: openAIAnswerToolCallsSchema,
        }),
        finish_reason: z.string().nullish(),
        logprobs: openAILogprobsSchema,
      }),
    )
    .min(1),
  usage: openAIUsageSchema,
});

type ChatResponse = z.infer<typeof chatResponseSchema>;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The commonest chat answer, checked by hand: every choice a message of text (no tool calls,
 * no reasoning), and numbers or nothing for the usage. Returns the answer as it came, which
 * holds all that `chatResponseSchema` would keep, or `undefined` for anything else, which zod
 * then checks and words the errors for. Parsing every answer with zod cost about 3 % of a
 * proxied request's instructions (`bench/router-instructions.ts`).
 */
export function plainChatResponse(json: unknown): ChatResponse | undefined {
  if (!isPlainObject(json)) return undefined;
  const { choices, usage } = json;
  if (!Array.isArray(choices) || choices.length === 0) return undefined;
  for (const choice of choices) {
    if (!isPlainObject(choice) || !isPlainObject(choice.message)) return undefined;
    const reason = choice.finish_reason;
    if (reason != null && typeof reason !== "string") return undefined;
    const message = choice.message;
    if (message.content != null && typeof message.content !== "string") return undefined;
    if (message.tool_calls != null || message.reasoning_content != null) return undefined;
    if (message.reasoning != null) return undefined;
    if (choice.logprobs != null) return undefined;
  }
  if (usage != null) {
    if (!isPlainObject(usage)) return undefined;
    const { prompt_tokens: prompt, completion_tokens: completion } = usage;
    if (prompt != null && typeof prompt !== "number") return undefined;
    if (completion != null && typeof completion !== "number") return undefined;
  }
  return json as ChatResponse;
}

const embeddingsResponseSchema = z.object({
  data: z.array(
    z.object({
      embedding: z.array(z.number()),
      index: z.number().int().nonnegative().nullish(),
    }),
  ),
  usage: openAIUsageSchema,
});

/** OpenAI's transcription answer (`response_format: json`). */
const transcriptionResponseSchema = z.looseObject({ text: z.string() });

/** File extensions servers may read a format from, by media type. */
const AUDIO_EXTENSIONS: Record<string, string> = {
  "audio/wav": "wav",
  "audio/mpeg": "mp3",
  "audio/flac": "flac",
  "audio/ogg": "ogg",
  "audio/mp4": "m4a",
  "audio/webm": "webm",
};

/** Health checks try once: the next check is the retry. */
const NO_RETRY = { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 };
const CREDENTIAL_HEADER = /auth|key|token|secret|cookie|password/i;
const CLASSIFIER_MAX_TOKENS = 32;

function isSupportedTask(task: string): task is OpenAICompatibleTask {
  return Object.hasOwn(OPENAI_COMPATIBLE_TASKS, task);
}

/** The reason a stream's connection is closed after `[DONE]`, when its end has not come yet. */
const ANSWER_COMPLETE = new Error("The streamed answer is complete.");

class OpenAICompatibleBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider = "openai-compatible";
  readonly modelId: string;
  readonly #options: OpenAICompatibleBackendOptions;
  readonly #task: OpenAICompatibleTask;
  readonly #baseURL: string;
  /**
   * `{baseURL}/chat/completions`, made once: the outbound client looks its parsed form up by
   * this text on every call, and a string made per call is hashed again each time.
   */
  readonly #chatURL: string;
  /** `{baseURL}/completions`, for raw completions (`rawCompletions`). */
  readonly #completionsURL: string;
  readonly #headers: Record<string, string>;
  readonly #postHeaders: Readonly<Record<string, string>>;
  readonly #streamHeaders: Readonly<Record<string, string>>;
  readonly #retryOptions: Omit<HttpRetryOptions, "signal">;
  readonly #secrets: string[];
  readonly #local: boolean;
  /** The declared generation settings, for chats that set none of their own. */
  readonly #declared: GenerationSettings;
  #loaded = false;
  #usage: TokenUsage = { promptTokens: 0, completionTokens: 0 };

  constructor(options: OpenAICompatibleBackendOptions) {
    if (!isSupportedTask(options.task)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `An OpenAI-compatible server cannot run task "${options.task}": supported tasks are ${Object.keys(OPENAI_COMPATIBLE_TASKS).join(", ")}.`,
        { details: { task: options.task } },
      );
    }
    try {
      new URL(options.baseURL);
    } catch (error) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `"${redactSecrets(options.baseURL, [options.apiKey])}" is not a valid base URL: give one like http://127.0.0.1:8000/v1.`,
        { cause: error },
      );
    }
    this.#options = options;
    // biome-ignore lint/plugin/no-spread-then-field: once per backend
    this.#declared = {
      ...(options.maxTokens !== undefined && { maxTokens: options.maxTokens }),
      ...(options.temperature !== undefined && { temperature: options.temperature }),
    };
    this.#task = options.task;
    this.#baseURL = options.baseURL.replace(/\/+$/, "");
    this.#chatURL = `${this.#baseURL}/chat/completions`;
    this.#completionsURL = `${this.#baseURL}/completions`;
    this.modelId = options.modelId ?? options.model;
    this.#local = options.local ?? isLoopbackUrl(options.baseURL);
    this.#headers = { accept: "application/json" };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      this.#headers[name.toLowerCase()] = value;
    }
    if (options.apiKey !== undefined && options.apiKey !== "") {
      this.#headers.authorization = `Bearer ${options.apiKey}`;
    }
    // Built once: a spread and then a field of its own costs a new hidden class per call
    // (docs/decisions/0030), so no request builds one.
    // biome-ignore lint/plugin/no-spread-then-field: once per backend
    this.#postHeaders = { ...this.#headers, "content-type": "application/json" };
    // biome-ignore lint/plugin/no-spread-then-field: once per backend
    this.#streamHeaders = { ...this.#postHeaders, accept: "text/event-stream" };
    // Frozen: the lean HTTP client writes a frozen object's header lines once (ADR 0087).
    Object.freeze(this.#headers);
    Object.freeze(this.#postHeaders);
    Object.freeze(this.#streamHeaders);
    this.#retryOptions = {
      timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      ...(options.retry !== undefined && { retry: options.retry }),
      ...(options.onRetry !== undefined && { onRetry: options.onRetry }),
    };
    this.#secrets = [
      ...(options.apiKey === undefined ? [] : [options.apiKey]),
      ...Object.entries(options.headers ?? {})
        .filter(([name]) => CREDENTIAL_HEADER.test(name))
        .map(([, value]) => value),
    ];
  }

  describe(): BackendDescription {
    return {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: this.provider,
      modelId: this.modelId,
      task: this.#task,
      local: this.#local,
      ...(this.#options.labels !== undefined && { labels: this.#options.labels }),
      ...(OPENAI_COMPATIBLE_TASKS[this.#task] === "chat" && {
        toolCalls: true,
        logprobs: true,
        logitBias: true,
      }),
      ...(OPENAI_COMPATIBLE_TASKS[this.#task] === "chat" &&
        this.#options.vision === true && { imageInputs: true }),
      ...(OPENAI_COMPATIBLE_TASKS[this.#task] === "chat" &&
        this.#options.rawCompletions === true && { rawCompletions: true }),
      // A speech server decodes the formats itself (MP3, Ogg, ...).
      ...(OPENAI_COMPATIBLE_TASKS[this.#task] === "transcription" && { audioFiles: true }),
      // The labels are named in the prompt (`inputLabels`).
      ...(OPENAI_COMPATIBLE_TASKS[this.#task] === "prompt-classifier" && { candidateLabels: true }),
    };
  }

  /** Where the model is, as far as anyone here can tell: the server and the name it was sent. */
  #artifact(): ModelArtifact {
    return {
      kind: "remote",
      endpoint: endpointWithoutCredentials(this.#baseURL, this.#secrets),
      model: this.#options.model,
      note: "A model behind a server: its weights cannot be identified from here, only where requests went and the model name sent.",
    };
  }

  /** Token counts the server reported so far (servers that omit `usage` add nothing). */
  tokenUsage(): TokenUsage {
    return { ...this.#usage };
  }

  /**
   * Checks the server answers and accepts our credential, with `GET {baseURL}/models`.
   * Nothing is loaded server-side; any answer other than 401/403 counts as reachable,
   * because not every server implements the route (older TGI) and some list a different
   * name than the one they accept (llama.cpp lists the file path).
   */
  async load(options: RunOptions = {}): Promise<LoadResult> {
    if (this.#loaded) return { loadMs: 0, artifact: this.#artifact() };
    const startedAt = performance.now();
    const url = `${this.#baseURL}/models`;
    const outcome = await this.#send(url, undefined, options);
    const refused =
      outcome.kind === "response" && (outcome.status === 401 || outcome.status === 403);
    if (outcome.kind !== "response" || refused) throw this.#error(outcome, url);
    this.#loaded = true;
    return { loadMs: performance.now() - startedAt, artifact: this.#artifact() };
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    throwIfRunAborted(options);
    if (inputs.length === 0) return [];
    // Every routed request comes here: no await (a microtask and a promise) once loaded.
    if (!this.#loaded) await this.load(options);
    const kind = OPENAI_COMPATIBLE_TASKS[this.#task];
    if (kind === "embeddings") return this.#embed(inputs, options);
    if (kind === "transcription") {
      return mapWithConcurrency([...inputs], this.#options.maxConcurrency ?? 4, (input) =>
        this.#transcribe(input, options),
      );
    }
    const concurrency = this.#options.maxConcurrency ?? 4;
    if (kind === "chat") {
      if (this.#options.rawCompletions === true && rawCompletionOf(inputs[0]) !== undefined) {
        return mapWithConcurrency([...inputs], concurrency, (input) =>
          this.#complete(input, options),
        );
      }
      if (inputs.length === 1) {
        // A routed chat: one conversation, awaited here rather than through
        // `mapWithConcurrency` and a returned promise (three microtasks fewer per request).
        const input = inputs[0] as BackendInput;
        return [
          await this.#chat(
            inputMessages(input, this.#task, 0),
            settingsFor(input, this.#declared),
            options,
          ),
        ];
      }
      const conversations = inputs.map((input, index) => ({
        messages: inputMessages(input, this.#task, index),
        settings: settingsFor(input, this.#declared),
      }));
      return mapWithConcurrency(conversations, concurrency, (conversation) =>
        this.#chat(conversation.messages, conversation.settings, options),
      );
    }
    if (kind === "image-classifier" || kind === "image-reader") {
      return this.#readImages(inputs, kind, options);
    }
    const items = inputs.map((input, index) => ({
      text: inputText(input, this.#task, index),
      labels: inputLabels(input, this.#options.labels, this.#task, index),
    }));
    // Every text is asked before any answer is read: one answer that names no label fails
    // the batch without losing the others (`labelsAnswers`).
    const answers = await mapWithConcurrency(items, concurrency, (item) =>
      this.#chat(
        promptClassifierMessages(item.text, item.labels),
        { maxTokens: CLASSIFIER_MAX_TOKENS, temperature: 0 },
        options,
      ),
    );
    return labelsAnswers(
      answers,
      (index) => (items[index] as { labels: readonly string[] }).labels,
    );
  }

  /**
   * A chat answer with `stream: true`, read as server-sent events (undici's dispatcher, or
   * the caller's `fetch` when the options give one; one call, no
   * retries: the router's fallback covers a failure before the first piece, and nothing can
   * be re-sent after it). A gap of the backend's `timeoutMs` between two events ends the
   * stream with `BACKEND_TIMEOUT`; an `error` event, a cut connection or a malformed event
   * end it with an error too. The last item is a `StreamEnd` when the server said how the
   * answer ended (`finish_reason`) or what it used (`usage`, asked for with the settings'
   * `streamUsage`); servers that leave `usage` out of streams add no token counts.
   */
  async doStream(input: BackendInput, options: RunOptions = {}): Promise<TextStream> {
    throwIfRunAborted(options);
    if (OPENAI_COMPATIBLE_TASKS[this.#task] !== "chat") {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Only text generation streams; this backend runs ${this.#task}.`,
      );
    }
    await this.load(options);
    const raw = this.#options.rawCompletions === true ? rawCompletionOf(input) : undefined;
    const url = raw === undefined ? this.#chatURL : this.#completionsURL;
    const body = JSON.stringify(
      raw === undefined
        ? this.#chatBody(
            inputMessages(input, this.#task, 0),
            settingsFor(input, this.#declared),
            true,
          )
        : this.#completionBody(raw, settingsFor(input, this.#declared), true),
    );
    const idleMs = this.#retryOptions.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    // Neither is an `AbortSignal` (one per stream survives every young-generation GC on
    // Node.js 20, and with it everything its listeners reach: `backends/cancellation.ts`).
    const stop = new CancelSource();
    const caller = cancelSignalOf(options);
    const onCallerAbort = () => stop.abort(caller?.reason);
    caller?.addEventListener("abort", onCallerAbort, { once: true });
    const release = () => caller?.removeEventListener("abort", onCallerAbort);
    const init = {
      method: "POST" as const,
      headers: withForwarded(options?.headers, this.#streamHeaders),
      body,
    };
    let response: StreamedAnswer;
    try {
      response = await openStreamedAnswer(
        url,
        init,
        stop,
        (failed) => this.#error(failed, url),
        this.#options.fetch,
      );
    } catch (error) {
      release();
      throw error;
    }
    // The body read chunk by chunk into a push parser, not a `pipeThrough` chain: an abort
    // while an event sat in such a chain has been seen to leave the next read waiting for ever.
    const decoder = new TextDecoder();
    const parsed: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => parsed.push(event) });
    const usage = this.#usage;
    const invalid = (what: string, cause?: unknown) => this.#invalid(url, what, cause);
    const serverName = this.#serverName();
    const secrets = this.#secrets;
    async function* pieces(): AsyncGenerator<TextStreamPart> {
      let idleTimer: NodeJS.Timeout | undefined;
      /** Set once the server said `[DONE]`: nothing to stop then. */
      let complete = false;
      // How the answer ended, from the chunks that say it (finish_reason, then usage).
      const end: StreamEnd = {};
      // Made when the timer fires, not per stream (an error captures the stack it is made on).
      const idle = () =>
        stop.abort(
          new ModelScoutError(
            "BACKEND_TIMEOUT",
            `${serverName} sent nothing for ${idleMs} ms in the middle of a streamed answer.`,
          ),
        );
      try {
        for (;;) {
          for (let event = parsed.shift(); event !== undefined; event = parsed.shift()) {
            if (stop.aborted) throw stop.reason; // nothing more after an abort
            if (event.data === "[DONE]") {
              // Counted once: servers with continuous usage (vLLM's continuous_usage_stats)
              // send the running total in every chunk, so the last one is the answer's.
              if (end.usage !== undefined) {
                usage.promptTokens += end.usage.promptTokens;
                usage.completionTokens += end.usage.completionTokens;
              }
              complete = true;
              if (end.finishReason !== undefined || end.usage !== undefined) yield end;
              return;
            }
            let chunk: OpenAIStreamChunk;
            try {
              chunk = openAIStreamChunkSchema.parse(JSON.parse(event.data));
            } catch (error) {
              throw invalid("sent a streamed event that is not a chat completion chunk", error);
            }
            if (chunk.error !== undefined) {
              throw new ModelScoutError(
                "BACKEND_REQUEST_FAILED",
                `${serverName} ended a streamed answer with an error: ${redactSecrets(chunk.error.message ?? JSON.stringify(chunk.error), secrets)}`,
              );
            }
            yield* streamChunkParts(chunk, end);
          }
          if (stop.aborted) throw stop.reason;
          // The clock runs only while waiting for the server, not while the reader is busy.
          idleTimer = setTimeout(idle, idleMs);
          const chunk = await response.read();
          clearRequestTimer(idleTimer);
          if (chunk === null) break;
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
        throw invalid("closed a streamed answer without data: [DONE]");
      } catch (error) {
        if (stop.aborted) throw stop.reason;
        if (error instanceof ModelScoutError) throw error;
        throw new ModelScoutError(
          "BACKEND_REQUEST_FAILED",
          `${serverName} broke off a streamed answer (${networkReason(error)}).`,
          { cause: error },
        );
      } finally {
        clearRequestTimer(idleTimer);
        release();
        // Cuts the connection if the server has not ended its response: an early end stops
        // the generation. After `[DONE]` it is a no-op once the response has ended; one shared
        // reason then, rather than an error (and the stack it captures) made per stream.
        stop.abort(complete ? ANSWER_COMPLETE : undefined);
      }
    }
    return pieces();
  }

  async unload(): Promise<void> {
    // Nothing is held between requests (sockets are pooled per process); only the reachability
    // check is forgotten, so the next run repeats it.
    this.#loaded = false;
  }

  /**
   * A chat completion request body, streamed or not. A stream asks for its usage
   * (`stream_options.include_usage`) only when the settings say so.
   */
  #chatBody(messages: readonly ChatTurn[], settings: GenerationSettings, stream: boolean) {
    const body: { model: string; messages: OpenAIMessage[]; stream: boolean } & {
      stream_options?: { include_usage: boolean };
    } = { model: this.#options.model, messages: openAIMessages(messages), stream };
    if (stream && settings.streamUsage === true) body.stream_options = { include_usage: true };
    return withOpenAIGenerationFields(body, settings);
  }

  /** A raw completion request body (`POST /completions`), streamed or not. */
  #completionBody(completion: RawCompletion, settings: GenerationSettings, stream: boolean) {
    const body: { model: string; prompt: string; suffix?: string; stream: boolean } & {
      stream_options?: { include_usage: boolean };
    } = { model: this.#options.model, prompt: completion.prompt, stream };
    if (completion.suffix !== undefined) body.suffix = completion.suffix;
    if (stream && settings.streamUsage === true) body.stream_options = { include_usage: true };
    // Legacy completions ask for alternatives as a count in `logprobs`.
    const { logprobs, topLogprobs, ...rest } = settings;
    const fields = withOpenAIGenerationFields(body, rest);
    return logprobs === true ? Object.assign(fields, { logprobs: topLogprobs ?? 0 }) : fields;
  }

  /** One input's raw completion: its prompt as written, at `{baseURL}/completions`. */
  async #complete(input: BackendInput, options: RunOptions): Promise<TextOutput> {
    const completion = rawCompletionOf(input);
    if (completion === undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${this.modelId} completes raw text: every input of a batch needs its prompt.`,
        { details: { modelId: this.modelId } },
      );
    }
    const url = this.#completionsURL;
    const outcome = await this.#send(
      url,
      JSON.stringify(this.#completionBody(completion, settingsFor(input, this.#declared), false)),
      options,
    );
    const parsed = this.#readJson(outcome, url, (json) => completionResponseSchema.parse(json));
    this.#usage.promptTokens += parsed.usage?.prompt_tokens ?? 0;
    this.#usage.completionTokens += parsed.usage?.completion_tokens ?? 0;
    const choice = parsed.choices[0];
    return textOutput(
      choice?.text ?? "",
      choice?.finish_reason,
      parsed.usage,
      undefined,
      choice?.logprobs,
    );
  }

  async #chat(
    messages: readonly ChatTurn[],
    settings: GenerationSettings,
    options: RunOptions,
  ): Promise<TextOutput> {
    // `#send` and `#readJson` rather than `#postJson`: every routed chat comes here, and one
    // async layer fewer is a promise and a turn of the microtask queue fewer per request.
    const url = this.#chatURL;
    const outcome = await this.#send(
      url,
      JSON.stringify(this.#chatBody(messages, settings, false)),
      options,
    );
    const parsed = this.#readJson(
      outcome,
      url,
      (json) => plainChatResponse(json) ?? chatResponseSchema.parse(json),
    );
    this.#usage.promptTokens += parsed.usage?.prompt_tokens ?? 0;
    this.#usage.completionTokens += parsed.usage?.completion_tokens ?? 0;
    const choice = parsed.choices[0];
    const message = choice?.message;
    const content = message?.content;
    const reasoning = message?.reasoning_content ?? message?.reasoning;
    // An answer with no content (cut off while thinking) is its thinking, as before.
    const output = textOutput(
      content ?? (message?.tool_calls?.length ? "" : (reasoning ?? "")),
      choice?.finish_reason,
      parsed.usage,
      message?.tool_calls,
      choice?.logprobs,
    );
    if (content != null && reasoning != null && reasoning !== "") output.reasoning = reasoning;
    return output;
  }

  /**
   * `POST {baseURL}/audio/transcriptions` (OpenAI's speech-to-text, which faster-whisper
   * servers, vLLM and LocalAI serve too): the client's own file when there is one, else the
   * samples as a WAV file, as multipart form data.
   */
  async #transcribe(input: BackendInput, options: RunOptions): Promise<BackendOutput> {
    if (typeof input !== "object" || !("audio" in input || "audioFile" in input)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${this.modelId} transcribes audio: pass { audio, samplingRateHz } or { audioFile }.`,
        { details: { modelId: this.modelId } },
      );
    }
    const file: AudioFile =
      "audioFile" in input
        ? input.audioFile
        : (input.file ?? {
            bytes: encodeWav(input.audio, input.samplingRateHz),
            mediaType: "audio/wav",
          });
    const form = multipartForm([
      { name: "model", value: this.#options.model },
      { name: "response_format", value: "json" },
      ...(input.language !== undefined ? [{ name: "language", value: input.language }] : []),
      {
        name: "file",
        value: file.bytes,
        fileName: file.fileName ?? `audio.${AUDIO_EXTENSIONS[file.mediaType] ?? "bin"}`,
        contentType: file.mediaType === "" ? "application/octet-stream" : file.mediaType,
      },
    ]);
    const { text } = await this.#post(
      `${this.#baseURL}/audio/transcriptions`,
      form,
      options,
      (json) => transcriptionResponseSchema.parse(json),
    );
    return { kind: "text", text };
  }

  /**
   * Image tasks on a vision chat model: each picture in a user turn of its own (a `data:` URL
   * of its bytes, or the URL given), with an instruction to name one of the labels or to write
   * out the text it shows. Labels come from the backend (`labels`), as for text.
   */
  async #readImages(
    inputs: readonly BackendInput[],
    kind: "image-classifier" | "image-reader",
    options: RunOptions,
  ): Promise<BackendOutput[]> {
    const labels = this.#options.labels ?? [];
    if (kind === "image-classifier" && labels.length === 0) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${this.modelId} classifies images by naming one of its labels, and has none: declare its \`labels\` (in the routes config's model, or the task spec's \`labels\`).`,
        { details: { task: this.#task, model: this.modelId } },
      );
    }
    // Every input is checked before any is sent: a file that is not an image is the caller's.
    const urls = await Promise.all(
      inputs.map((input, index) => inputImageUrl(input, this.#task, index)),
    );
    const concurrency = this.#options.maxConcurrency ?? 4;
    if (kind === "image-reader") {
      return mapWithConcurrency(urls, concurrency, (url) =>
        this.#chat(promptImageReaderMessages(url), { temperature: 0 }, options),
      );
    }
    // As for texts: every picture is asked before any answer is read, so one answer that
    // names no label fails the batch with what each input got and what each call cost.
    const answers = await mapWithConcurrency(urls, concurrency, (url) =>
      this.#chat(
        promptImageClassifierMessages(url, labels),
        { maxTokens: CLASSIFIER_MAX_TOKENS, temperature: 0 },
        options,
      ),
    );
    return labelsAnswers(answers, () => labels);
  }

  async #embed(inputs: readonly BackendInput[], options: RunOptions): Promise<BackendOutput[]> {
    const texts = inputs.map((input, index) => inputText(input, this.#task, index));
    const url = `${this.#baseURL}/embeddings`;
    // One request serves the batch, so only a length every input asks for is sent.
    const asked = inputs.map((input) =>
      typeof input === "object" && "dimensions" in input ? input.dimensions : undefined,
    );
    const dimensions = asked.every((value) => value === asked[0]) ? asked[0] : undefined;
    const parsed = await this.#postJson(
      url,
      {
        model: this.#options.model,
        input: texts,
        ...(dimensions !== undefined && { dimensions }),
      },
      options,
      (json) => embeddingsResponseSchema.parse(json),
    );
    if (parsed.data.length !== texts.length) {
      throw this.#invalid(
        url,
        `returned ${parsed.data.length} embeddings for ${texts.length} inputs`,
      );
    }
    const ordered = parsed.data.every((item) => typeof item.index === "number")
      ? [...parsed.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      : parsed.data;
    const usage = answerUsageOf(parsed.usage);
    const shares = usage === undefined ? undefined : splitBatchUsage(usage, texts);
    return ordered.map((item, index) => ({
      kind: "embedding",
      vector: item.embedding,
      ...(shares?.[index] !== undefined && { usage: shares[index] }),
    }));
  }

  #postJson<T>(
    url: string,
    body: unknown,
    options: RunOptions,
    parse: (json: unknown) => T,
  ): Promise<T> {
    return this.#post(url, JSON.stringify(body), options, parse);
  }

  /** A POST whose answer must be a 2xx JSON body that `parse` accepts. */
  async #post<T>(
    url: string,
    payload: string | MultipartForm,
    options: RunOptions,
    parse: (json: unknown) => T,
  ): Promise<T> {
    return this.#readJson(await this.#send(url, payload, options), url, parse);
  }

  /** A JSON answer's body through `parse`, or the error that says what went wrong. */
  #readJson<T>(outcome: HttpOutcome<ResponseHeaders>, url: string, parse: (json: unknown) => T): T {
    if (outcome.kind !== "response" || outcome.status < 200 || outcome.status >= 300) {
      throw this.#error(outcome, url);
    }
    let json: unknown;
    try {
      json = JSON.parse(outcome.text);
    } catch (error) {
      throw this.#invalid(url, "answered with a body that is not JSON", error);
    }
    try {
      return parse(json);
    } catch (error) {
      const issue =
        error instanceof z.ZodError
          ? error.issues
              .slice(0, 3)
              .map((entry) => `${entry.path.join(".") || "(root)"}: ${entry.message}`)
              .join("; ")
          : String(error);
      throw this.#invalid(url, `answered in an unexpected shape (${issue})`, error);
    }
  }

  /**
   * `GET {baseURL}/models`, once, within `timeoutMs`: any answer below 500 means the server
   * is up (not every server implements the route, and a refused key is the breaker's
   * business); a 5xx, a timeout or no connection means it is not.
   */
  async doHealthCheck(options: { timeoutMs: number }): Promise<void> {
    const url = `${this.#baseURL}/models`;
    const outcome = await this.#send(
      url,
      undefined,
      {},
      {
        timeoutMs: options.timeoutMs,
        retry: NO_RETRY,
      },
    );
    if (outcome.kind === "response" && outcome.status < 500) return;
    throw this.#error(outcome, url);
  }

  /** A GET without `body`, a JSON POST with text, a multipart POST with a form. */
  #send(
    url: string,
    body: string | MultipartForm | undefined,
    options: RunOptions,
    /** Instead of the backend's timeout and retry policy (a health check tries once). */
    policy: Omit<HttpRetryOptions, "signal"> = this.#retryOptions,
  ): Promise<HttpOutcome<ResponseHeaders>> {
    // A routed call's RunCancellation itself, so no AbortSignal is built for it. The signal
    // goes first: spreading `policy` and then adding it would cost a new hidden class in
    // V8's old space on every call (docs/decisions/0030).
    const signal = cancelSignalOf(options);
    const retry = signal === undefined ? policy : { signal, ...policy };
    const forwarded = options.headers;
    const init =
      body === undefined
        ? { method: "GET" as const, headers: withForwarded(forwarded, this.#headers) }
        : typeof body === "string"
          ? { method: "POST" as const, headers: withForwarded(forwarded, this.#postHeaders), body }
          : {
              method: "POST" as const,
              headers: Object.assign({}, forwarded, this.#headers, {
                "content-type": body.contentType,
              }),
              body: body.bytes,
            };
    if (this.#options.fetch !== undefined) {
      return fetchWithRetry(url, init, { fetch: this.#options.fetch, ...retry });
    }
    return requestWithRetry(url, init, retry);
  }

  #serverName(): string {
    return `The OpenAI-compatible server at ${redactSecrets(this.#baseURL, this.#secrets)}`;
  }

  #error(outcome: HttpOutcome<ResponseHeaders>, url: string): ModelScoutError {
    return backendHttpError(outcome, {
      serverName: this.#serverName(),
      url,
      modelId: this.#options.model,
      secrets: this.#secrets,
      sentCredentials: this.#headers.authorization !== undefined,
      credentialHint:
        this.#options.credentialHint ??
        "pass the server's API key as apiKey (or name an environment variable in the endpoint record's apiKeyEnv)",
    });
  }

  #invalid(url: string, what: string, cause?: unknown): ModelScoutError {
    const safeUrl = redactSecrets(url, this.#secrets);
    return new ModelScoutError(
      "BACKEND_RESPONSE_INVALID",
      `${this.#serverName()} ${what} for ${safeUrl}. Check that the base URL points at an OpenAI-compatible API (usually ending in /v1) and that model "${this.#options.model}" supports ${this.#task}.`,
      { cause, details: { url: safeUrl, modelId: this.modelId } },
    );
  }
}

export type OpenAICompatibleModelBackend = ModelBackend & {
  tokenUsage(): TokenUsage;
  doStream(input: BackendInput, options?: RunOptions): Promise<TextStream>;
};

/** A backend for one model on an OpenAI-compatible server. Throws INVALID_ARGUMENT for an unsupported task or a bad URL. */
export function createOpenAICompatibleBackend(
  options: OpenAICompatibleBackendOptions,
): OpenAICompatibleModelBackend {
  return new OpenAICompatibleBackend(options);
}

/**
 * The backend's own headers, after the client's forwarded ones (`RunOptions.headers`) when
 * there are any: the backend's win on a clash. Without forwarded headers, `own` itself, so
 * the common call builds no object.
 */
function withForwarded(
  forwarded: Readonly<Record<string, string>> | undefined,
  own: Record<string, string>,
): Record<string, string> {
  return forwarded === undefined ? own : Object.assign({}, forwarded, own);
}
