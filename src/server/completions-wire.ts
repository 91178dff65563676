/**
 * @module
 * OpenAI's legacy text completions (`POST /v1/completions`), for the clients that still send
 * them (older SDK code, evaluation harnesses, tools written for vLLM or llama.cpp servers),
 * routed as text generation like chat completions. A model declared `raw_completions` (a base
 * or code model behind a server's own `/completions`) gets each prompt as written, and
 * `suffix` for fill-in-the-middle; every other model, a chat model, gets it as one user turn,
 * as LiteLLM and OpenRouter send a prompt to a chat model. A request with a `suffix` goes
 * only to raw-completion models (the router passes over the others, and a 400 says so when
 * no candidate is one).
 *
 * Kept to OpenAI's contract where the router can honour it: `max_tokens` defaults to 16 as
 * OpenAI's does; a list of prompts is answered with `n` choices per prompt (`index`), by the
 * model the first prompt routes to; `echo` puts the prompt before its answer; `logprobs: k`
 * asks the model's server for log probabilities with k alternatives and answers in the
 * legacy shape (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`). Refused with a
 * 400 rather than dropped: prompts as token ids (the router reads the text to route it),
 * `best_of` above 1 and `echo` with `logprobs` (the prompt's own log probabilities). A stream
 * of several prompts or choices is relayed live, their chunks interleaved as they come, from a
 * model that streams; from one that answers whole, once all the answers are in.
 */
import { z } from "zod";
import type {
  AnswerUsage,
  BackendInput,
  BackendOutput,
  GenerationSettings,
  StreamEnd,
  TokenLogprob,
} from "../backends/model-backend.js";
import { streamPieces } from "./chat-stream.js";
import {
  type AnswerPiece,
  type ChoiceFrames,
  event,
  type LiveChoicesEventStreamOptions,
  type StreamFrames,
} from "./live-event-stream.js";
import {
  addSamplingSettings,
  checkLogitBiasKeys,
  choiceCount,
  choiceInputs,
  openAIUsage,
  requireStreamForOptions,
  samplingFields,
  summedUsage,
  tokenCount,
} from "./openai-wire.js";

/** OpenAI's default `max_tokens` for legacy completions. */
export const LEGACY_DEFAULT_MAX_TOKENS = 16;

/** The most alternatives `logprobs` may ask for, as OpenAI's legacy endpoint allows. */
const MAX_LEGACY_LOGPROBS = 5;

const promptSchema = z.unknown().transform((prompt, context): string[] => {
  if (typeof prompt === "string") return [prompt];
  const tokenIds =
    "prompts as token ids are not supported: the router reads a prompt's text to route it; send the text";
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((item) => typeof item === "string")) return prompt;
    if (prompt.every((item) => typeof item === "number" || Array.isArray(item))) {
      context.addIssue({ code: "custom", message: tokenIds });
      return z.NEVER;
    }
  }
  context.addIssue({
    code: "custom",
    message: "prompt must be a string or a non-empty array of strings",
  });
  return z.NEVER;
});

/**
 * Most model calls one legacy completions request may make: each prompt's `n` choices are a
 * call each (ADR 0066), and a stream opens them at once. 16 prompts at `n` 16, or 256 prompts
 * at `n` 1; past it a 17 kB body could make tens of thousands of calls to paid servers.
 */
export const MAX_COMPLETION_CALLS = 256;

export const completionRequestSchema = z
  // biome-ignore lint/plugin/no-spread-then-field: a schema, built once
  .looseObject({
    ...samplingFields,
    /** `auto`, a route name or a model id. Default `auto`. */
    model: z.string().min(1).default("auto"),
    prompt: promptSchema,
    stream: z.boolean().default(false),
    max_tokens: tokenCount,
    n: choiceCount,
    best_of: z
      .literal(1, {
        error: "best_of must be 1: the router does not generate candidates to pick from",
      })
      .nullish(),
    echo: z.boolean().nullish(),
    logprobs: z
      .number()
      .int("logprobs is a whole number of alternatives per token")
      .min(0)
      .max(MAX_LEGACY_LOGPROBS, `logprobs is at most ${MAX_LEGACY_LOGPROBS}`)
      .nullish(),
    /** Fill-in-the-middle: the text after the completion (raw-completion models only). */
    suffix: z.string().nullish(),
  })
  .superRefine((body, context) => {
    checkLogitBiasKeys(body.logit_bias, context);
    requireStreamForOptions(body, context);
    const n = body.n ?? 1;
    if (body.prompt.length * n > MAX_COMPLETION_CALLS) {
      context.addIssue({
        code: "custom",
        path: ["prompt"],
        message: `${body.prompt.length} prompts with n ${n} would be ${body.prompt.length * n} model calls; a request makes at most ${MAX_COMPLETION_CALLS} (each prompt's n choices are a call each): send the prompts in several requests`,
      });
    }
    if (body.echo === true && body.logprobs != null) {
      context.addIssue({
        code: "custom",
        path: ["echo"],
        message:
          "echo with logprobs asks for the prompt's log probabilities, which the router's models do not give: leave one out",
      });
    }
  });
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** The request's sampling fields as a model takes them: `max_tokens` is always set. */
export function completionGeneration(body: CompletionRequest): GenerationSettings {
  const settings: GenerationSettings = { maxTokens: body.max_tokens ?? LEGACY_DEFAULT_MAX_TOKENS };
  addSamplingSettings(body, settings);
  if (body.logprobs != null) {
    settings.logprobs = true;
    settings.topLogprobs = body.logprobs;
  }
  return settings;
}

