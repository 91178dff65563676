/**
 * @module
 * The OpenAI-compatible request bodies the server accepts, validated with zod at the edge.
 * Bodies are loose objects: clients send fields this router does not use (`user`,
 * `metadata`, `store`...) and must not be refused for them. A chat's sampling fields
 * (`max_tokens`/`max_completion_tokens`, `temperature`, `top_p`, `stop`, `seed`,
 * `presence_penalty`, `frequency_penalty`, `response_format`, `logprobs`/`top_logprobs`,
 * `logit_bias`) are checked here and go to the chosen model as its `GenerationSettings`, over
 * the model's declared defaults; log probabilities and logit bias only to models whose
 * server honours them (the router skips the others); `reasoning_effort` as given, to servers
 * that take it. What the router cannot honour is refused with a 400 rather than silently
 * dropped: audio output (`modalities` beyond text, `audio`), OpenAI's hosted web search
 * (`web_search_options`), `stream_options` without a stream. `n` choices (up to 16) are `n`
 * calls to the chosen model (`choiceInputs`); streamed, relayed live and interleaved from a
 * model that streams (ADR 0066, addendum), sent once all are in from one that answers whole.
 * `tools`, `tool_choice`, assistant turns with `tool_calls` and `tool` results go to models
 * that can call tools (the router skips the others). Message content may be a string or an
 * array of text parts; a user turn's may also hold `image_url` parts, which go to models
 * declared `vision` (the router skips the others; an inline one is checked first,
 * `chat-image-check.ts`). Audio and file parts are refused with a 400.
 */
import { z } from "zod";
import type {
  AnswerUsage,
  ChatContentPart,
  ChatTurn,
  GenerationSettings,
  TokenLogprob,
} from "../backends/model-backend.js";

const textPart = z.object({ type: z.literal("text"), text: z.string() });

const contentSchema = z.union([z.string(), z.array(textPart)], {
  error: 'content must be a string or an array of text parts ({type: "text", text})',
});

/** Where an image may be: the model's server fetches an http(s) URL, or it is inline. */
export const imageUrlSchema = z
  .string()
  .regex(
    /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i,
    "an image is an http(s) URL or a data:image/<type>;base64 URL",
  );
export const imageDetailSchema = z.enum(["auto", "low", "high"]);

const imagePart = z.object({
  type: z.literal("image_url"),
  image_url: z.union([
    z.looseObject({ url: imageUrlSchema, detail: imageDetailSchema.optional() }),
    imageUrlSchema,
  ]),
});

const userPartsSchema = z.array(
  z.discriminatedUnion("type", [textPart, imagePart], {
    error:
      'a content part is {type: "text", text} or {type: "image_url", image_url: {url}}; input_audio and file parts are not supported',
  }),
);

/**
 * A string, or an array checked by `parts` whose issues keep their own messages and paths:
 * a `z.union` gives one message for both, which hides what is wrong inside a part (a bad
 * image URL). `message` is the issue for anything else.
 */
export function stringOrParts<Part>(parts: z.ZodType<Part[]>, message: string) {
  return z.unknown().transform((content, context): string | Part[] => {
    if (typeof content === "string") return content;
    if (Array.isArray(content)) {
      const parsed = parts.safeParse(content);
      if (parsed.success) return parsed.data;
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: "custom", message: issue.message, path: issue.path });
      }
      return z.NEVER;
    }
    context.addIssue({ code: "custom", message });
    return z.NEVER;
  });
}

/** A user turn's content: text, or text and `image_url` parts for vision models. */
const userContentSchema = stringOrParts(
  userPartsSchema,
  "content must be a string or an array of text and image_url parts",
);

