/**
 * @module
 * A model's answer as the Responses API gives it: whole (`responseOutput`), or as its event
 * stream (`responsesEventStream`): `response.created`, `response.in_progress`, then per
 * output item `response.output_item.added`, its deltas (`response.output_text.delta`,
 * `response.function_call_arguments.delta`, `response.reasoning_text.delta`), its `.done`
 * events and `response.output_item.done`, and last `response.completed` (or
 * `response.incomplete` at the token cap) with the whole response and its usage. Each event
 * is `event: <type>` and `data: {type, sequence_number, ...}`.
 *
 * One path serves both kinds of model: a streaming backend's pieces are relayed as they come;
 * a finished answer is cut into the same pieces first (`finishedAnswerParts`). A model that
 * fails after its first piece ends the stream with `response.failed`.
 */
import type { BackendOutput, StreamEnd, TextStreamPart } from "../backends/model-backend.js";
import { errorMessage } from "../errors/error-message.js";
import { loggedAnswer, streamPieces } from "./chat-stream.js";
import { type ChatStreamEnd, nextPiece } from "./live-event-stream.js";
import { callItemId, messageId, reasoningId } from "./responses-ids.js";
import {
  type ResponseFrame,
  type ResponseOutputItem,
  type ResponsesLogprob,
  responseObject,
  responseStatus,
  responsesLogprobs,
} from "./responses-wire.js";

type TextAnswer = Extract<BackendOutput, { kind: "text" }>;

/** The output items of a finished answer: its reasoning, its text, then its tool calls. */
export function responseOutput(
  requestId: string,
  answer: TextAnswer | undefined,
): ResponseOutputItem[] {
  const items: ResponseOutputItem[] = [];
  if (answer === undefined) return items;
  if (answer.reasoning !== undefined && answer.reasoning !== "") {
    items.push({
      type: "reasoning",
      id: reasoningId(requestId),
      summary: [],
      content: [{ type: "reasoning_text", text: answer.reasoning }],
    });
  }
  if (answer.text !== "" || answer.toolCalls === undefined) {
    items.push({
      type: "message",
      id: messageId(requestId),
      status: answer.finishReason === "length" ? "incomplete" : "completed",
      role: "assistant",
      content: [
        {
          type: "output_text",
          text: answer.text,
          annotations: [],
          ...(answer.logprobs !== undefined && { logprobs: responsesLogprobs(answer.logprobs) }),
        },
      ],
    });
  }
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    items.push({
      type: "function_call",
      id: callItemId(requestId, index),
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: "completed",
    });
  }
  return items;
}

/** A finished answer as the pieces a streaming backend would have sent. */
export async function* finishedAnswerParts(
  answer: TextAnswer | undefined,
): AsyncGenerator<TextStreamPart> {
  if (answer === undefined) return;
  if (answer.reasoning !== undefined && answer.reasoning !== "") {
    yield { reasoning: answer.reasoning };
  }
  for (const piece of streamPieces(answer.text)) yield piece;
  if (answer.logprobs !== undefined) yield { logprobs: answer.logprobs };
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    yield { toolCall: { index, id: call.id, name: call.name, arguments: call.arguments } };
  }
  const end: StreamEnd = {};
  if (answer.finishReason !== undefined) end.finishReason = answer.finishReason;
  if (answer.usage !== undefined) end.usage = answer.usage;
  yield end;
}

export interface ResponsesStreamOptions {
  frame: ResponseFrame;
  /** The request id, for the output items' ids. */
  requestId: string;
  pieces: AsyncIterable<TextStreamPart>;
  /** Called once, when the stream is over (the request log). */
  ended: (end: ChatStreamEnd) => void;
  /** The client's cancellation: a failure after it is the client leaving, not the model. */
  clientSignal?: { readonly aborted: boolean };
}

/** The item being written: pieces for another item close it first. */
type OpenItem =
  | { kind: "reasoning"; outputIndex: number; text: string }
  | { kind: "message"; outputIndex: number; text: string; logprobs?: ResponsesLogprob[] }
  | { kind: "call"; outputIndex: number; callIndex: number };