/**
 * The model's inputs: each prompt as one user turn, `n` times over for `n` choices (prompt by
 * prompt, the order of the answer's choices).
 */
export function completionInputs(
  body: CompletionRequest,
  generation: GenerationSettings,
): BackendInput[] {
  const n = body.n ?? 1;
  // An empty suffix is no insertion (OpenAI's default); any chat model can answer.
  const suffix = body.suffix == null || body.suffix === "" ? undefined : body.suffix;
  return body.prompt.flatMap((prompt) =>
    choiceInputs(
      {
        messages: [{ role: "user" as const, content: prompt }],
        generation,
        completion: suffix === undefined ? { prompt } : { prompt, suffix },
      },
      n,
    ),
  );
}

/** Log probabilities in the legacy shape; `start` is the first token's offset in the choice's text. */
export interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: number[];
  /** Per token, its alternatives by token; null when none were asked for (`logprobs: 0`). */
  top_logprobs: Record<string, number>[] | null;
  text_offset: number[];
}

export function legacyLogprobs(
  entries: readonly TokenLogprob[],
  alternatives: number,
  start: number,
): LegacyLogprobs {
  const tokens: string[] = [];
  const tokenLogprobs: number[] = [];
  const top: Record<string, number>[] = [];
  const offsets: number[] = [];
  let offset = start;
  for (const entry of entries) {
    tokens.push(entry.token);
    tokenLogprobs.push(entry.logprob);
    top.push(
      Object.fromEntries(
        (entry.topLogprobs ?? []).map((alternative) => [alternative.token, alternative.logprob]),
      ),
    );
    offsets.push(offset);
    offset += entry.token.length;
  }
  return {
    tokens,
    token_logprobs: tokenLogprobs,
    top_logprobs: alternatives > 0 ? top : null,
    text_offset: offsets,
  };
}

