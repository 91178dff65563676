/**
 * @module
 * `stream: true` answers as OpenAI's server-sent events: a first chunk with the assistant
 * role (and the `modelscout` decision); content chunks, with a reasoning model's thinking
 * before them as `reasoning_content` deltas and the model's tool calls as `tool_calls`
 * deltas; a last chunk with `finish_reason`; with `stream_options.include_usage`, a chunk
 * with no choices and the `usage` (when the model reported it); then `data: [DONE]`. A
 * model whose backend streams (`ModelBackend.doStream`: OpenAI-compatible servers and Hugging
 * Face Inference Providers) is relayed piece by piece as it writes (`liveChatStream`); the
 * others answer whole, and the finished answer is sent in word-sized chunks
 * (`chatStreamBody`), which keeps every OpenAI client's streaming path working. `n` choices
 * from a model that streams are relayed live too, interleaved with their `index`
 * (`liveChatChoicesStream`); from one that answers whole, one after another once all are in.
 */

import type {
  AnswerUsage,
  StreamEnd,
  TextStreamPart,
  ToolCall,
  ToolCallPiece,
} from "../backends/model-backend.js";
import {
  type AnswerPiece,
  type ChoiceFrames,
  event,
  type LiveChoicesEventStreamOptions,
  type LiveEventStreamOptions,
  liveChoicesEventStream,
  liveEventStream,
  type StreamFrames,
} from "./live-event-stream.js";
import { openAILogprobs, openAIUsage, summedUsage } from "./openai-wire.js";

export type { ChatStreamEnd } from "./live-event-stream.js";

export interface ChatStreamOptions {
  id: string;
  created: number;
  model: string;
  text: string;
  /** How the answer ended (`stop` when not said) and, if reported, its token counts. */
  end?: StreamEnd;
  /** Tools the model called, sent as one `tool_calls` delta each. */
  toolCalls?: readonly ToolCall[];
  /** `stream_options.include_usage`: send the usage chunk (when there is a usage to send). */
  includeUsage?: boolean;
  /** Extra fields for the first chunk (the decision). */
  firstChunkExtra: Record<string, unknown>;
  /**
   * With `n` above 1: choices 1 to n - 1, sent after choice 0 (whose answer is `text`, `end`
   * and `toolCalls`), each with its `index`; the usage chunk then sums them all.
   */
  moreChoices?: readonly (MoreChoice | undefined)[];
}

/** Another choice's answer, as a backend gave it. */
export interface MoreChoice extends StreamEnd {
  text: string;
  toolCalls?: readonly ToolCall[];
}

interface ChunkBase {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
}

/** The closing events: `finish_reason`, the usage chunk if asked for and known, `[DONE]`. */
function closingEvents(base: ChunkBase, end: StreamEnd | undefined, includeUsage: boolean): string {
  let text = chunkEvent(base, [
    { index: 0, delta: {}, finish_reason: end?.finishReason ?? "stop" },
  ]);
  const usage: AnswerUsage | undefined = end?.usage;
  if (includeUsage && usage !== undefined) {
    text += chunkEvent(base, [], { usage: openAIUsage(usage) });
  }
  return `${text}data: [DONE]\n\n`;
}

/**
 * One chunk's event. The chunk is a literal with the base's fields, then `extra`'s: spreading
 * `base` and then adding `choices` would cost a new hidden class in V8's old space for every
 * chunk (docs/decisions/0030).
 */
function chunkEvent(base: ChunkBase, choices: unknown[], extra?: Record<string, unknown>): string {
  const chunk = {
    id: base.id,
    object: base.object,
    created: base.created,
    model: base.model,
    choices,
  };
  if (extra !== undefined) Object.assign(chunk, extra);
  return event(chunk);
}

/** A call piece's `function` delta: its name and arguments, each when the piece has it. */
function functionDelta(piece: ToolCallPiece["toolCall"]): { name?: string; arguments?: string } {
  const delta: { name?: string; arguments?: string } = {};
  if (piece.name !== undefined) delta.name = piece.name;
  if (piece.arguments !== undefined) delta.arguments = piece.arguments;
  return delta;
}

/** OpenAI's `tool_calls` delta for a piece of a call (`type` comes with the call's id). */
function toolCallDelta(piece: ToolCallPiece["toolCall"]) {
  return {
    tool_calls: [
      {
        index: piece.index,
        ...(piece.id !== undefined && { id: piece.id, type: "function" }),
        function: functionDelta(piece),
      },
    ],
  };
}

/** An answer as the request log keeps it: its text, and a line naming the tools it called. */
export function loggedAnswer(text: string, toolNames: readonly string[]): string {
  if (toolNames.length === 0) return text;
  return `${text}${text === "" ? "" : "\n"}[tool calls: ${toolNames.join(", ")}]`;
}

/** Word-sized pieces whose concatenation is exactly `text`. */
export function streamPieces(text: string): string[] {
  return text.match(/\s*\S+\s*/gu) ?? (text === "" ? [] : [text]);
}

/** One choice's content and tool calls, as chunks. */
function choiceContent(
  base: ChunkBase,
  index: number,
  text: string,
  toolCalls: readonly ToolCall[] | undefined,
): string {
  let body = "";
  for (const piece of streamPieces(text)) {
    body += chunkEvent(base, [{ index, delta: { content: piece }, finish_reason: null }]);
  }
  for (const [position, call] of (toolCalls ?? []).entries()) {
    body += chunkEvent(base, [
      { index, delta: toolCallDelta({ index: position, ...call }), finish_reason: null },
    ]);
  }
  return body;
}