const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const messageSchema = z.discriminatedUnion(
  "role",
  [
    z.looseObject({ role: z.enum(["system", "developer"]), content: contentSchema }),
    z.looseObject({ role: z.literal("user"), content: userContentSchema }),
    z.looseObject({
      role: z.literal("assistant"),
      // null when the turn only called tools
      content: contentSchema.nullish(),
      tool_calls: z.array(toolCallSchema).nullish(),
    }),
    z.looseObject({
      role: z.literal("tool"),
      content: contentSchema,
      tool_call_id: z.string().min(1, "tool_call_id names the call this result answers"),
    }),
  ],
  {
    error: (issue) =>
      `role must be system, developer, user, assistant or tool (got ${JSON.stringify((issue.input as { role?: unknown } | undefined)?.role)})`,
  },
);

const toolSchema = z.looseObject({
  type: z.literal("function", { error: 'tools[].type must be "function"' }),
  function: z.looseObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "a tool's name is 1-64 letters, digits, _ or -"),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoiceSchema = z.union(
  [
    z.enum(["auto", "none", "required"]),
    z.looseObject({
      type: z.literal("function"),
      function: z.looseObject({ name: z.string().min(1) }),
    }),
  ],
  {
    error: 'tool_choice must be "auto", "none", "required" or {type: "function", function: {name}}',
  },
);

export const tokenCount = z
  .number()
  .int("must be a whole number of tokens")
  .min(1, "must be at least 1 token")
  .nullish();

const chatCoreFields = {
  /** `auto`, a route name or a model id. Default `auto`. */
  model: z.string().min(1).default("auto"),
  messages: z.array(messageSchema).min(1, "messages must hold at least one message"),
  stream: z.boolean().default(false),
};

/** A `tool_choice` other than `none` needs `tools` (chat completions and the Responses API). */
export function requireToolsForChoice(
  body: { tool_choice?: unknown; tools?: readonly unknown[] | null },
  context: z.RefinementCtx,
): void {
  if (body.tool_choice != null && body.tool_choice !== "none" && !body.tools?.length) {
    context.addIssue({
      code: "custom",
      path: ["tool_choice"],
      message: "tool_choice needs tools to choose from",
    });
  }
}

/**
 * Sampling fields chat completions and legacy completions (`completions-wire.ts`) share,
 * checked the same way on both.
 */
export const samplingFields = {
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4, "stop holds at most 4 sequences")], {
      error: "stop must be a string or an array of up to 4 strings",
    })
    .nullish(),
  seed: z.number().int("seed must be an integer").nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
};

/** `stream_options` only with `stream: true`, as OpenAI has it (chat and legacy completions). */
export function requireStreamForOptions(
  body: { stream: boolean; stream_options?: unknown },
  context: z.RefinementCtx,
): void {
  if (body.stream_options != null && !body.stream) {
    context.addIssue({
      code: "custom",
      path: ["stream_options"],
      message: "stream_options is only allowed with stream: true",
    });
  }
}

/** A field that asks for what no model behind the router gives: refused when set. */
export const refusedWhenSet = (message: string) =>
  z
    .unknown()
    .refine((value) => value == null, { error: message })
    .optional();

/** A body with `samplingFields`, as zod gives it. */
export type SamplingRequest = {
  [Field in keyof typeof samplingFields]?: z.infer<(typeof samplingFields)[Field]>;
} & { stream: boolean };

/** Sets `settings[key]` to `value` unless the request left it out (null or undefined). */
function setGiven<K extends keyof GenerationSettings>(
  settings: GenerationSettings,
  key: K,
  value: GenerationSettings[K] | null | undefined,
): void {
  if (value != null) settings[key] = value;
}

/**
 * The `samplingFields` a body sets, written into `settings` as a model takes them (chat and
 * legacy completions alike).
 */
export function addSamplingSettings(body: SamplingRequest, settings: GenerationSettings): void {
  const set = <K extends keyof GenerationSettings>(
    key: K,
    value: GenerationSettings[K] | null | undefined,
  ) => setGiven(settings, key, value);
  set("temperature", body.temperature);
  set("topP", body.top_p);
  set("stop", stopSequences(body.stop));
  set("seed", body.seed);
  set("presencePenalty", body.presence_penalty);
  set("frequencyPenalty", body.frequency_penalty);
  set(
    "logitBias",
    body.logit_bias != null && Object.keys(body.logit_bias).length > 0 ? body.logit_bias : null,
  );
  set("streamUsage", body.stream && body.stream_options?.include_usage === true ? true : null);
}