export interface CompletionFrame {
  /** `cmpl-<request id>`. */
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

/** The whole answer's body (without `modelscout`): `n` choices per prompt, in order. */
export function completionBody(
  frame: CompletionFrame,
  body: CompletionRequest,
  outputs: readonly BackendOutput[],
): object {
  const usage = summedUsage(outputs);
  return {
    id: frame.id,
    object: "text_completion",
    created: frame.created,
    model: frame.model,
    // Prompt by prompt, `n` choices each: choice i * n + k is prompt i's k-th, as OpenAI
    // orders them.
    choices: outputs.map((output, index) => {
      const prompt = body.prompt[Math.floor(index / (body.n ?? 1))] ?? "";
      const answer = output.kind === "text" ? output : undefined;
      const echoed = body.echo === true ? prompt : "";
      return {
        text: echoed + (answer?.text ?? ""),
        index,
        logprobs:
          body.logprobs == null || answer?.logprobs === undefined
            ? null
            : legacyLogprobs(answer.logprobs, body.logprobs, echoed.length),
        finish_reason: answer?.finishReason ?? "stop",
      };
    }),
    ...(usage !== undefined && { usage: openAIUsage(usage) }),
  };
}

interface CompletionStreamOptions {
  frame: CompletionFrame;
  body: CompletionRequest;
  /** Fields for the first chunk (the decision). */
  firstChunkExtra: Record<string, unknown>;
}

/**
 * The legacy stream's events: a first chunk with the decision (and the prompt, with `echo`),
 * a chunk per piece of text (with its tokens' log probabilities when asked for), a last chunk
 * with `finish_reason`, the usage chunk with `stream_options.include_usage`, `[DONE]`. A
 * reasoning model's thinking and tool calls have no place in this shape and are not sent.
 */
export function completionFrames(options: CompletionStreamOptions): StreamFrames {
  const choice = completionChoiceFrames(options, 0, options.body.prompt[0] ?? "");
  return {
    opening: () => choice.opening(options.firstChunkExtra),
    piece: choice.piece,
    closing: (end) => choice.finish(end) + completionTail(options, end?.usage),
    logged: choice.logged,
  };
}

/**
 * The legacy stream's events for several prompts or choices relayed live
 * (`liveChoicesEventStream`): choice `index` is prompt `index / n`'s, as OpenAI orders them;
 * the decision is in choice 0's opening, and one usage chunk for all closes the stream.
 */
export function completionChoicesFrames(
  options: CompletionStreamOptions,
  count: number,
): Pick<LiveChoicesEventStreamOptions, "choices" | "closing" | "sumUsage"> {
  const n = options.body.n ?? 1;
  const choices = Array.from({ length: count }, (_, index): ChoiceFrames => {
    const choice = completionChoiceFrames(
      options,
      index,
      options.body.prompt[Math.floor(index / n)] ?? "",
    );
    return {
      opening: () => choice.opening(index === 0 ? options.firstChunkExtra : undefined),
      piece: choice.piece,
      finish: choice.finish,
      logged: choice.logged,
    };
  });
  return {
    choices,
    closing: (usage) => completionTail(options, usage),
    sumUsage: summedUsage,
  };
}

/** One choice's chunks: its opening (with the prompt, with `echo`), pieces and finish. */
function completionChoiceFrames(options: CompletionStreamOptions, index: number, prompt: string) {
  const { frame, body } = options;
  const echoed = body.echo === true ? prompt : "";
  let text = "";
  const chunk = (choice: object, extra?: Record<string, unknown>) =>
    event(completionChunk(frame, [choice], extra));
  return {
    opening: (extra?: Record<string, unknown>) =>
      chunk({ text: echoed, index, logprobs: null, finish_reason: null }, extra),
    piece(piece: AnswerPiece): string {
      if (typeof piece === "string") {
        text += piece;
        return chunk({ text: piece, index, logprobs: null, finish_reason: null });
      }
      if ("logprobs" in piece && body.logprobs != null) {
        // Sent after the text they belong to, as an empty piece of text carrying them.
        const sent =
          text.length - piece.logprobs.reduce((sum, entry) => sum + entry.token.length, 0);
        const logprobs = legacyLogprobs(
          piece.logprobs,
          body.logprobs,
          echoed.length + Math.max(0, sent),
        );
        return chunk({ text: "", index, logprobs, finish_reason: null });
      }
      return "";
    },
    finish: (end: StreamEnd | undefined) =>
      chunk({ text: "", index, logprobs: null, finish_reason: end?.finishReason ?? "stop" }),
    logged: () => text,
  };
}

/** A `text_completion` chunk; `extra`'s fields after OpenAI's own. */
function completionChunk(
  frame: CompletionFrame,
  choices: object[],
  extra?: Record<string, unknown>,
): object {
  const value = {
    id: frame.id,
    object: "text_completion",
    created: frame.created,
    model: frame.model,
    choices,
  };
  if (extra !== undefined) Object.assign(value, extra);
  return value;
}

/** The stream's end: the usage chunk when asked for and known, then `[DONE]`. */
function completionTail(options: CompletionStreamOptions, usage: AnswerUsage | undefined): string {
  const usageEvent =
    options.body.stream_options?.include_usage === true && usage !== undefined
      ? event(completionChunk(options.frame, [], { usage: openAIUsage(usage) }))
      : "";
  return `${usageEvent}data: [DONE]\n\n`;
}

/**
 * The same events for answers the models gave whole (or `n` choices, or several prompts,
 * once all are in), cut in word-sized pieces: each choice in turn, with its `index`, the
 * decision in the first chunk, and one usage chunk for all.
 */
export function completionStreamBody(
  options: CompletionStreamOptions,
  outputs: readonly BackendOutput[],
): string {
  const n = options.body.n ?? 1;
  let events = "";
  for (const [index, output] of outputs.entries()) {
    const answer = output.kind === "text" ? output : undefined;
    const prompt = options.body.prompt[Math.floor(index / n)] ?? "";
    const choice = completionChoiceFrames(options, index, prompt);
    events += choice.opening(index === 0 ? options.firstChunkExtra : undefined);
    for (const piece of streamPieces(answer?.text ?? "")) events += choice.piece(piece);
    events += choice.finish(answer);
  }
  return events + completionTail(options, summedUsage(outputs));
}
