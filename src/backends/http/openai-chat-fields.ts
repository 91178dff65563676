/**
 * @module
 * The generation fields of an OpenAI-style chat request and answer, shared by the backends
 * that speak it (OpenAI-compatible servers, Hugging Face Inference Providers): a request's
 * `GenerationSettings` over a backend's declared defaults, those settings as OpenAI's body
 * fields, an answer's `finish_reason` and `usage` as the backend specification has them, and
 * a streamed answer's chunks as its pieces.
 */
import { z } from "zod";
import type {
  AnswerUsage,
  BackendInput,
  BackendOutput,
  ChatContentPart,
  ChatTurn,
  FinishReason,
  GenerationSettings,
  ResponseFormat,
  StreamEnd,
  TextStreamPart,
  TokenLogprob,
  ToolCall,
} from "../model-backend.js";

/**
 * A generation input's own settings over a backend's `declared` ones (`maxTokens`,
 * `temperature`); `declared` itself, not a copy, when the input sets none.
 */
export function settingsFor(input: BackendInput, declared: GenerationSettings): GenerationSettings {
  const asked = typeof input === "object" && "messages" in input ? input.generation : undefined;
  if (asked === undefined) return declared;
  // The two fields first, then the input's: spreading `asked` and then adding fields would
  // cost a new hidden class in V8's old space on every call (docs/decisions/0030). The
  // assignments keep the declared value where `asked` holds a field as undefined.
  const settings: GenerationSettings = {
    maxTokens: declared.maxTokens,
    temperature: declared.temperature,
    ...asked,
  };
  settings.maxTokens = asked.maxTokens ?? declared.maxTokens;
  settings.temperature = asked.temperature ?? declared.temperature;
  return settings;
}

/** OpenAI's `usage` object as servers send it (either count may be missing). */
export const openAIUsageSchema = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
  .nullish();

/** A chat message as OpenAI's API takes it. */
/** A user turn's content with images: OpenAI's text and `image_url` parts. */
export type OpenAIContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };

export type OpenAIMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string | OpenAIContentPart[] }
  | {
      role: "assistant";
      content: string | null;
      tool_calls?: ReturnType<typeof openAIToolCalls>;
    }
  | { role: "tool"; content: string; tool_call_id: string };