/** `logit_bias` keys are token ids: an issue for each key that is not. */
export function checkLogitBiasKeys(
  logitBias: Readonly<Record<string, number>> | null | undefined,
  context: z.RefinementCtx,
): void {
  for (const key of Object.keys(logitBias ?? {})) {
    if (!/^\d+$/.test(key)) {
      context.addIssue({
        code: "custom",
        path: ["logit_bias", key],
        message: `logit_bias keys are token ids of the model's tokenizer (digits), got "${key}"`,
      });
    }
  }
}

/** `stop` as `GenerationSettings.stop`: null when there is none. */
function stopSequences(stop: string | readonly string[] | null | undefined) {
  return typeof stop === "string" ? [stop] : stop?.length ? stop : null;
}

/** The most choices (`n`) one request may ask for: each is its own call to the model. */
export const MAX_CHOICES = 16;

export const choiceCount = z
  .number()
  .int("n is a whole number of choices")
  .min(1, "n is at least 1")
  .max(MAX_CHOICES, `n is at most ${MAX_CHOICES}: each choice is its own call to the model`)
  .nullish();

/**
 * The inputs for `n` choices of one request: `input` itself `n` times, each a call of its
 * own. With a `seed`, choice k is asked with `seed + k`, so that the choices differ (as
 * OpenAI's do) and the whole answer is still reproducible.
 */
export function choiceInputs<Input extends { generation?: GenerationSettings }>(
  input: Input,
  n: number,
): Input[] {
  const generation = input.generation;
  const seed = generation?.seed;
  return Array.from({ length: n }, (_, choice) =>
    seed === undefined || choice === 0
      ? input
      : Object.assign({}, input, {
          generation: Object.assign({}, generation, { seed: seed + choice }),
        }),
  );
}

export const chatCompletionRequestSchema = z
  // biome-ignore lint/plugin/no-spread-then-field: a schema, built once
  .looseObject({
    ...chatCoreFields,
    ...samplingFields,
    max_tokens: tokenCount,
    /** OpenAI's newer name for `max_tokens`. */
    max_completion_tokens: tokenCount,
    n: choiceCount,
    response_format: z
      .discriminatedUnion(
        "type",
        [
          z.looseObject({ type: z.literal("text") }),
          z.looseObject({ type: z.literal("json_object") }),
          z.looseObject({
            type: z.literal("json_schema"),
            json_schema: z.looseObject({
              name: z.string().min(1),
              schema: z.record(z.string(), z.unknown()).optional(),
              strict: z.boolean().nullish(),
            }),
          }),
        ],
        { error: "response_format.type must be text, json_object or json_schema" },
      )
      .nullish(),
    tools: z.array(toolSchema).max(128, "tools holds at most 128 functions").nullish(),
    tool_choice: toolChoiceSchema.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    reasoning_effort: z
      .string()
      .regex(/^[a-z]{1,16}$/, "reasoning_effort is a word such as low, medium or high")
      .nullish(),
    modalities: z
      .array(z.string())
      .refine((modalities) => modalities.every((modality) => modality === "text"), {
        error: 'modalities may only hold "text": the router gives no audio output',
      })
      .nullish(),
    audio: refusedWhenSet("audio output is not supported: the router gives text answers"),
    web_search_options: refusedWhenSet(
      "web_search_options asks for OpenAI's hosted web search, which the models behind this router do not run",
    ),
  })
  .superRefine((body, context) => {
    if (
      body.max_tokens != null &&
      body.max_completion_tokens != null &&
      body.max_tokens !== body.max_completion_tokens
    ) {
      context.addIssue({
        code: "custom",
        path: ["max_completion_tokens"],
        message: "give max_completion_tokens or max_tokens, not both with different values",
      });
    }
    requireToolsForChoice(body, context);
    requireStreamForOptions(body, context);
    checkLogitBiasKeys(body.logit_bias, context);
    if (body.top_logprobs != null && body.logprobs !== true) {
      context.addIssue({
        code: "custom",
        path: ["top_logprobs"],
        message: "top_logprobs needs logprobs: true",
      });
    }
  });
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** The fields beyond `model`, `messages` and `stream` that `chatCompletionRequestSchema` checks. */
const CHAT_SETTING_FIELDS = new Set(
  Object.keys(chatCompletionRequestSchema.shape).filter(
    (key) => !Object.hasOwn(chatCoreFields, key),
  ),
);
export const chatCoreSchema = z.looseObject(chatCoreFields);