export function chatStreamBody(options: ChatStreamOptions): string {
  const base: ChunkBase = {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
  };
  let body = chunkEvent(
    base,
    [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
    options.firstChunkExtra,
  );
  body += choiceContent(base, 0, options.text, options.toolCalls);
  const more = options.moreChoices ?? [];
  for (const [position, answer] of more.entries()) {
    const index = position + 1;
    body += chunkEvent(base, [
      { index, delta: { role: "assistant", content: "" }, finish_reason: null },
    ]);
    body += choiceContent(base, index, answer?.text ?? "", answer?.toolCalls);
    body += chunkEvent(base, [{ index, delta: {}, finish_reason: answer?.finishReason ?? "stop" }]);
  }
  let end = options.end;
  if (more.length > 0) {
    // Choice 0's finish reason, and the tokens of all of them.
    const usage = summedUsage([options.end, ...more]);
    end = {};
    if (options.end?.finishReason !== undefined) end.finishReason = options.end.finishReason;
    if (usage !== undefined) end.usage = usage;
  }
  return body + closingEvents(base, end, options.includeUsage === true);
}

export interface LiveChatStreamOptions
  extends Omit<ChatStreamOptions, "text" | "end">,
    Omit<LiveEventStreamOptions, "frames"> {
  /** The model's pieces, as the router's streamed result carries them. */
  pieces: AsyncIterable<TextStreamPart>;
}

/** One choice's chat events in a live stream: deltas of content, reasoning, log probabilities, calls. */
function chatChoiceFrames(
  base: ChunkBase,
  index: number,
  firstChunkExtra: Record<string, unknown> | undefined,
): ChoiceFrames {
  let text = "";
  const toolNames: string[] = [];
  return {
    opening: () =>
      chunkEvent(
        base,
        [{ index, delta: { role: "assistant", content: "" }, finish_reason: null }],
        firstChunkExtra,
      ),
    piece(piece: AnswerPiece) {
      let delta: Record<string, unknown>;
      let logprobs: ReturnType<typeof openAILogprobs> | null = null;
      if (typeof piece === "string") {
        text += piece;
        delta = { content: piece };
      } else if ("reasoning" in piece) {
        // Thinking goes out as `reasoning_content` (DeepSeek's and vLLM's name), and is not
        // logged as the answer.
        delta = { reasoning_content: piece.reasoning };
      } else if ("logprobs" in piece) {
        // The tokens of the text just sent, as OpenAI puts them beside a delta.
        delta = {};
        logprobs = openAILogprobs(piece.logprobs);
      } else {
        if (piece.toolCall.name !== undefined) toolNames.push(piece.toolCall.name);
        delta = toolCallDelta(piece.toolCall);
      }
      const choice =
        logprobs === null
          ? { index, delta, finish_reason: null }
          : { index, delta, logprobs, finish_reason: null };
      return chunkEvent(base, [choice]);
    },
    finish: (end) =>
      chunkEvent(base, [{ index, delta: {}, finish_reason: end?.finishReason ?? "stop" }]),
    logged: () => loggedAnswer(text, toolNames),
  };
}

function chunkBase(options: { id: string; created: number; model: string }): ChunkBase {
  return {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
  };
}

/** Chat's events for a live stream of one choice. */
function chatFrames(options: LiveChatStreamOptions): StreamFrames {
  const base = chunkBase(options);
  const choice = chatChoiceFrames(base, 0, options.firstChunkExtra);
  return {
    opening: choice.opening,
    piece: choice.piece,
    closing: (end) => closingEvents(base, end, options.includeUsage === true),
    logged: choice.logged,
  };
}

/**
 * The same events as `chatStreamBody`, sent as the model writes its answer
 * (`liveEventStream`: a failure midway ends it with an error event, a client that leaves
 * stops the model).
 */
export function liveChatStream(options: LiveChatStreamOptions): ReadableStream<Uint8Array> {
  return liveEventStream({
    frames: chatFrames(options),
    pieces: options.pieces,
    describeError: options.describeError,
    ended: options.ended,
    ...(options.clientSignal !== undefined && { clientSignal: options.clientSignal }),
  });
}

export interface LiveChatChoicesStreamOptions
  extends Omit<LiveChatStreamOptions, "pieces">,
    Omit<LiveChoicesEventStreamOptions, "choices" | "closing" | "sumUsage"> {}

/**
 * `n` choices' events sent as their models write them, interleaved (`liveChoicesEventStream`):
 * each choice's role chunk first (choice 0's with the decision), its deltas with its `index`,
 * its own `finish_reason` chunk, and one usage chunk for all of them at the end.
 */
export function liveChatChoicesStream(
  options: LiveChatChoicesStreamOptions,
): ReadableStream<Uint8Array> {
  const base = chunkBase(options);
  const includeUsage = options.includeUsage === true;
  return liveChoicesEventStream({
    choices: options.pieces.map((_, index) =>
      chatChoiceFrames(base, index, index === 0 ? options.firstChunkExtra : undefined),
    ),
    pieces: options.pieces,
    closing: (usage) =>
      `${includeUsage && usage !== undefined ? chunkEvent(base, [], { usage: openAIUsage(usage) }) : ""}data: [DONE]\n\n`,
    sumUsage: summedUsage,
    describeError: options.describeError,
    ended: options.ended,
    ...(options.clientSignal !== undefined && { clientSignal: options.clientSignal }),
  });
}
