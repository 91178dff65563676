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
} from "../model-backend.js";

/** A generation input's own settings over a backend's declared `maxTokens` and `temperature`. */
export function settingsFor(
  input: BackendInput,
  declared: { maxTokens?: number; temperature?: number },
): GenerationSettings {
  const asked = typeof input === "object" && "messages" in input ? input.generation : undefined;
  return {
    ...asked,
    maxTokens: asked?.maxTokens ?? declared.maxTokens,
    temperature: asked?.temperature ?? declared.temperature,
  };
}

/** The settings as OpenAI's chat completion fields; unset ones are left out. */
export function openAIGenerationFields(settings: GenerationSettings): {
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
} {
  return {
    ...(settings.maxTokens !== undefined && { max_tokens: settings.maxTokens }),
    ...(settings.temperature !== undefined && { temperature: settings.temperature }),
    ...(settings.topP !== undefined && { top_p: settings.topP }),
    ...(settings.stop !== undefined && { stop: [...settings.stop] }),
    ...(settings.seed !== undefined && { seed: settings.seed }),
    ...(settings.presencePenalty !== undefined && { presence_penalty: settings.presencePenalty }),
    ...(settings.frequencyPenalty !== undefined && {
      frequency_penalty: settings.frequencyPenalty,
    }),
  };
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