const PLAIN_ROLES = new Set(["system", "developer", "user", "assistant"]);

/**
 * The commonest chat body, checked by hand: no sampling fields, and messages that are text
 * turns (a string `content`, no tool calls or results). Returns what `chatCoreSchema` would
 * (the same object with `model` and `stream` defaulted), or `undefined` for anything else,
 * which zod then checks and words the errors for. Parsing such bodies with zod cost about
 * 3-4 % of a proxied request's instructions (`bench/router-instructions.ts`).
 */
export function plainChatRequest(json: unknown): ChatCompletionRequest | undefined {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const { model, stream, messages } = json as Record<string, unknown>;
  if (model !== undefined && (typeof model !== "string" || model === "")) return undefined;
  if (stream !== undefined && typeof stream !== "boolean") return undefined;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  for (const message of messages) {
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      return undefined;
    }
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== "string" || !PLAIN_ROLES.has(role) || typeof content !== "string") {
      return undefined;
    }
    if ("tool_calls" in message) return undefined;
  }
  // The defaults first: spreading `json` and then adding `stream` costs a new hidden class in
  // V8's old space on every call (docs/decisions/0030); `json`'s own values, when it has
  // them, are the same.
  return { model: model ?? "auto", stream: stream ?? false, ...json } as ChatCompletionRequest;
}

/**
 * `chatCompletionRequestSchema`, checking the sampling fields only for a body that has one:
 * most bodies set none, and checking a dozen absent fields cost about 4 % of a proxied
 * request's instructions on the server's main thread (`bench/router-instructions.ts`). A
 * body of plain text turns is checked by hand (`plainChatRequest`).
 */
export const chatCompletionRequestParser = {
  safeParse(json: unknown): z.ZodSafeParseResult<ChatCompletionRequest> {
    // The body's own keys (two or three, as a rule) against the setting fields, not each of
    // the twenty-odd fields looked up in the body: `key in json` with a different key each
    // time cost about 3k instructions per request (2026-12-01). JSON has no inherited keys.
    if (typeof json === "object" && json !== null) {
      for (const key in json) {
        if (CHAT_SETTING_FIELDS.has(key)) return chatCompletionRequestSchema.safeParse(json);
      }
    }
    const plain = plainChatRequest(json);
    if (plain !== undefined) return { success: true, data: plain };
    // Every other field is optional, so a body without any is a ChatCompletionRequest.
    return chatCoreSchema.safeParse(json) as z.ZodSafeParseResult<ChatCompletionRequest>;
  },
};

/** The request's sampling fields as a model takes them; `undefined` when it sets none. */
export function generationSettings(body: ChatCompletionRequest): GenerationSettings | undefined {
  const settings: GenerationSettings = {};
  const set = <K extends keyof GenerationSettings>(
    key: K,
    value: GenerationSettings[K] | null | undefined,
  ) => setGiven(settings, key, value);
  set("maxTokens", body.max_completion_tokens ?? body.max_tokens);
  addSamplingSettings(body, settings);
  set("responseFormat", body.response_format);
  set(
    "tools",
    body.tools?.length
      ? body.tools.map(({ function: tool }) => ({
          name: tool.name,
          ...(tool.description !== undefined && { description: tool.description }),
          ...(tool.parameters !== undefined && { parameters: tool.parameters }),
          ...(tool.strict != null && { strict: tool.strict }),
        }))
      : null,
  );
  const choice = body.tool_choice;
  set(
    "toolChoice",
    choice == null || typeof choice === "string" ? choice : { name: choice.function.name },
  );
  set("parallelToolCalls", body.parallel_tool_calls);
  set("logprobs", body.logprobs === true ? true : null);
  set("topLogprobs", body.logprobs === true ? body.top_logprobs : null);
  set("reasoningEffort", body.reasoning_effort);
  // Only fields the request gave were set: none set, no settings.
  return Object.keys(settings).length > 0 ? settings : undefined;
}

