/**
 * @module
 * OpenAI's Responses API (`POST /v1/responses`) over the same routing as chat completions:
 * the request body, validated with zod at the edge, becomes the chat turns and
 * `GenerationSettings` a chat would (`responsesChat`), and the chosen model's answer comes
 * back as a `response` object (`responseObject`) or, with `stream: true`, as the Responses
 * event stream (`responses-stream.ts`). It is what clients that default to this API send:
 * the AI SDK's `openai(model)` provider, OpenAI's Agents SDK and `client.responses.create`.
 *
 * The router keeps no responses. What needs a stored one is refused with a 400 that says to
 * send the whole conversation in `input` instead: `previous_response_id`, `conversation`,
 * `item_reference` items (except references to reasoning) and `background: true`. Hosted
 * tools (`web_search`, `file_search`, ...) run on OpenAI's servers and are refused too;
 * `function` tools go to models that can call tools, as for chat. A user message's
 * `input_image` parts (by URL) go to vision models, as a chat's `image_url` parts do (an inline
 * one checked first, `chat-image-check.ts`); file and
 * audio parts are refused. Reasoning items a client sends back are dropped: each model thinks
 * anew.
 */
import { z } from "zod";
import type {
  AnswerUsage,
  ChatContentPart,
  ChatTurn,
  FinishReason,
  GenerationSettings,
  ResponseFormat,
  TokenLogprob,
  ToolCall,
} from "../backends/model-backend.js";
import {
  type ChatImageField,
  imageDetailSchema,
  imageUrlSchema,
  lastUserMessage,
  NO_IMAGE_FIELDS,
  refusedWhenSet,
  requireToolsForChoice,
  stringOrParts,
  turnFromParts,
} from "./openai-wire.js";
import { REASONING_ID_PREFIX } from "./responses-ids.js";

const TEXT_ONLY = "input_file and input_audio parts are not supported";

const NOT_TEXT_PART = /^input_(file|audio)$/;

/** Whether a part, or any part of an array, is a file or audio part. */
function hasNonTextPart(input: unknown): boolean {
  const parts = Array.isArray(input) ? input : [input];
  return parts.some((part) => {
    const type = (part as { type?: unknown } | null)?.type;
    return typeof type === "string" && NOT_TEXT_PART.test(type);
  });
}

const textParts = [
  z.looseObject({ type: z.enum(["input_text", "output_text"]), text: z.string() }),
  z.looseObject({ type: z.literal("refusal"), refusal: z.string() }),
] as const;

const textContentPart = z.union(textParts, {
  error: (issue) =>
    hasNonTextPart(issue.input)
      ? TEXT_ONLY
      : 'a content part is {type: "input_text", text} (or output_text, refusal)',
});

/** An image for a vision model; `file_id` would need files stored here, and none are. */
const imageContentPart = z
  .looseObject({
    type: z.literal("input_image"),
    image_url: imageUrlSchema.nullish(),
    file_id: z.string().nullish(),
    detail: imageDetailSchema.nullish(),
  })
  .refine((part) => part.image_url != null, {
    error: `input_image needs image_url (an http(s) or data: URL); ${storesNone("file_id needs files")}`,
  });

const contentPart = z.discriminatedUnion("type", [...textParts, imageContentPart], {
  error: (issue) =>
    hasNonTextPart(issue.input)
      ? TEXT_ONLY
      : 'a content part is {type: "input_text", text}, {type: "input_image", image_url} (or output_text, refusal)',
});

const messageContent = stringOrParts(
  z.array(contentPart),
  "content must be a string or an array of content parts ({type: input_text, text})",
);

const messageItem = z
  .looseObject({
    type: z.literal("message").optional(),
    role: z.enum(["user", "system", "developer", "assistant"], {
      error: "role must be user, system, developer or assistant",
    }),
    content: messageContent,
  })
  .superRefine((item, context) => {
    if (item.role === "user" || typeof item.content === "string") return;
    const index = item.content.findIndex((part) => part.type === "input_image");
    if (index !== -1) {
      context.addIssue({
        code: "custom",
        path: ["content", index],
        message: `only user messages may hold images (this one is ${item.role})`,
      });
    }
  });

const functionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1, "call_id names the call"),
  name: z.string().min(1),
  arguments: z.string(),
});

const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1, "call_id names the call this output answers"),
  output: z.union([z.string(), z.array(textContentPart)], {
    error: "output must be a string or an array of input_text parts",
  }),
});

