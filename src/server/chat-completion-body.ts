/**
 * @module
 * The body of a whole (not streamed) chat completion, OpenAI's shape, with the routing
 * decision as its last field (`modelscout`). The commonest answer, text alone, is written by
 * hand (`json-text.ts`): `JSON.stringify` of the body object took about 14k of the 290k
 * instructions the routing server's event loop ran per proxied request (2026-12-01,
 * `bench/router-instructions.ts`). Any other answer goes through the object.
 */
import { openAIToolCalls } from "../backends/http/openai-chat-fields.js";
import type { BackendOutput } from "../backends/model-backend.js";
import { withModelscout } from "./decision-wire.js";
import { jsonName, jsonNumber, jsonText } from "./json-text.js";
import { openAILogprobs, openAIUsage, summedUsage } from "./openai-wire.js";

/** A model's text answer, as a backend gives it. */
export type TextAnswer = Extract<BackendOutput, { kind: "text" }>;

export interface ChatCompletionFields {
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
  /** Undefined when the model gave no text (its answer is then empty). */
  answer: TextAnswer | undefined;
  /** With `n` above 1: the answers of choices 1 to n - 1 (`answer` is choice 0's). */
  moreChoices?: readonly (TextAnswer | undefined)[];
}

/** One choice of the body. */
function chatChoice(answer: TextAnswer | undefined, index: number) {
  const text = answer?.text ?? "";
  return {
    index,
    message: {
      role: "assistant",
      // OpenAI's shape for an answer that only calls tools: content null.
      content: text === "" && answer?.toolCalls !== undefined ? null : text,
      ...(answer?.reasoning !== undefined && { reasoning_content: answer.reasoning }),
      ...(answer?.toolCalls !== undefined && {
        tool_calls: openAIToolCalls(answer.toolCalls),
      }),
    },
    finish_reason: answer?.finishReason ?? "stop",
    logprobs: answer?.logprobs === undefined ? null : openAILogprobs(answer.logprobs),
  };
}

/** The body as an object (without `modelscout`). */
export function chatCompletionBody({
  id,
  created,
  model,
  answer,
  moreChoices = [],
}: ChatCompletionFields): object {
  const answers = [answer, ...moreChoices];
  const usage = summedUsage(answers);
  return {
    id,
    object: "chat.completion",
    created,
    model,
    choices: answers.map(chatChoice),
    ...(usage !== undefined && { usage: openAIUsage(usage) }),
  };
}

/**
 * The body as JSON, with `modelscoutJson` (`decisionJson`) as its last field: the same text
 * as `withModelscout(chatCompletionBody(fields), modelscoutJson)`.
 */
export function chatCompletionJson(fields: ChatCompletionFields, modelscoutJson: string): string {
  const { answer } = fields;
  if (
    (fields.moreChoices?.length ?? 0) > 0 ||
    (answer !== undefined &&
      (answer.reasoning !== undefined ||
        answer.toolCalls !== undefined ||
        answer.logprobs !== undefined))
  ) {
    return withModelscout(chatCompletionBody(fields), modelscoutJson);
  }
  const usage = answer?.usage === undefined ? undefined : openAIUsage(answer.usage);
  return `{"id":${jsonText(fields.id)},"object":"chat.completion","created":${jsonNumber(fields.created)},"model":${jsonName(fields.model)},"choices":[{"index":0,"message":{"role":"assistant","content":${jsonText(answer?.text ?? "")}},"finish_reason":${jsonName(answer?.finishReason ?? "stop")},"logprobs":null}]${usage === undefined ? "" : `,"usage":{"prompt_tokens":${jsonNumber(usage.prompt_tokens)},"completion_tokens":${jsonNumber(usage.completion_tokens)},"total_tokens":${jsonNumber(usage.total_tokens)}}`},"modelscout":${modelscoutJson}}`;
}
