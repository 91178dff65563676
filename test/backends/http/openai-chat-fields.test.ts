/**
 * A streamed chunk as the pieces it carries (`streamChunkParts`), and tool-call arguments as
 * servers send them: JSON text (OpenAI, vLLM) or the object itself (some TGI versions).
 */
import { describe, expect, it } from "vitest";
import {
  openAIStreamChunkSchema,
  openAIToolArguments,
  streamChunkParts,
} from "../../../src/backends/http/openai-chat-fields.js";
import type { StreamEnd } from "../../../src/backends/model-backend.js";

describe("openAIToolArguments", () => {
  it("keeps JSON text and writes an object as JSON text", () => {
    expect(openAIToolArguments.parse('{"q":1}')).toBe('{"q":1}');
    expect(openAIToolArguments.parse({ q: 1, city: "Leeds" })).toBe('{"q":1,"city":"Leeds"}');
    expect(openAIToolArguments.parse(null)).toBeNull();
    expect(() => openAIToolArguments.parse(42)).toThrow();
  });
});

describe("streamChunkParts", () => {
  it("yields reasoning, then text, then tool-call pieces, and keeps how the answer ended", () => {
    const end: StreamEnd = {};
    const chunk = openAIStreamChunkSchema.parse({
      choices: [
        {
          delta: {
            reasoning_content: "thinking",
            content: "Hello",
            tool_calls: [{ index: 0, id: "c1", function: { name: "f", arguments: { q: 1 } } }],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 2, completion_tokens: 3 },
    });
    expect(streamChunkParts(chunk, end)).toEqual([
      { reasoning: "thinking" },
      "Hello",
      { toolCall: { index: 0, id: "c1", name: "f", arguments: '{"q":1}' } },
    ]);
    expect(end).toEqual({
      finishReason: "tool_calls",
      usage: { promptTokens: 2, completionTokens: 3 },
    });
  });

  it("yields nothing for empty deltas, and the last usage wins", () => {
    const end: StreamEnd = {};
    const first = openAIStreamChunkSchema.parse({
      choices: [{ delta: { role: "assistant", content: "" }, finish_reason: null }],
      usage: { prompt_tokens: 2, completion_tokens: 1 },
    });
    expect(streamChunkParts(first, end)).toEqual([]);
    const last = openAIStreamChunkSchema.parse({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 7 },
    });
    expect(streamChunkParts(last, end)).toEqual([]);
    expect(end).toEqual({ usage: { promptTokens: 2, completionTokens: 7 } });
  });
});