const textInput = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: "input must be a non-empty string or a non-empty array of strings",
});

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).default("auto"),
  input: textInput,
  encoding_format: z.enum(["float", "base64"]).default("float"),
  /** The vector length: passed to models whose server can shorten vectors, checked for all. */
  dimensions: z.number().int("must be a whole number").min(1, "must be at least 1").nullish(),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

const candidateLabels = z.array(z.string().min(1)).min(1);

/**
 * A task request: `{model, input, candidate_labels}`, or the Hugging Face Inference API's
 * shape, `{inputs, parameters: {candidate_labels}}`, which clients of that API already send.
 * Either way it comes out as `{model, input, candidate_labels}`; giving one field both ways
 * is refused rather than one silently winning.
 */
export const taskRequestSchema = z
  .looseObject({
    model: z.string().min(1).default("auto"),
    input: textInput.optional(),
    /** The Hugging Face Inference API's name for `input`. */
    inputs: textInput.optional(),
    /** Labels for zero-shot and prompt classifiers. */
    candidate_labels: candidateLabels.optional(),
    parameters: z.looseObject({ candidate_labels: candidateLabels.optional() }).optional(),
  })
  .transform((body, context) => {
    const hubLabels = body.parameters?.candidate_labels;
    if (body.input !== undefined && body.inputs !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["inputs"],
        message: "give the text as input or as inputs, not both",
      });
    }
    if (body.candidate_labels !== undefined && hubLabels !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["parameters", "candidate_labels"],
        message: "give candidate_labels at the top level or in parameters, not both",
      });
    }
    const input = body.input ?? body.inputs;
    if (input === undefined) {
      context.addIssue({
        code: "custom",
        path: ["input"],
        message:
          "a non-empty string or a non-empty array of strings is required (the Hugging Face Inference API's inputs also works)",
      });
      return z.NEVER;
    }
    const labels = body.candidate_labels ?? hubLabels;
    return {
      model: body.model,
      input,
      /** Which name the client gave it by, for messages about it. */
      inputField: body.input === undefined ? ("inputs" as const) : ("input" as const),
      ...(labels !== undefined && { candidate_labels: labels }),
    };
  });
export type TaskRequest = z.infer<typeof taskRequestSchema>;

/** Token log probabilities as OpenAI's `logprobs` of a choice. */
export function openAILogprobs(logprobs: readonly TokenLogprob[]): {
  content: {
    token: string;
    logprob: number;
    bytes: number[] | null;
    top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
  }[];
} {
  return {
    content: logprobs.map((entry) => ({
      token: entry.token,
      logprob: entry.logprob,
      bytes: entry.bytes ?? null,
      top_logprobs: (entry.topLogprobs ?? []).map((alternative) => ({
        token: alternative.token,
        logprob: alternative.logprob,
        bytes: alternative.bytes ?? null,
      })),
    })),
  };
}

/**
 * The tokens of several answers together (`n` choices, several prompts: each a call of its
 * own, its prompt counted each time), when every one reported them; an answer alone is its
 * own usage, with no object made.
 */
export function summedUsage(
  // `kind` only so that any backend output is taken: one without `usage` has no tokens.
  answers: readonly ({ kind?: string; usage?: AnswerUsage } | undefined)[],
): AnswerUsage | undefined {
  if (answers.length === 1) return answers[0]?.usage;
  let promptTokens = 0;
  let completionTokens = 0;
  for (const answer of answers) {
    const usage = answer?.usage;
    if (usage === undefined) return undefined;
    promptTokens += usage.promptTokens;
    completionTokens += usage.completionTokens;
  }
  return answers.length === 0 ? undefined : { promptTokens, completionTokens };
}