/** Tool calls as OpenAI's `tool_calls`, in a request's assistant turn or an answer's message. */
export function openAIToolCalls(calls: readonly ToolCall[]): {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}[] {
  return calls.map((call) => ({
    id: call.id,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
}

/** Chat turns as OpenAI's messages: tool calls and tool results in its field names. */
export function openAIMessages(turns: readonly ChatTurn[]): OpenAIMessage[] {
  return turns.map((turn): OpenAIMessage => {
    if (turn.role === "tool") {
      return { role: "tool", content: turn.content, tool_call_id: turn.toolCallId ?? "" };
    }
    if (turn.role === "assistant" && turn.toolCalls !== undefined && turn.toolCalls.length > 0) {
      return {
        role: "assistant",
        // OpenAI's own shape for a turn that only called tools.
        content: turn.content === "" ? null : turn.content,
        tool_calls: openAIToolCalls(turn.toolCalls),
      };
    }
    if (turn.role === "user" && turn.parts !== undefined) {
      return { role: "user", content: turn.parts.map(openAIContentPart) };
    }
    if (turn.role === "system") return { role: "system", content: turn.content };
    return { role: turn.role, content: turn.content };
  });
}

function openAIContentPart(part: ChatContentPart): OpenAIContentPart {
  if (part.type === "text") return { type: "text", text: part.text };
  return {
    type: "image_url",
    image_url: { url: part.url, ...(part.detail !== undefined && { detail: part.detail }) },
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
  tools?: {
    type: "function";
    function: {
      name: string;
      description?: string;
      parameters?: Record<string, unknown>;
      strict?: boolean;
    };
  }[];
  tool_choice?: "auto" | "none" | "required" | { type: "function"; function: { name: string } };
  parallel_tool_calls?: boolean;
  logprobs?: boolean;
  top_logprobs?: number;
  logit_bias?: Record<string, number>;
  reasoning_effort?: string;
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
  if (settings.tools !== undefined && settings.tools.length > 0) {
    fields.tools = settings.tools.map((tool) => ({ type: "function", function: { ...tool } }));
  }
  const choice = settings.toolChoice;
  if (choice !== undefined) {
    fields.tool_choice =
      typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } };
  }
  if (settings.parallelToolCalls !== undefined) {
    fields.parallel_tool_calls = settings.parallelToolCalls;
  }
  if (settings.logprobs === true) fields.logprobs = true;
  if (settings.topLogprobs !== undefined) fields.top_logprobs = settings.topLogprobs;
  if (settings.logitBias !== undefined) fields.logit_bias = { ...settings.logitBias };
  if (settings.reasoningEffort !== undefined) fields.reasoning_effort = settings.reasoningEffort;
  return fields;
}

/**
 * A server's `finish_reason` as this router passes it on. Servers mostly say `stop` or
 * `length`; TGI and others have said `eos_token` or `stop_sequence` for a natural end, so
 * anything else counts as `stop`.
 */
export function finishReasonOf(reason: string | null | undefined): FinishReason | undefined {
  if (reason === null || reason === undefined) return undefined;
  return reason === "length" || reason === "content_filter" || reason === "tool_calls"
    ? reason
    : "stop";
}

/** An answer's `usage` object as `AnswerUsage` (a missing count is 0). */
export function answerUsageOf(usage: z.infer<typeof openAIUsageSchema>): AnswerUsage | undefined {
  if (usage === null || usage === undefined) return undefined;
  return { promptTokens: usage.prompt_tokens ?? 0, completionTokens: usage.completion_tokens ?? 0 };
}

/** A generation's output. */
export type TextOutput = Extract<BackendOutput, { kind: "text" }>;

/** OpenAI's `tool_calls` of an answer, as the calls they are. */
export type OpenAIToolCalls =
  | readonly { id?: string | null; function: { name: string; arguments?: string | null } }[]
  | null
  | undefined;

const tokenLogprobSchema = z.looseObject({
  token: z.string(),
  logprob: z.number(),
  bytes: z.array(z.number()).nullish(),
});

/**
 * A choice's `logprobs`: chat's shape (`content`; vLLM, TGI and llama.cpp send the same), or
 * legacy completions' (`tokens`, `token_logprobs`, `top_logprobs` as `{token: logprob}`).
 */
export const openAILogprobsSchema = z
  .looseObject({
    content: z
      .array(tokenLogprobSchema.extend({ top_logprobs: z.array(tokenLogprobSchema).nullish() }))
      .nullish(),
    tokens: z.array(z.string()).nullish(),
    token_logprobs: z.array(z.number().nullable()).nullish(),
    top_logprobs: z.array(z.record(z.string(), z.number()).nullable()).nullish(),
  })
  .nullish();

/** A choice's `logprobs` as the tokens they are; undefined when the server sent none. */
export function tokenLogprobsOf(
  logprobs: z.infer<typeof openAILogprobsSchema>,
): TokenLogprob[] | undefined {
  const content = logprobs?.content;
  if (content == null) return legacyTokenLogprobs(logprobs);
  return content.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    ...(entry.bytes != null && { bytes: entry.bytes }),
    ...(entry.top_logprobs != null && {
      topLogprobs: entry.top_logprobs.map((alternative) => ({
        token: alternative.token,
        logprob: alternative.logprob,
        ...(alternative.bytes != null && { bytes: alternative.bytes }),
      })),
    }),
  }));
}

/** Legacy completions' log probabilities as tokens (a prompt token's null logprob as 0). */
function legacyTokenLogprobs(
  logprobs: z.infer<typeof openAILogprobsSchema>,
): TokenLogprob[] | undefined {
  const tokens = logprobs?.tokens;
  if (tokens == null) return undefined;
  return tokens.map((token, index) => {
    const top = logprobs?.top_logprobs?.[index];
    return {
      token,
      logprob: logprobs?.token_logprobs?.[index] ?? 0,
      ...(top != null && {
        topLogprobs: Object.entries(top).map(([alternative, logprob]) => ({
          token: alternative,
          logprob,
        })),
      }),
    };
  });
}