/** Sent back by clients that keep a reasoning model's items; dropped (see the module note). */
const reasoningItem = z.looseObject({ type: z.literal("reasoning") });

/**
 * A reference to an item of an earlier response. Only references to this router's own
 * reasoning items (`rs_...`) are taken, and dropped like the items themselves: the AI SDK
 * sends them in place of the reasoning when it assumes the server stored it.
 */
const itemReference = z.looseObject({
  type: z.literal("item_reference"),
  id: z.string().refine((id) => id.startsWith(REASONING_ID_PREFIX), {
    error: () =>
      `${storesNone("item_reference items need the items they name")} Only references to this router's own reasoning items are taken (and dropped).`,
  }),
});

const ITEM_TYPES = ["message", "function_call", "function_call_output", "reasoning"];

const inputItem = z.preprocess(
  // An item with a role and no type is a message (OpenAI's "easy input message").
  (item) =>
    typeof item === "object" && item !== null && !("type" in item) && "role" in item
      ? { type: "message", ...item }
      : item,
  z.discriminatedUnion(
    "type",
    [messageItem, functionCallItem, functionCallOutputItem, reasoningItem, itemReference],
    {
      error: (issue) => {
        const type = (issue.input as { type?: unknown } | undefined)?.type;
        return `an input item is a message ({role, content}), function_call, function_call_output or reasoning (got type ${JSON.stringify(type)}; one of ${ITEM_TYPES.join(", ")})`;
      },
    },
  ),
);

const inputItems = z.array(inputItem).min(1, "input must hold at least one item");

