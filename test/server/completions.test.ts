/**
 * OpenAI's legacy text completions (`POST /v1/completions`) through the router: a prompt is
 * routed like a chat's last user turn and sent to the model as one; OpenAI's defaults and
 * fields are honoured where the router can (`max_tokens` 16, several prompts, `echo`,
 * `logprobs` in the legacy shape, streaming whole and live); what it cannot honour is a 400
 * naming the field.
 */
import { describe, expect, it } from "vitest";
import type { FakeChatMessage } from "../support/fake-openai-server.js";
import {
  type Json,
  lastChatRequest,
  loggedRow,
  postJson,
  routingServerBehindFakeUpstream,
  sseEvents,
} from "./routing-test-support.js";

/** Twenty words, longer than the default 16-token cap (the fake server counts words). */
const LONG_REPLY = Array.from({ length: 20 }, (_, index) => `w${index + 1}`).join(" ");

const served = routingServerBehindFakeUpstream(
  "completions",
  (base) => ({
    classification: [{ kind: "rules", rules: [{ route: "parcels", keywords: ["parcel"] }] }],
    models: [
      { id: "echo:desk", kind: "echo", template: "desk: {{input}}" },
      { id: "llm", kind: "openai", base_url: base, api_model: "small-llm" },
      { id: "coder", kind: "openai", base_url: base, api_model: "coder", raw_completions: true },
    ],
    default_route: "desk",
    routes: [
      { name: "desk", targets: { "text-generation": { candidates: ["echo:desk"] } } },
      { name: "parcels", targets: { "text-generation": { candidates: ["llm"] } } },
      { name: "code", targets: { "text-generation": { candidates: ["llm", "coder"] } } },
    ],
  }),
  {
    chatReply: (messages: readonly FakeChatMessage[]) => {
      const last = messages.at(-1)?.content;
      return typeof last === "string" && last.includes("long") ? LONG_REPLY : `re: ${last}`;
    },
  },
);

const complete = (body: unknown) => postJson(`${served.server.url}/v1/completions`, body);

