/**
 * The hand-checked path for plain chat bodies (`plainChatRequest`) must accept only what the
 * zod schema accepts, and give the same result; everything else falls through to zod.
 */
import { describe, expect, it } from "vitest";
import {
  chatCompletionRequestParser,
  chatCoreSchema,
  plainChatRequest,
} from "../../src/server/openai-wire.js";

const user = { role: "user", content: "where is my parcel" };

const BODIES: unknown[] = [
  { messages: [user] },
  { model: "auto", messages: [user], stream: true },
  { model: "m", messages: [{ role: "system", content: "be brief" }, user], user: "u-1" },
  {
    model: "m",
    messages: [
      { role: "developer", content: "" },
      { ...user, name: "ann" },
    ],
  },
  { model: "m", messages: [user, { role: "assistant", content: "ok" }, user] },
  // What the hand check leaves to zod, valid or not:
  { model: "m", messages: [{ role: "assistant", content: null, tool_calls: [] }, user] },
  { model: "m", messages: [{ role: "tool", content: "x", tool_call_id: "c" }] },
  { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }] },
  { model: "", messages: [user] },
  { model: null, messages: [user] },
  { model: 7, messages: [user] },
  { messages: [] },
  { messages: "hi" },
  { messages: [user], stream: "yes" },
  { messages: [{ role: "robot", content: "hi" }] },
  { messages: [{ role: "user", content: 3 }] },
  { messages: [null] },
  { messages: [[user]] },
  [user],
  "hi",
  null,
];

describe("plainChatRequest", () => {
  it("takes the plain bodies", () => {
    expect(plainChatRequest(BODIES[0])).toEqual({ model: "auto", stream: false, messages: [user] });
    expect(BODIES.slice(0, 5).every((body) => plainChatRequest(body) !== undefined)).toBe(true);
  });

  it.each(BODIES.map((body) => [JSON.stringify(body), body]))(
    "agrees with the zod schema on %s",
    (_name, body) => {
      const fast = plainChatRequest(body);
      const checked = chatCoreSchema.safeParse(body);
      if (fast !== undefined) {
        expect(checked.success).toBe(true);
        expect(fast).toEqual(checked.data);
      }
      expect(chatCompletionRequestParser.safeParse(body).success).toBe(checked.success);
    },
  );
});