/** A string, or items whose own errors name the item and field (a union would hide them). */
const inputSchema = z.unknown().transform((input, context) => {
  if (typeof input === "string" && input !== "") return input;
  if (Array.isArray(input)) {
    const items = inputItems.safeParse(input);
    if (items.success) return items.data;
    for (const issue of items.error.issues) {
      context.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
    return z.NEVER;
  }
  context.addIssue({
    code: "custom",
    message: "input must be a non-empty string or a non-empty array of input items",
  });
  return z.NEVER;
});

function storesNone(needs: string): string {
  return `${needs} stored on the server, and this router stores none: send the whole conversation in input.`;
}

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const functionTool = z
  .looseObject({
    type: z.string(),
    name: z.unknown().optional(),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  })
  .transform((tool, context) => {
    if (tool.type !== "function") {
      context.addIssue({
        code: "custom",
        path: ["type"],
        message: `tools[].type must be "function" (got ${JSON.stringify(tool.type)}): hosted tools such as web_search and file_search run on OpenAI's servers, not on the models this router serves`,
      });
      return z.NEVER;
    }
    if (typeof tool.name !== "string" || !TOOL_NAME.test(tool.name)) {
      context.addIssue({
        code: "custom",
        path: ["name"],
        message: "a function tool's name is 1-64 letters, digits, _ or -",
      });
      return z.NEVER;
    }
    return Object.assign({}, tool, { type: "function" as const, name: tool.name });
  });

const toolChoice = z.union(
  [
    z.enum(["auto", "none", "required"]),
    z.looseObject({ type: z.literal("function"), name: z.string().min(1) }),
  ],
  { error: 'tool_choice must be "auto", "none", "required" or {type: "function", name}' },
);

const textFormat = z.discriminatedUnion(
  "type",
  [
    z.looseObject({ type: z.literal("text") }),
    z.looseObject({ type: z.literal("json_object") }),
    z.looseObject({
      type: z.literal("json_schema"),
      name: z.string().min(1),
      schema: z.record(z.string(), z.unknown()),
      description: z.string().nullish(),
      strict: z.boolean().nullish(),
    }),
  ],
  { error: "text.format.type must be text, json_object or json_schema" },
);

export const responsesRequestSchema = z
  .looseObject({
    /** `auto`, a route name or a model id. Default `auto`. */
    model: z.string().min(1).default("auto"),
    input: inputSchema,
    instructions: z.string().nullish(),
    stream: z.boolean().default(false),
    max_output_tokens: z
      .number()
      .int("must be a whole number of tokens")
      .min(1, "must be at least 1 token")
      .nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    /** Alternatives per token with the log probabilities; implies them. */
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    /** Extra output; `message.output_text.logprobs` asks for token log probabilities. */
    include: z.array(z.string()).nullish(),
    tools: z.array(functionTool).max(128, "tools holds at most 128 functions").nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    text: z.looseObject({ format: textFormat.nullish() }).nullish(),
    /** A reasoning model's effort, passed on as chat's `reasoning_effort`. */
    reasoning: z
      .looseObject({
        effort: z
          .string()
          .regex(/^[a-z]{1,16}$/, "reasoning.effort is a word such as low, medium or high")
          .nullish(),
      })
      .nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    previous_response_id: refusedWhenSet(
      storesNone("previous_response_id needs the earlier response"),
    ),
    conversation: refusedWhenSet(storesNone("conversation needs the conversation")),
    background: z
      .boolean()
      .nullish()
      .refine((value) => value !== true, {
        error: "background responses are not supported: this router answers while you wait",
      }),
  })
  .superRefine(requireToolsForChoice);
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

type ContentPart = z.infer<typeof contentPart>;

function partText(part: ContentPart): string {
  return part.type === "refusal" ? part.refusal : part.type === "input_image" ? "" : part.text;
}

function partsText(content: string | readonly ContentPart[]): string {
  if (typeof content === "string") return content;
  return content.map(partText).join("\n");
}

/** A user message's turn, its images kept in order with the text for vision models. */
function userTurn(content: string | readonly ContentPart[]): ChatTurn {
  if (typeof content === "string") return { role: "user", content };
  return turnFromParts(
    "user",
    content.map((part): ChatContentPart => {
      if (part.type !== "input_image") return { type: "text", text: partText(part) };
      return {
        type: "image",
        url: part.image_url as string,
        ...(part.detail != null && { detail: part.detail }),
      };
    }),
  );
}

/** The images of the request's user messages, for the checks of `chat-image-check.ts`. */
export function responsesImageFields(body: ResponsesRequest): readonly ChatImageField[] {
  if (typeof body.input === "string") return NO_IMAGE_FIELDS;
  let fields: ChatImageField[] | undefined;
  for (let itemIndex = 0; itemIndex < body.input.length; itemIndex += 1) {
    const item = body.input[itemIndex];
    if (item?.type !== "message" || typeof item.content === "string") continue;
    for (let partIndex = 0; partIndex < item.content.length; partIndex += 1) {
      const part = item.content[partIndex];
      if (part?.type !== "input_image" || part.image_url == null) continue;
      fields ??= [];
      fields.push({
        url: part.image_url,
        param: `input.${itemIndex}.content.${partIndex}.image_url`,
      });
    }
  }
  return fields ?? NO_IMAGE_FIELDS;
}

/** The request as a chat: its turns, the text it is classified by, and its settings. */
export interface ResponsesChat {
  turns: ChatTurn[];
  /** The last user message (or the last turn's text): what the router classifies. */
  text: string;
  generation: GenerationSettings | undefined;
}

export function responsesChat(body: ResponsesRequest): ResponsesChat {
  const turns: ChatTurn[] = [];
  if (body.instructions != null && body.instructions !== "") {
    turns.push({ role: "system", content: body.instructions });
  }
  if (typeof body.input === "string") {
    turns.push({ role: "user", content: body.input });
  } else {
    for (const item of body.input) {
      switch (item.type) {
        case "message":
          turns.push(
            item.role === "user"
              ? userTurn(item.content)
              : {
                  role: item.role === "developer" ? "system" : item.role,
                  content: partsText(item.content),
                },
          );
          break;
        case "function_call": {
          // Calls right after an assistant turn belong to it, as in a chat's tool_calls.
          const call: ToolCall = { id: item.call_id, name: item.name, arguments: item.arguments };
          const last = turns.at(-1);
          if (last?.role === "assistant") {
            turns[turns.length - 1] = Object.assign({}, last, {
              toolCalls: [...(last.toolCalls ?? []), call],
            });
          } else {
            turns.push({ role: "assistant", content: "", toolCalls: [call] });
          }
          break;
        }
        case "function_call_output":
          turns.push({ role: "tool", content: partsText(item.output), toolCallId: item.call_id });
          break;
        default:
          break; // reasoning items and references to them: dropped
      }
    }
  }
  return { turns, text: lastUserMessage(turns), generation: responsesGeneration(body) };
}

function responsesGeneration(body: ResponsesRequest): GenerationSettings | undefined {
  const settings: GenerationSettings = {};
  if (body.max_output_tokens != null) settings.maxTokens = body.max_output_tokens;
  if (body.temperature != null) settings.temperature = body.temperature;
  if (body.top_p != null) settings.topP = body.top_p;
  if (body.include?.includes(LOGPROBS_INCLUDE) === true || body.top_logprobs != null) {
    settings.logprobs = true;
    if (body.top_logprobs != null) settings.topLogprobs = body.top_logprobs;
  }
  const format = body.text?.format;
  if (format != null && format.type !== "text") settings.responseFormat = chatFormat(format);
  if (body.tools?.length) {
    settings.tools = body.tools.map((tool) => ({
      name: tool.name,
      ...(tool.description != null && { description: tool.description }),
      ...(tool.parameters != null && { parameters: tool.parameters }),
      ...(tool.strict != null && { strict: tool.strict }),
    }));
  }
  const choice = body.tool_choice;
  if (choice != null) {
    settings.toolChoice = typeof choice === "string" ? choice : { name: choice.name };
  }
  if (body.parallel_tool_calls != null) settings.parallelToolCalls = body.parallel_tool_calls;
  if (body.reasoning?.effort != null) settings.reasoningEffort = body.reasoning.effort;
  // The Responses API always reports usage, so a stream asks the model's server for it.
  if (body.stream) settings.streamUsage = true;
  return Object.keys(settings).length === 0 ? undefined : settings;
}

/** `text.format` in chat completions' `response_format` shape, which backends send. */
function chatFormat(
  format: NonNullable<NonNullable<ResponsesRequest["text"]>["format"]>,
): ResponseFormat {
  if (format.type !== "json_schema") return { type: format.type };
  return {
    type: "json_schema",
    json_schema: {
      name: format.name,
      schema: format.schema,
      ...(format.description != null && { description: format.description }),
      ...(format.strict != null && { strict: format.strict }),
    },
  };
}

/** Everything a `response` object says besides its output, status and usage. */
export interface ResponseFrame {
  id: string;
  createdAt: number;
  model: string;
  body: ResponsesRequest;
  /** The decision, as every routed answer carries it. */
  modelscout: unknown;
}

/** What `include` names to get token log probabilities in `output_text` parts. */
export const LOGPROBS_INCLUDE = "message.output_text.logprobs";

/** A token's log probability as the Responses API gives it. */
export interface ResponsesLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export function responsesLogprobs(logprobs: readonly TokenLogprob[]): ResponsesLogprob[] {
  return logprobs.map((entry) => ({
    token: entry.token,
    logprob: entry.logprob,
    bytes: entry.bytes ?? [...Buffer.from(entry.token)],
    top_logprobs: (entry.topLogprobs ?? []).map((alternative) => ({
      token: alternative.token,
      logprob: alternative.logprob,
      bytes: alternative.bytes ?? [...Buffer.from(alternative.token)],
    })),
  }));
}

export type ResponseOutputItem =
  | {
      type: "message";
      id: string;
      status: "in_progress" | "completed" | "incomplete";
      role: "assistant";
      content: {
        type: "output_text";
        text: string;
        annotations: never[];
        logprobs?: ResponsesLogprob[];
      }[];
    }
  | {
      type: "function_call";
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: "in_progress" | "completed" | "incomplete";
    }
  | {
      type: "reasoning";
      id: string;
      summary: never[];
      content: { type: "reasoning_text"; text: string }[];
    };

/** OpenAI's Responses `usage`, from what a model reported. */
export function responsesUsage(usage: AnswerUsage): {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
} {
  return {
    input_tokens: usage.promptTokens,
    output_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

/** A finish reason as a response's status: the token cap and a filter leave it incomplete. */
export function responseStatus(finishReason: FinishReason | undefined): {
  status: "completed" | "incomplete";
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
} {
  if (finishReason === "length") {
    return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  }
  if (finishReason === "content_filter") {
    return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  }
  return { status: "completed", incomplete_details: null };
}

/** A `response` object. `usage` is left out when the model reported none (in-process models). */
export function responseObject(
  frame: ResponseFrame,
  state: {
    status: "in_progress" | "completed" | "incomplete" | "failed";
    incompleteDetails?: { reason: string } | null;
    error?: { code: string; message: string } | null;
    output: readonly ResponseOutputItem[];
    usage?: AnswerUsage | undefined;
  },
): Record<string, unknown> {
  const body = frame.body;
  return {
    id: frame.id,
    object: "response",
    created_at: frame.createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.incompleteDetails ?? null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: frame.model,
    output: state.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    store: false,
    temperature: body.temperature ?? null,
    top_p: body.top_p ?? null,
    text: { format: body.text?.format ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    metadata: body.metadata ?? {},
    ...(state.usage !== undefined && { usage: responsesUsage(state.usage) }),
    modelscout: frame.modelscout,
  };
}