/** OpenAI's `usage` object, from what a model reported. */
export function openAIUsage(usage: AnswerUsage): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

/** Message content as one string: text parts joined by newlines. */
function contentText(content: z.infer<typeof contentSchema> | null | undefined): string {
  if (content == null) return "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("\n");
}

/**
 * A turn from its text and image parts: `content` is the text parts joined by newlines (what
 * text models and classifiers read), and `parts` keeps text and images in order, only when
 * there is an image.
 */
export function turnFromParts(role: "user", parts: readonly ChatContentPart[]): ChatTurn {
  const content = parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  return parts.some((part) => part.type === "image") ? { role, content, parts } : { role, content };
}

function userTurn(content: z.infer<typeof userContentSchema>): ChatTurn {
  if (typeof content === "string") return { role: "user", content };
  return turnFromParts(
    "user",
    content.map((part): ChatContentPart => {
      if (part.type === "text") return part;
      const image = typeof part.image_url === "string" ? { url: part.image_url } : part.image_url;
      return {
        type: "image",
        url: image.url,
        ...(image.detail !== undefined && { detail: image.detail }),
      };
    }),
  );
}

/** An image of a chat and the request field that holds it, as zod names fields in errors. */
export interface ChatImageField {
  url: string;
  /** `messages.1.content.2.image_url.url`, or `...image_url` when the URL was sent bare. */
  param: string;
}

/** What `chatImageFields` gives for a chat without images, the usual case: nothing made. */
export const NO_IMAGE_FIELDS: readonly ChatImageField[] = [];

/** The images of a chat's user turns, for the checks of `chat-image-check.ts`. */
export function chatImageFields(
  messages: ChatCompletionRequest["messages"],
): readonly ChatImageField[] {
  let fields: ChatImageField[] | undefined;
  for (let messageIndex = 0; messageIndex < messages.length; messageIndex += 1) {
    const message = messages[messageIndex];
    if (message?.role !== "user" || typeof message.content === "string") continue;
    for (let partIndex = 0; partIndex < message.content.length; partIndex += 1) {
      const part = message.content[partIndex];
      if (part?.type !== "image_url") continue;
      const field = `messages.${messageIndex}.content.${partIndex}.image_url`;
      fields ??= [];
      fields.push(
        typeof part.image_url === "string"
          ? { url: part.image_url, param: field }
          : { url: part.image_url.url, param: `${field}.url` },
      );
    }
  }
  return fields ?? NO_IMAGE_FIELDS;
}

/**
 * Messages as backends take them: `developer` is a system message, text parts are joined,
 * tool calls and tool results keep their ids.
 */
export function plainMessages(messages: ChatCompletionRequest["messages"]): ChatTurn[] {
  return messages.map((message): ChatTurn => {
    switch (message.role) {
      case "assistant":
        return {
          role: "assistant",
          content: contentText(message.content),
          ...(message.tool_calls?.length && {
            toolCalls: message.tool_calls.map((call) => ({
              id: call.id,
              name: call.function.name,
              arguments: call.function.arguments,
            })),
          }),
        };
      case "tool":
        return {
          role: "tool",
          content: contentText(message.content),
          toolCallId: message.tool_call_id,
        };
      case "user":
        return userTurn(message.content);
      default:
        return { role: "system", content: contentText(message.content) };
    }
  });
}

/** The text a chat is classified by: the last user message. */
export function lastUserMessage(messages: readonly ChatTurn[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role === "user") return message.content;
  }
  return messages.at(-1)?.content ?? "";
}

/** An embedding as OpenAI's `encoding_format: "base64"`: little-endian float32 bytes. */
export function base64Embedding(vector: readonly number[]): string {
  return Buffer.from(Float32Array.from(vector).buffer).toString("base64");
}
