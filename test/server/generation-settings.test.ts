/**
 * A chat's sampling fields (`max_tokens`, `temperature`, `top_p`, `stop`, `seed`, the
 * penalties, `response_format`) reach the chosen model; its answer says how it ended (`finish_reason`) and what
 * it used (`usage`), streamed (`stream_options.include_usage`) or not; and what the router
 * cannot honour (out-of-range values, `n` above 16, audio output, hosted web search,
 * `stream_options` without a stream) is a 400 naming the field, not dropped; `reasoning_effort`
 * goes to the model's server as given; `n` choices are `n` calls to the model, with seeds one apart.
 * Tools: `tool-calls.test.ts`.
 */
import { describe, expect, it } from "vitest";
import {
  type Json,
  postJson,
  routingServerBehindFakeUpstream,
  sseEvents,
} from "./routing-test-support.js";

/** Eight words: the fake upstream counts a word as a token and honours `max_tokens`. */
const ANSWER = "one two three four five six seven eight";

const served = routingServerBehindFakeUpstream(
  "generation",
  (base) => ({
    classification: [{ kind: "rules", rules: [{ route: "remote", keywords: ["remote"] }] }],
    models: [
      {
        id: "remote-llm",
        kind: "openai",
        base_url: base,
        api_model: "llm",
        max_tokens: 100,
        temperature: 0.3,
      },
      { id: "echo:local", kind: "echo", template: "{{input}}" },
    ],
    routes: [
      {
        name: "remote",
        targets: { "text-generation": { policy: "fixed", candidates: ["remote-llm"] } },
      },
      {
        name: "local",
        targets: { "text-generation": { policy: "fixed", candidates: ["echo:local"] } },
      },
    ],
  }),
  { chatReply: () => ANSWER },
);

const chat = (body: Record<string, unknown>) =>
  postJson(`${served.server.url}/v1/chat/completions`, {
    messages: [{ role: "user", content: "a b c" }],
    ...body,
  });

/** The chat completion bodies the upstream received since `before`. */
const upstreamBodies = (before: number): Json[] =>
  served.upstream.requests
    .slice(before)
    .filter((request) => request.path === "/v1/chat/completions")
    .map((request) => request.body);

const JSON_FORMAT = {
  type: "json_schema",
  json_schema: { name: "parcel", schema: { type: "object" }, strict: true },
};

