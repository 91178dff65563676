/**
 * @module
 * The generation fields of an OpenAI-style chat request and answer, shared by the backends
 * that speak it (OpenAI-compatible servers, Hugging Face Inference Providers): a request's
 * `GenerationSettings` over a backend's declared defaults, those settings as OpenAI's body
 * fields, and an answer's `finish_reason` and `usage` as the backend specification has them.
 */
import type {
  AnswerUsage,
  BackendInput,
  BackendOutput,
  FinishReason,
  GenerationSettings,
  ResponseFormat,
} from "../model-backend.js";

/**
 * A generation input's own settings over a backend's `declared` ones (`maxTokens`,
 * `temperature`); `declared` itself, not a copy, when the input sets none.
 */
export function settingsFor(input: BackendInput, declared: GenerationSettings): GenerationSettings {
  const asked = typeof input === "object" && "messages" in input ? input.generation : undefined;
  if (asked === undefined) return declared;
  return {
    ...asked,
    maxTokens: asked.maxTokens ?? declared.maxTokens,
    temperature: asked.temperature ?? declared.temperature,
  };
}

/** OpenAI's chat completion fields for the settings. */
export interface OpenAIGenerationFields {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  response_format?: ResponseFormat;
}

/** Writes the settings into `body` as OpenAI's fields (unset ones left out); returns `body`. */
export function withOpenAIGenerationFields<Body extends object>(
  body: Body,
  settings: GenerationSettings,
): Body & OpenAIGenerationFields {
  const fields = body as Body & OpenAIGenerationFields;
  if (settings.maxTokens !== undefined) fields.max_tokens = settings.maxTokens;
  if (settings.temperature !== undefined) fields.temperature = settings.temperature;
  if (settings.topP !== undefined) fields.top_p = settings.topP;
  if (settings.stop !== undefined) fields.stop = [...settings.stop];
  if (settings.seed !== undefined) fields.seed = settings.seed;
  if (settings.presencePenalty !== undefined) fields.presence_penalty = settings.presencePenalty;
  if (settings.frequencyPenalty !== undefined) {
    fields.frequency_penalty = settings.frequencyPenalty;
  }
  if (settings.responseFormat !== undefined) fields.response_format = settings.responseFormat;
  return fields;
}

/**
 * A server's `finish_reason` as this router passes it on. Servers mostly say `stop` or
 * `length`; TGI and others have said `eos_token` or `stop_sequence` for a natural end, so
 * anything else counts as `stop`.
 */
export function finishReasonOf(reason: string | null | undefined): FinishReason | undefined {
  if (reason === null || reason === undefined) return undefined;
  return reason === "length" || reason === "content_filter" ? reason : "stop";
}

/** An answer's `usage` object as `AnswerUsage` (a missing count is 0). */
export function answerUsageOf(
  usage: { prompt_tokens?: number | null; completion_tokens?: number | null } | null | undefined,
): AnswerUsage | undefined {
  if (usage === null || usage === undefined) return undefined;
  return { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 };
}

/** A generation's output. */
export type TextOutput = Extract<BackendOutput, { kind: "text" }>;

/** A text output with what the server said of how it ended; absent facts are left out. */
export function textOutput(
  text: string,
  reason: string | null | undefined,
  usage: Parameters<typeof answerUsageOf>[0],
): TextOutput {
  const finishReason = finishReasonOf(reason);
  const answerUsage = answerUsageOf(usage);
  return {
    kind: "text",
    text,
    ...(finishReason !== undefined && { finishReason }),
    ...(answerUsage !== undefined && { usage: answerUsage }),
  };
}