/** A text output with what the server said of how it ended; absent facts are left out. */
export function textOutput(
  text: string,
  reason: string | null | undefined,
  usage: Parameters<typeof answerUsageOf>[0],
  toolCalls?: OpenAIToolCalls,
  logprobs?: z.infer<typeof openAILogprobsSchema>,
): TextOutput {
  const finishReason = finishReasonOf(reason);
  const answerUsage = answerUsageOf(usage);
  const tokens = tokenLogprobsOf(logprobs);
  return {
    kind: "text",
    text,
    ...(finishReason !== undefined && { finishReason }),
    ...(answerUsage !== undefined && { usage: answerUsage }),
    ...(tokens !== undefined && { logprobs: tokens }),
    ...(toolCalls != null &&
      toolCalls.length > 0 && {
        toolCalls: toolCalls.map((call, index) => ({
          id: call.id ?? `call_${index}`,
          name: call.function.name,
          arguments: call.function.arguments ?? "",
        })),
      }),
  };
}

/**
 * A tool call's arguments: JSON text, as OpenAI sends them, or the object itself, as some
 * versions of TGI do; either way the JSON text.
 */
export const openAIToolArguments = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .nullish()
  .transform((value) =>
    value == null || typeof value === "string" ? value : JSON.stringify(value),
  );

/** The `tool_calls` of a whole answer's message. */
export const openAIAnswerToolCallsSchema = z
  .array(
    z.looseObject({
      id: z.string().nullish(),
      function: z.looseObject({ name: z.string(), arguments: openAIToolArguments }),
    }),
  )
  .nullish();

/** One `data:` event of a streamed chat answer (loose: servers add their own fields). */
export const openAIStreamChunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: z
          .looseObject({
            content: z.string().nullish(),
            // A reasoning model's thinking: vLLM and DeepSeek say reasoning_content, OpenRouter
            // and newer vLLM reasoning.
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().int().nonnegative().nullish(),
                  id: z.string().nullish(),
                  function: z
                    .looseObject({ name: z.string().nullish(), arguments: openAIToolArguments })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        /** A legacy completion chunk's text (in place of `delta`). */
        text: z.string().nullish(),
        finish_reason: z.string().nullish(),
        logprobs: openAILogprobsSchema,
      }),
    )
    .nullish(),
  usage: openAIUsageSchema,
  error: z.looseObject({ message: z.string().optional() }).optional(),
});

/** A whole legacy completion (`POST /completions`), loose as servers add their own fields. */
export const completionResponseSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        text: z.string(),
        finish_reason: z.string().nullish(),
        logprobs: openAILogprobsSchema,
      }),
    )
    .min(1),
  usage: openAIUsageSchema,
});
export type OpenAIStreamChunk = z.infer<typeof openAIStreamChunkSchema>;

/**
 * The pieces one streamed chunk carries, in order: reasoning, text, tool-call pieces. How the
 * answer ended (`finish_reason`, `usage`) is written to `end`: the last chunks carry it, and
 * with continuous usage every chunk carries the running total, so the last one wins.
 */
export function streamChunkParts(
  chunk: OpenAIStreamChunk,
  end: StreamEnd,
): Exclude<TextStreamPart, StreamEnd>[] {
  const parts: Exclude<TextStreamPart, StreamEnd>[] = [];
  if (chunk.usage) end.usage = answerUsageOf(chunk.usage);
  const choice = chunk.choices?.[0];
  const reason = finishReasonOf(choice?.finish_reason);
  if (reason !== undefined) end.finishReason = reason;
  const delta = choice?.delta;
  const thought = delta?.reasoning_content ?? delta?.reasoning;
  if (typeof thought === "string" && thought !== "") parts.push({ reasoning: thought });
  const content = delta?.content ?? choice?.text;
  if (typeof content === "string" && content !== "") parts.push(content);
  const tokens = tokenLogprobsOf(choice?.logprobs);
  if (tokens !== undefined && tokens.length > 0) parts.push({ logprobs: tokens });
  for (const [position, call] of (delta?.tool_calls ?? []).entries()) {
    parts.push({
      toolCall: {
        index: call.index ?? position,
        ...(call.id != null && { id: call.id }),
        ...(call.function?.name != null && { name: call.function.name }),
        ...(call.function?.arguments != null && { arguments: call.function.arguments }),
      },
    });
  }
  return parts;
}
