import { describe, expect, it } from "vitest";
import {
  type ChatCompletionFields,
  chatCompletionBody,
  chatCompletionJson,
  type TextAnswer,
} from "../../src/server/chat-completion-body.js";
import { withModelscout } from "../../src/server/decision-wire.js";

const MODELSCOUT = '{"request_id":"req_1","route":"退货"}';

const text = (fields: Omit<TextAnswer, "kind">): TextAnswer => ({ kind: "text", ...fields });

describe("chat completion body", () => {
  it("writes what JSON.stringify of the body writes, for text answers and every other kind", () => {
    const answers: (TextAnswer | undefined)[] = [
      undefined,
      text({ text: "" }),
      text({ text: "where is my parcel, it was due yesterday" }),
      // Texts JSON escapes, and texts it writes as they are.
      text({ text: 'a "quoted" \\ back\nslash\u0000\u001f', finishReason: "length" }),
      text({ text: "退货 📦 \u2028", usage: { promptTokens: 12, completionTokens: 3 } }),
      text({ text: "\ud800 lone", finishReason: "content_filter" }),
      // The hand-written path does not take these; the object does.
      text({ text: "", toolCalls: [{ id: "call_1", name: "track", arguments: '{"id":7}' }] }),
      text({ text: "answer", reasoning: "thinking", finishReason: "stop" }),
      text({
        text: "hi",
        logprobs: [{ token: "hi", logprob: -0.1, topLogprobs: [] }],
        usage: { promptTokens: 1, completionTokens: 1 },
      }),
    ];
    for (const answer of answers) {
      for (const model of ["echo-server", 'a "model"', "模型"]) {
        const fields: ChatCompletionFields = {
          id: `chatcmpl-req_${model}`,
          created: 1796090417,
          model,
          answer,
        };
        expect(chatCompletionJson(fields, MODELSCOUT)).toBe(
          withModelscout(chatCompletionBody(fields), MODELSCOUT),
        );
        expect(JSON.parse(chatCompletionJson(fields, MODELSCOUT)).modelscout.route).toBe("退货");
      }
    }
  });
});