export function responsesEventStream(options: ResponsesStreamOptions): ReadableStream<Uint8Array> {
  const { frame, requestId } = options;
  const encoder = new TextEncoder();
  const iterator = options.pieces[Symbol.asyncIterator]();
  const output: ResponseOutputItem[] = [];
  /** Function-call items by the model's call index. */
  const calls = new Map<number, Extract<ResponseOutputItem, { type: "function_call" }>>();
  let open: OpenItem | undefined;
  let sequence = 0;
  let text = "";
  const toolNames: string[] = [];
  let streamEnd: StreamEnd | undefined;
  let over = false;

  const event = (type: string, payload: Record<string, unknown>): string => {
    const data = JSON.stringify({ type, sequence_number: sequence, ...payload });
    sequence += 1;
    return `event: ${type}\ndata: ${data}\n\n`;
  };
  const end = (how: Omit<ChatStreamEnd, "text">) => {
    if (over) return;
    over = true;
    options.ended({ text: loggedAnswer(text, toolNames), ...how });
  };

  /** The events that close the open item, and the item as it ends. */
  const closeOpen = (status: "completed" | "incomplete"): string => {
    const item = open;
    open = undefined;
    if (item === undefined) return "";
    const outputIndex = item.outputIndex;
    if (item.kind === "message") {
      const done = {
        type: "message" as const,
        id: messageId(requestId),
        status,
        role: "assistant" as const,
        content: [
          {
            type: "output_text" as const,
            text: item.text,
            annotations: [],
            ...(item.logprobs !== undefined && { logprobs: item.logprobs }),
          },
        ],
      };
      output[outputIndex] = done;
      const part = done.content[0];
      return (
        event("response.output_text.done", {
          item_id: done.id,
          output_index: outputIndex,
          content_index: 0,
          text: item.text,
          logprobs: item.logprobs ?? [],
        }) +
        event("response.content_part.done", {
          item_id: done.id,
          output_index: outputIndex,
          content_index: 0,
          part,
        }) +
        event("response.output_item.done", { output_index: outputIndex, item: done })
      );
    }
    if (item.kind === "reasoning") {
      const done = {
        type: "reasoning" as const,
        id: reasoningId(requestId),
        summary: [],
        content: [{ type: "reasoning_text" as const, text: item.text }],
      };
      output[outputIndex] = done;
      return (
        event("response.reasoning_text.done", {
          item_id: done.id,
          output_index: outputIndex,
          content_index: 0,
          text: item.text,
        }) +
        event("response.content_part.done", {
          item_id: done.id,
          output_index: outputIndex,
          content_index: 0,
          part: done.content[0],
        }) +
        event("response.output_item.done", { output_index: outputIndex, item: done })
      );
    }
    const call = calls.get(item.callIndex);
    if (call === undefined) return "";
    call.status = status;
    return (
      event("response.function_call_arguments.done", {
        item_id: call.id,
        output_index: outputIndex,
        arguments: call.arguments,
      }) + event("response.output_item.done", { output_index: outputIndex, item: { ...call } })
    );
  };

  /** The events one piece makes, opening (and closing) items as needed. */
  const pieceEvents = (piece: Exclude<TextStreamPart, StreamEnd>): string => {
    // The Responses wire asks for no log probabilities, so a model sends none to relay.
    if (typeof piece !== "string" && "logprobs" in piece) {
      // The tokens of the text just sent: kept for the part, and sent as an empty delta.
      if (open?.kind !== "message") return "";
      const tokens = responsesLogprobs(piece.logprobs);
      open.logprobs = [...(open.logprobs ?? []), ...tokens];
      return event("response.output_text.delta", {
        item_id: messageId(requestId),
        output_index: open.outputIndex,
        content_index: 0,
        delta: "",
        logprobs: tokens,
      });
    }
    if (typeof piece === "string" || "reasoning" in piece) {
      const kind = typeof piece === "string" ? "message" : "reasoning";
      const delta = typeof piece === "string" ? piece : piece.reasoning;
      if (delta === "") return "";
      let events = "";
      if (open?.kind !== kind) {
        events += closeOpen("completed");
        const outputIndex = output.length;
        const item: ResponseOutputItem =
          kind === "message"
            ? {
                type: "message",
                id: messageId(requestId),
                status: "in_progress",
                role: "assistant",
                content: [],
              }
            : { type: "reasoning", id: reasoningId(requestId), summary: [], content: [] };
        output.push(item);
        open = { kind, outputIndex, text: "" };
        events += event("response.output_item.added", { output_index: outputIndex, item });
        events += event("response.content_part.added", {
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          part:
            kind === "message"
              ? { type: "output_text", text: "", annotations: [] }
              : { type: "reasoning_text", text: "" },
        });
      }
      const current = open as Extract<OpenItem, { text: string }>;
      current.text += delta;
      if (kind === "message") {
        text += delta;
        return (
          events +
          event("response.output_text.delta", {
            item_id: messageId(requestId),
            output_index: current.outputIndex,
            content_index: 0,
            delta,
            logprobs: [],
          })
        );
      }
      return (
        events +
        event("response.reasoning_text.delta", {
          item_id: reasoningId(requestId),
          output_index: current.outputIndex,
          content_index: 0,
          delta,
        })
      );
    }
    const { index, id, name, arguments: argumentsPiece } = piece.toolCall;
    let call = calls.get(index);
    let events = "";
    if (call === undefined) {
      events += closeOpen("completed");
      call = {
        type: "function_call",
        id: callItemId(requestId, index),
        call_id: id ?? `call_${requestId}_${index}`,
        name: name ?? "",
        arguments: "",
        status: "in_progress",
      };
      if (name !== undefined) toolNames.push(name);
      calls.set(index, call);
      const outputIndex = output.length;
      output.push(call);
      open = { kind: "call", outputIndex, callIndex: index };
      events += event("response.output_item.added", {
        output_index: outputIndex,
        item: { ...call },
      });
    }
    if (argumentsPiece === undefined || argumentsPiece === "") return events;
    call.arguments += argumentsPiece;
    // A piece for a call already closed (servers send calls one after another) only adds to
    // the finished response.
    if (open?.kind !== "call" || open.callIndex !== index) return events;
    return (
      events +
      event("response.function_call_arguments.delta", {
        item_id: call.id,
        output_index: open.outputIndex,
        delta: argumentsPiece,
      })
    );
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      const started = responseObject(frame, { status: "in_progress", output: [] });
      controller.enqueue(
        encoder.encode(
          event("response.created", { response: started }) +
            event("response.in_progress", { response: started }),
        ),
      );
    },
    async pull(controller) {
      // Reads until there is something to send: a pull that enqueues nothing is not called again.
      for (;;) {
        if (await step(controller)) return;
      }
    },
    async cancel() {
      end({ clientClosed: true });
      await iterator.return?.();
    },
  });

  /** Reads one piece and sends its events; true when something was sent or the stream is over. */
  async function step(controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> {
    let next: IteratorResult<Exclude<TextStreamPart, StreamEnd>>;
    try {
      next = await nextPiece(iterator, (value) => {
        streamEnd = value;
      });
    } catch (error) {
      if (over) return true; // the client left meanwhile
      if (options.clientSignal?.aborted === true) {
        end({ clientClosed: true });
        controller.error(error);
        return true;
      }
      const message = `The model's answer broke off: ${errorMessage(error)}`;
      controller.enqueue(
        encoder.encode(
          closeOpen("incomplete") +
            event("response.failed", {
              response: responseObject(frame, {
                status: "failed",
                error: { code: "stream_interrupted", message },
                output,
              }),
            }),
        ),
      );
      controller.close();
      end({ error });
      return true;
    }
    if (over) return true;
    if (next.done) {
      const { status, incomplete_details } = responseStatus(streamEnd?.finishReason);
      const closing = closeOpen(status);
      const type = status === "completed" ? "response.completed" : "response.incomplete";
      controller.enqueue(
        encoder.encode(
          closing +
            event(type, {
              response: responseObject(frame, {
                status,
                incompleteDetails: incomplete_details,
                output,
                usage: streamEnd?.usage,
              }),
            }),
        ),
      );
      controller.close();
      end(streamEnd?.usage === undefined ? {} : { usage: streamEnd.usage });
      return true;
    }
    const events = pieceEvents(next.value);
    if (events === "") return false;
    controller.enqueue(encoder.encode(events));
    return true;
  }
}
