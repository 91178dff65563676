/**
 * The hand-checked path for plain chat answers (`plainChatResponse`) must accept only what
 * `chatResponseSchema` accepts, and keep every field the backend reads from it.
 */
import { describe, expect, it } from "vitest";
import {
  chatResponseSchema,
  plainChatResponse,
} from "../../../src/backends/http/openai-compatible-backend.js";

const choice = { index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" };
const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };

const ANSWERS: unknown[] = [
  { id: "c1", object: "chat.completion", choices: [choice], usage },
  { choices: [choice] },
  { choices: [{ message: { content: null }, finish_reason: null }], usage: null },
  { choices: [choice, { ...choice, index: 1 }], usage: { prompt_tokens: 3 } },
  // What the hand check leaves to zod, valid or not:
  { choices: [{ message: { content: "", tool_calls: [{ id: "c", function: { name: "f" } }] } }] },
  { choices: [{ message: { content: "a", reasoning_content: "hmm" } }] },
  { choices: [{ message: { content: "a", reasoning: "hmm" } }] },
  { choices: [] },
  { choices: [{ finish_reason: "stop" }] },
  { choices: [{ message: { content: 5 } }] },
  { choices: [{ message: { content: "a" }, finish_reason: 1 }] },
  { choices: [choice], usage: { prompt_tokens: "3" } },
  { choices: [choice], usage: [1, 2] },
  { choices: [[choice]] },
  { choices: choice },
  [choice],
  null,
];

/** What the backend reads of an answer. */
const read = (answer: {
  choices: { message: { content?: string | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number | null; completion_tokens?: number | null } | null;
}) => ({
  contents: answer.choices.map((c) => c.message.content ?? null),
  reasons: answer.choices.map((c) => c.finish_reason ?? null),
  prompt: answer.usage?.prompt_tokens ?? null,
  completion: answer.usage?.completion_tokens ?? null,
});

describe("plainChatResponse", () => {
  it("takes the plain answers", () => {
    expect(ANSWERS.slice(0, 4).every((answer) => plainChatResponse(answer) !== undefined)).toBe(
      true,
    );
  });

  it.each(ANSWERS.map((answer) => [JSON.stringify(answer), answer]))(
    "agrees with the zod schema on %s",
    (_name, answer) => {
      const fast = plainChatResponse(answer);
      const checked = chatResponseSchema.safeParse(answer);
      if (fast === undefined) return;
      expect(checked.success).toBe(true);
      if (checked.success) expect(read(fast)).toEqual(read(checked.data));
    },
  );
});
