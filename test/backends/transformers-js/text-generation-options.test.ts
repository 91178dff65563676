/**
 * What a text-generation run asks of transformers.js's pipeline: a chat's own token cap and
 * sampling settings, greedy decoding otherwise. No text-generation ONNX model can be had
 * offline (../shared/OFFLINE.md), so the pipeline here records its call and answers as
 * transformers.js's text-generation pipeline does for chat input; the options are what is
 * under test, not the model.
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_NEW_TOKENS,
  TRANSFORMERS_TASKS,
} from "../../../src/backends/transformers-js/transformers-tasks.js";

async function optionsFor(
  input: Parameters<(typeof TRANSFORMERS_TASKS)["text-generation"]["run"]>[1][number],
) {
  const calls: unknown[] = [];
  const pipe = async (_prompt: unknown, options?: unknown) => {
    calls.push(options);
    return [{ generated_text: [{ role: "assistant", content: "fine" }] }];
  };
  const outputs = await TRANSFORMERS_TASKS["text-generation"].run(pipe, [input], {
    readImage: async () => null,
  });
  expect(outputs).toEqual([{ kind: "text", text: "fine" }]);
  return calls[0];
}

const messages = [{ role: "user" as const, content: "hello" }];

describe("transformers.js text generation: a legacy completion's prompt", () => {
  /** The prompt the pipeline was called with, for a tokenizer with or without a chat template. */
  async function promptFor(chatTemplate: string | null) {
    const prompts: unknown[] = [];
    const pipe = Object.assign(
      async (prompt: unknown) => {
        prompts.push(prompt);
        return [
          {
            generated_text:
              typeof prompt === "string" ? " world" : [{ role: "assistant", content: "hi" }],
          },
        ];
      },
      { tokenizer: { chat_template: chatTemplate } },
    );
    const outputs = await TRANSFORMERS_TASKS["text-generation"].run(
      pipe,
      [{ messages: [{ role: "user", content: "hello" }], completion: { prompt: "hello" } }],
      { readImage: async () => null },
    );
    return { prompt: prompts[0], text: (outputs[0] as { text: string }).text };
  }

  it("goes as written to a base model, which has no chat template", async () => {
    expect(await promptFor(null)).toEqual({ prompt: "hello", text: " world" });
  });

  it("goes as a chat turn to a model with a chat template", async () => {
    expect(await promptFor("{% for m in messages %}{{ m.content }}{% endfor %}")).toEqual({
      prompt: [{ role: "user", content: "hello" }],
      text: "hi",
    });
  });
});

describe("transformers.js text generation: a chat's generation settings", () => {
  it("decodes greedily with the default cap when the chat sets nothing", async () => {
    expect(await optionsFor({ messages })).toEqual({
      max_new_tokens: DEFAULT_MAX_NEW_TOKENS,
      do_sample: false,
      return_full_text: false,
    });
  });

  it("applies the chat's cap, and samples only for a temperature above 0", async () => {
    expect(
      await optionsFor({ messages, generation: { maxTokens: 7, temperature: 0.8, topP: 0.9 } }),
    ).toEqual({
      max_new_tokens: 7,
      do_sample: true,
      temperature: 0.8,
      top_p: 0.9,
      return_full_text: false,
    });
    expect(await optionsFor({ messages, generation: { temperature: 0, topP: 0.9 } })).toEqual({
      max_new_tokens: DEFAULT_MAX_NEW_TOKENS,
      do_sample: false,
      return_full_text: false,
    });
  });
});