describe("generation settings through the router", () => {
  it("sends the request's sampling fields to the model, over its declared defaults", async () => {
    const before = served.upstream.requests.length;
    const answer = await chat({
      model: "remote",
      max_completion_tokens: 3,
      top_p: 0.9,
      stop: "\n\n",
      seed: 42,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      response_format: JSON_FORMAT,
      reasoning_effort: "low",
      modalities: ["text"],
      user: "someone", // unused fields are still accepted
    });
    expect(answer.status).toBe(200);
    expect(upstreamBodies(before)).toEqual([
      expect.objectContaining({
        model: "llm",
        max_tokens: 3,
        temperature: 0.3, // not asked for: the model's declared one
        top_p: 0.9,
        stop: ["\n\n"],
        seed: 42,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        response_format: JSON_FORMAT,
        reasoning_effort: "low",
      }),
    ]);
    expect(upstreamBodies(before)[0]).not.toHaveProperty("modalities");
    // The model stopped at the cap, and the client is told so, with the model's counts.
    expect(answer.json.choices[0]).toMatchObject({
      message: { content: "one two three " },
      finish_reason: "length",
    });
    expect(answer.json.usage).toEqual({ prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 });

    const whole = await chat({ model: "remote", temperature: 1.2 });
    expect(upstreamBodies(before).at(-1)).toMatchObject({ max_tokens: 100, temperature: 1.2 });
    expect(whole.json.choices[0]).toMatchObject({ message: { content: ANSWER } });
    expect(whole.json.choices[0].finish_reason).toBe("stop");
  });

  it("streams how the answer ended, and its usage when the client asks for it", async () => {
    const before = served.upstream.requests.length;
    const counted = await chat({
      model: "remote",
      stream: true,
      max_tokens: 2,
      stream_options: { include_usage: true },
    });
    expect(counted.status).toBe(200);
    const events = sseEvents(counted.json) as Json[];
    expect(events.at(-1)).toBe("[DONE]");
    const [finish, usage] = events.slice(-3, -1);
    expect(finish.choices).toEqual([{ index: 0, delta: {}, finish_reason: "length" }]);
    // OpenAI's usage chunk: no choices, after the finish_reason chunk.
    expect(usage).toMatchObject({
      object: "chat.completion.chunk",
      choices: [],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    const text = events
      .slice(0, -1)
      .map((event) => event.choices[0]?.delta.content ?? "")
      .join("");
    expect(text).toBe("one two ");

    const plain = sseEvents((await chat({ model: "remote", stream: true })).json) as Json[];
    expect(plain.some((event) => event !== "[DONE]" && event.usage !== undefined)).toBe(false);
    expect(plain.at(-2).choices[0].finish_reason).toBe("stop");
    const [countedBody, plainBody] = upstreamBodies(before);
    expect(countedBody).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(plainBody).not.toHaveProperty("stream_options");
  });

  it("answers from an in-process model without usage it does not have", async () => {
    const whole = await chat({ model: "local", max_tokens: 5, temperature: 0 });
    expect(whole.status).toBe(200);
    expect(whole.json.choices[0]).toMatchObject({
      message: { content: "a b c" },
      finish_reason: "stop",
    });
    expect(whole.json).not.toHaveProperty("usage");
    const streamed = sseEvents(
      (await chat({ model: "local", stream: true, stream_options: { include_usage: true } })).json,
    ) as Json[];
    expect(streamed.at(-2).choices[0].finish_reason).toBe("stop");
    expect(streamed.some((event) => event !== "[DONE]" && event.usage !== undefined)).toBe(false);
  });

  it.each([
    [{ temperature: 3 }, "temperature"],
    [{ max_tokens: 0 }, "max_tokens"],
    [{ max_tokens: 2.5 }, "max_tokens"],
    [{ top_p: 0 }, "top_p"],
    [{ stop: ["a", "b", "c", "d", "e"] }, "stop"],
    [{ seed: 1.5 }, "seed"],
    [{ presence_penalty: -3 }, "presence_penalty"],
    [{ n: 0 }, "n"],
    [{ n: 17 }, "n"],
    [{ response_format: { type: "xml" } }, "response_format"],
    [{ response_format: { type: "json_schema", json_schema: {} } }, "response_format"],
    [{ max_tokens: 5, max_completion_tokens: 6 }, "max_completion_tokens"],
    [{ reasoning_effort: "as hard as you can" }, "reasoning_effort"],
    // What no model behind the router gives is refused, not dropped.
    [{ modalities: ["text", "audio"] }, "modalities"],
    [{ audio: { voice: "alloy", format: "wav" } }, "audio"],
    [{ web_search_options: {} }, "web_search_options"],
    [{ stream_options: { include_usage: true } }, "stream_options"],
  ])("refuses %j with a 400 naming %s", async (fields, param) => {
    const before = served.upstream.requests.length;
    const answer = await chat({ model: "remote", ...fields });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe("invalid_value");
    // The field itself, or a field inside it (response_format.type).
    expect(`${answer.json.error.param}.`.startsWith(`${param}.`)).toBe(true);
    expect(answer.json.error.message).toContain(param);
    expect(upstreamBodies(before)).toEqual([]);
  });

  it("answers n choices from n calls to the model, seeds one apart, tokens summed", async () => {
    const before = served.upstream.requests.length;
    const answer = await chat({ model: "remote", n: 3, seed: 7, max_tokens: 2 });
    expect(answer.status).toBe(200);
    const calls = upstreamBodies(before);
    expect(calls.map((call) => call.seed).sort()).toEqual([7, 8, 9]);
    for (const call of calls)
      expect(call).toMatchObject({ max_tokens: 2, messages: [{ content: "a b c" }] });
    expect(
      answer.json.choices.map((choice: Json) => [choice.index, choice.message.content]),
    ).toEqual([
      [0, "one two "],
      [1, "one two "],
      [2, "one two "],
    ]);
    for (const choice of answer.json.choices) expect(choice.finish_reason).toBe("length");
    // Each call's prompt is counted, as each was a call of its own.
    expect(answer.json.usage).toEqual({ prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 });
    // A model in process answers each choice as well.
    const local = await chat({ model: "local", n: 2 });
    expect(local.json.choices.map((choice: Json) => choice.message.content)).toEqual([
      "a b c",
      "a b c",
    ]);
  });

  it("streams n choices, each with its index, tokens summed", async () => {
    const events = sseEvents(
      (
        await chat({
          model: "remote",
          n: 2,
          max_tokens: 2,
          stream: true,
          stream_options: { include_usage: true },
        })
      ).json,
    ) as Json[];
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    const texts = new Map<number, string>();
    const reasons = new Map<number, string>();
    for (const chunk of chunks) {
      for (const choice of chunk.choices) {
        texts.set(choice.index, (texts.get(choice.index) ?? "") + (choice.delta.content ?? ""));
        if (choice.finish_reason != null) reasons.set(choice.index, choice.finish_reason);
      }
    }
    expect([...texts.entries()]).toEqual([
      [0, "one two "],
      [1, "one two "],
    ]);
    // Each choice's own finish reason; the usage after both.
    expect([...reasons.entries()].sort()).toEqual([
      [0, "length"],
      [1, "length"],
    ]);
    expect(chunks.at(-1).usage).toEqual({
      prompt_tokens: 6,
      completion_tokens: 4,
      total_tokens: 10,
    });
  });

  it("accepts what clients send by default: n 1, no tools, nulls", async () => {
    const answer = await chat({
      model: "remote",
      n: 1,
      tools: [],
      temperature: null,
      max_tokens: null,
      stream_options: null,
      audio: null,
      web_search_options: null,
    });
    expect(answer.status).toBe(200);
  });
});