/** A streamed completion's chunks, checked to end with `[DONE]` (left out). */
async function streamedChunks(body: Record<string, unknown>): Promise<Json[]> {
  const response = await fetch(`${served.server.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const events = sseEvents(await response.text()) as Json[];
  expect(events.at(-1)).toBe("[DONE]");
  return events.slice(0, -1);
}

/** The text of the chunks, and the tokens of their log probabilities. */
function streamedAnswer(chunks: readonly Json[]): {
  text: string;
  tokens: string[];
  offsets: number[];
} {
  const scored = chunks.filter((chunk) => chunk.choices[0]?.logprobs != null);
  return {
    text: chunks.map((chunk) => chunk.choices[0]?.text ?? "").join(""),
    tokens: scored.flatMap((chunk) => chunk.choices[0].logprobs.tokens),
    offsets: scored.flatMap((chunk) => chunk.choices[0].logprobs.text_offset),
  };
}

describe("POST /v1/completions", () => {
  it("routes a prompt and answers in the text_completion shape with the decision", async () => {
    const answer = await complete({ model: "auto", prompt: "what sizes are there?" });
    expect(answer.status).toBe(200);
    const body = answer.json;
    expect(body).toMatchObject({
      object: "text_completion",
      model: "echo:desk",
      choices: [
        { text: "desk: what sizes are there?", index: 0, logprobs: null, finish_reason: "stop" },
      ],
    });
    expect(body.id).toBe(`cmpl-${body.modelscout.request_id}`);
    expect(body.modelscout).toMatchObject({ route: "desk", model: "echo:desk" });
    expect(answer.headers.get("x-modelscout-request-id")).toBe(body.modelscout.request_id);
    const row = await loggedRow(served.server.url, body.modelscout.request_id);
    expect(row).toMatchObject({
      endpoint: "completions",
      task: "text-generation",
      route: "desk",
      status: 200,
    });
  });

  it("sends the prompt as one user turn, with OpenAI's default of 16 tokens", async () => {
    const answer = await complete({ model: "parcels", prompt: "a long parcel story" });
    expect(answer.status).toBe(200);
    const sent = lastChatRequest(served.upstream);
    expect(sent.messages).toEqual([{ role: "user", content: "a long parcel story" }]);
    expect(sent.max_tokens).toBe(16);
    const choice = answer.json.choices[0];
    expect(choice.text.trim().split(" ")).toHaveLength(16);
    expect(choice.finish_reason).toBe("length");
    expect(answer.json.usage).toEqual({
      prompt_tokens: 4,
      completion_tokens: 16,
      total_tokens: 20,
    });
  });

  it("passes the sampling fields on and a larger max_tokens lets the answer finish", async () => {
    const answer = await complete({
      model: "parcels",
      prompt: "a long parcel story",
      max_tokens: 50,
      temperature: 0.2,
      stop: "\n\n",
      seed: 7,
      user: "someone",
    });
    expect(answer.status).toBe(200);
    expect(lastChatRequest(served.upstream)).toMatchObject({
      max_tokens: 50,
      temperature: 0.2,
      stop: ["\n\n"],
      seed: 7,
    });
    expect(answer.json.choices[0]).toMatchObject({ text: LONG_REPLY, finish_reason: "stop" });
  });

  it("answers a list of prompts with a choice each, in order, and sums their tokens", async () => {
    const answer = await complete({
      model: "parcels",
      prompt: ["parcel one", "parcel two three"],
      max_tokens: 30,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.choices.map((choice: Json) => [choice.index, choice.text])).toEqual([
      [0, "re: parcel one"],
      [1, "re: parcel two three"],
    ]);
    // Prompt words 2 + 3, answer words 3 + 4 (the fake server counts words as tokens).
    expect(answer.json.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 });
    const row = await loggedRow(served.server.url, answer.json.modelscout.request_id);
    expect(row.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7 });
  });

  it("answers n choices for each prompt, prompt by prompt", async () => {
    const answer = await complete({ model: "parcels", prompt: ["parcel a", "parcel b"], n: 2 });
    expect(answer.status).toBe(200);
    expect(answer.json.choices.map((choice: Json) => [choice.index, choice.text])).toEqual([
      [0, "re: parcel a"],
      [1, "re: parcel a"],
      [2, "re: parcel b"],
      [3, "re: parcel b"],
    ]);
  });

  it("answers as many prompts and choices as make 256 model calls", async () => {
    const prompts = Array.from({ length: 16 }, (_, index) => `parcel ${index}`);
    const answer = await complete({ model: "parcels", prompt: prompts, n: 16 });
    expect(answer.status).toBe(200);
    expect(answer.json.choices).toHaveLength(256);
  });

  it("puts the prompt before its answer with echo", async () => {
    const answer = await complete({ prompt: "hello there", echo: true });
    expect(answer.json.choices[0].text).toBe("hello theredesk: hello there");
  });

  it("gives log probabilities in the legacy shape", async () => {
    const answer = await complete({
      model: "parcels",
      prompt: "parcel status",
      logprobs: 2,
      max_tokens: 20,
    });
    expect(answer.status).toBe(200);
    expect(lastChatRequest(served.upstream)).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const { logprobs, text } = answer.json.choices[0];
    expect(text).toBe("re: parcel status");
    expect(logprobs.tokens.join("")).toBe(text);
    expect(logprobs.token_logprobs).toHaveLength(logprobs.tokens.length);
    expect(logprobs.token_logprobs[0]).toBeCloseTo(-0.1);
    expect(logprobs.top_logprobs[0]).toEqual({
      [logprobs.tokens[0]]: logprobs.token_logprobs[0],
      "<alt1>": logprobs.token_logprobs[0] - 1,
    });
    // Each token's offset is where it starts in the text.
    for (const [index, token] of (logprobs.tokens as string[]).entries()) {
      expect(
        text.slice(logprobs.text_offset[index], logprobs.text_offset[index] + token.length),
      ).toBe(token);
    }
  });

  it("streams an answer the model gave whole, with the decision first", async () => {
    const chunks = await streamedChunks({ prompt: "any news?", echo: true });
    expect(chunks[0].modelscout).toMatchObject({ route: "desk", model: "echo:desk" });
    for (const chunk of chunks) expect(chunk.object).toBe("text_completion");
    expect(streamedAnswer(chunks).text).toBe("any news?desk: any news?");
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
  });

  it("streams several prompts' choices once all are in, each with its index", async () => {
    const chunks = await streamedChunks({
      model: "parcels",
      prompt: ["parcel a", "parcel b"],
      n: 2,
      max_tokens: 30,
      stream_options: { include_usage: true },
    });
    expect(chunks[0].modelscout.model).toBe("llm");
    const texts = new Map<number, string>();
    const finished: number[] = [];
    for (const chunk of chunks) {
      for (const choice of chunk.choices) {
        texts.set(choice.index, (texts.get(choice.index) ?? "") + choice.text);
        if (choice.finish_reason === "stop") finished.push(choice.index);
      }
    }
    expect([...texts.entries()]).toEqual([
      [0, "re: parcel a"],
      [1, "re: parcel a"],
      [2, "re: parcel b"],
      [3, "re: parcel b"],
    ]);
    expect(finished).toEqual([0, 1, 2, 3]);
    // Prompt words 2 x 4, answer words 3 x 4.
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 8, completion_tokens: 12, total_tokens: 20 },
    });
  });

  it("relays a live stream piece by piece with its log probabilities and usage", async () => {
    const chunks = await streamedChunks({
      model: "parcels",
      prompt: "parcel now",
      logprobs: 1,
      stream_options: { include_usage: true },
    });
    expect(chunks[0].modelscout.model).toBe("llm");
    const { text, tokens, offsets } = streamedAnswer(chunks);
    expect(text).toBe("re: parcel now");
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.join("")).toBe(text);
    for (const [index, token] of tokens.entries()) {
      const offset = offsets[index] as number;
      expect(text.slice(offset, offset + token.length)).toBe(token);
    }
    const finish = chunks.filter((chunk) => chunk.choices[0]?.finish_reason != null);
    expect(finish.map((chunk) => chunk.choices[0].finish_reason)).toEqual(["stop"]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });

  it.each([
    [{ prompt: [1, 2, 3] }, "prompt", "token ids are not supported"],
    [{ prompt: [[1, 2]] }, "prompt", "token ids are not supported"],
    [{ prompt: [] }, "prompt", "non-empty array of strings"],
    [{ prompt: 5 }, "prompt", "must be a string"],
    [{ prompt: "x", n: 17 }, "n", "at most 16"],
    [{ prompt: "x", best_of: 3 }, "best_of", "best_of must be 1"],
    [{ prompt: "x", logprobs: 6 }, "logprobs", "at most 5"],
    [{ prompt: "x", logprobs: 1, echo: true }, "echo", "echo with logprobs"],
    [{ prompt: "x", max_tokens: 0 }, "max_tokens", "at least 1"],
    [{ prompt: "x", logit_bias: { abc: 1 } }, "logit_bias.abc", "token ids"],
    [{ prompt: "x", stream_options: { include_usage: true } }, "stream_options", "stream: true"],
    // Each prompt's n choices are a call each: 17 x 16 = 272 calls, past the 256 allowed.
    [
      { prompt: Array.from({ length: 17 }, (_, index) => `p${index}`), n: 16 },
      "prompt",
      "17 prompts with n 16 would be 272 model calls; a request makes at most 256",
    ],
    [
      { prompt: Array.from({ length: 257 }, (_, index) => `p${index}`) },
      "prompt",
      "257 prompts with n 1 would be 257 model calls",
    ],
  ])("refuses %j with a 400 naming %s", async (body, param, message) => {
    const answer = await complete(body);
    expect(answer.status).toBe(400);
    expect(answer.json.error.type).toBe("invalid_request_error");
    expect(answer.json.error.param).toBe(param);
    expect(answer.json.error.message).toContain(message);
  });

  it("sends a raw-completion model the prompt as written, at the server's /completions", async () => {
    const before = served.upstream.requests.length;
    const answer = await complete({ model: "coder", prompt: "def add(a, b):", max_tokens: 30 });
    expect(answer.status).toBe(200);
    const sent = served.upstream.requests.slice(before);
    expect(sent.map((request) => request.path)).toEqual(["/v1/completions"]);
    expect(sent[0]?.body).toMatchObject({
      model: "coder",
      prompt: "def add(a, b):",
      max_tokens: 30,
    });
    expect(sent[0]?.body).not.toHaveProperty("messages");
    expect(answer.json.choices[0]).toMatchObject({
      text: "[continue def add(a, b):]",
      finish_reason: "stop",
    });
    expect(answer.json.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    // The server's legacy log probabilities come back in the same shape.
    const scored = await complete({ model: "coder", prompt: "x = ", logprobs: 2 });
    expect(served.upstream.requests.at(-1)?.body).toMatchObject({ logprobs: 2 });
    const { text, logprobs } = scored.json.choices[0];
    expect(logprobs.tokens.join("")).toBe(text);
    expect(Object.keys(logprobs.top_logprobs[0])).toHaveLength(2);
  });

  it("fills in the middle with a suffix, passing over a chat model for a raw one", async () => {
    const before = served.upstream.requests.length;
    const answer = await complete({
      model: "code",
      prompt: "def add(a, b):\n    return ",
      suffix: "\n\nprint(add(1, 2))",
      max_tokens: 30,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("coder");
    const sent = served.upstream.requests.slice(before);
    expect(sent.map((request) => request.path)).toEqual(["/v1/completions"]);
    expect(sent[0]?.body).toMatchObject({ suffix: "\n\nprint(add(1, 2))" });
    expect(answer.json.choices[0].text).toBe(
      "[fill def add(a, b):\n    return |\n\nprint(add(1, 2))]",
    );
    // Without a suffix the route's first candidate, a chat model, answers as a chat.
    const chat = await complete({ model: "code", prompt: "what is a parcel?", max_tokens: 30 });
    expect(chat.json.modelscout.model).toBe("llm");
    expect(lastChatRequest(served.upstream).messages).toEqual([
      { role: "user", content: "what is a parcel?" },
    ]);
  });

  it("refuses a suffix with a 400 when no candidate completes raw text", async () => {
    const answer = await complete({ model: "parcels", prompt: "x", suffix: "y" });
    expect(answer.status).toBe(400);
    expect(answer.json.error.param).toBe("suffix");
    expect(answer.json.error.message).toContain("raw_completions");
  });

  it("streams a raw completion with its log probabilities", async () => {
    const chunks = await streamedChunks({
      model: "coder",
      prompt: "x = ",
      suffix: ";",
      logprobs: 1,
      stream_options: { include_usage: true },
    });
    const { text, tokens } = streamedAnswer(chunks);
    expect(text).toBe("[fill x = |;]");
    expect(tokens.join("")).toBe(text);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 4 } });
    const sent = served.upstream.requests.at(-1);
    expect(sent?.path).toBe("/v1/completions");
    expect(sent?.body).toMatchObject({ stream: true, logprobs: 1, suffix: ";" });
  });

  it("answers an unknown model with a 404 in OpenAI's shape", async () => {
    const answer = await complete({ model: "no-such-model", prompt: "x" });
    expect(answer.status).toBe(404);
    expect(answer.json.error.code).toBe("model_not_found");
  });
});
