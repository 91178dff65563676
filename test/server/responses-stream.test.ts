/**
 * The Responses event stream on its own: pieces that send nothing (an empty text piece, a
 * tool call's empty arguments) must not stall it, items open and close in order, and the
 * request log hears of the end exactly once, also when the client leaves.
 */
import { describe, expect, it } from "vitest";
import type { TextStreamPart } from "../../src/backends/model-backend.js";
import type { ChatStreamEnd } from "../../src/server/chat-stream.js";
import { responsesEventStream } from "../../src/server/responses-stream.js";
import { responsesRequestSchema } from "../../src/server/responses-wire.js";

const frame = {
  id: "resp_req_1",
  createdAt: 1,
  model: "m",
  body: responsesRequestSchema.parse({ input: "hi" }),
  modelscout: { request_id: "req_1" },
};

async function* parts(list: TextStreamPart[]): AsyncGenerator<TextStreamPart> {
  for (const part of list) yield part;
}

async function readEvents(
  stream: ReadableStream<Uint8Array>,
): Promise<{ type: string; [k: string]: unknown }[]> {
  const text = await new Response(stream).text();
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => JSON.parse(block.split("\n")[1]?.slice("data: ".length) ?? ""));
}

describe("responsesEventStream", () => {
  it("reads past pieces that send nothing, and closes each item before the next", async () => {
    const ends: ChatStreamEnd[] = [];
    const events = await readEvents(
      responsesEventStream({
        frame,
        requestId: "req_1",
        pieces: parts([
          "",
          "Hel",
          "",
          "lo",
          { toolCall: { index: 0, id: "call_a", name: "lookup" } },
          { toolCall: { index: 0, arguments: "" } },
          { toolCall: { index: 0, arguments: '{"q":' } },
          { toolCall: { index: 0, arguments: "1}" } },
          { finishReason: "tool_calls", usage: { promptTokens: 2, completionTokens: 5 } },
        ]),
        ended: (end) => ends.push(end),
      }),
    );
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.at(-1)).toMatchObject({
      response: {
        status: "completed",
        output: [
          { type: "message", content: [{ text: "Hello" }] },
          { type: "function_call", call_id: "call_a", name: "lookup", arguments: '{"q":1}' },
        ],
        usage: { input_tokens: 2, output_tokens: 5, total_tokens: 7 },
      },
    });
    expect(ends).toEqual([
      { text: "Hello\n[tool calls: lookup]", usage: { promptTokens: 2, completionTokens: 5 } },
    ]);
  });

  it("tells the log once that the client left, and stops the model's stream", async () => {
    const ends: ChatStreamEnd[] = [];
    let stopped = false;
    async function* endless(): AsyncGenerator<TextStreamPart> {
      try {
        for (;;) yield "word ";
      } finally {
        stopped = true;
      }
    }
    const stream = responsesEventStream({
      frame,
      requestId: "req_1",
      pieces: endless(),
      ended: (end) => ends.push(end),
    });
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    expect(ends).toEqual([{ text: expect.stringMatching(/^(word )+$/), clientClosed: true }]);
    expect(stopped).toBe(true);
  });
});
