/**
 * `logprobs`, `top_logprobs` and `logit_bias` on chat completions: asked of the model's
 * server and its log probabilities passed back, whole and streamed, in OpenAI's shape. They
 * used to be dropped without a word; a model that cannot honour them (an in-process one) is
 * now passed over, and a 400 says so when no candidate can.
 */
import { describe, expect, it } from "vitest";
import { fakeLogprobs } from "../support/fake-openai-server.js";
import {
  type Json,
  lastChatRequest,
  postJson,
  routingServerBehindFakeUpstream,
  sseEvents,
} from "./routing-test-support.js";

const served = routingServerBehindFakeUpstream("logprobs", (base) => ({
  models: [
    { id: "echo", kind: "echo" },
    { id: "llm", kind: "openai", base_url: base, api_model: "small-llm" },
  ],
  routes: [
    {
      name: "judge",
      targets: { "text-generation": { policy: "fallback", candidates: ["echo", "llm"] } },
    },
    {
      name: "local",
      targets: { "text-generation": { policy: "fixed", candidates: ["echo"] } },
    },
  ],
}));

const lastModelRequest = (): Json => lastChatRequest(served.upstream);

const chat = (body: Record<string, unknown>) =>
  postJson(`${served.server.url}/v1/chat/completions`, body);

const question = [{ role: "user", content: "is the parcel late" }];

describe("logprobs on /v1/chat/completions", () => {
  it("asks the model's server for them and passes them back, passing over the local model", async () => {
    const answer = await chat({
      model: "judge",
      messages: question,
      logprobs: true,
      top_logprobs: 2,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("llm");
    expect(answer.json.modelscout.attempts[0]).toMatchObject({
      model: "echo",
      error: "echo cannot return token log probabilities (only models behind a server can)",
    });
    expect(lastModelRequest()).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const text = answer.json.choices[0].message.content;
    expect(text).toBe("Echo: is the parcel late");
    // Exactly what the server sent, in OpenAI's shape (bytes included).
    expect(answer.json.choices[0].logprobs).toEqual(fakeLogprobs(text.match(/\s*\S+\s*/gu), 2));
  });

  it("streams them beside the text, token by token", async () => {
    const response = await fetch(`${served.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "judge", messages: question, logprobs: true, stream: true }),
    });
    expect(response.status).toBe(200);
    const chunks = sseEvents(await response.text()) as Json[];
    const tokens = chunks.flatMap((chunk) => chunk.choices?.[0]?.logprobs?.content ?? []);
    const text = chunks.map((chunk) => chunk.choices?.[0]?.delta?.content ?? "").join("");
    expect(text).toBe("Echo: is the parcel late");
    expect(tokens.map((token: Json) => token.token).join("")).toBe(text);
    expect(tokens.map((token: Json) => token.logprob)).toEqual(
      fakeLogprobs(text.match(/\s*\S+\s*/gu) ?? [], 0).content.map((token) => token.logprob),
    );
    expect(tokens.every((token: Json) => Array.isArray(token.top_logprobs))).toBe(true);
  });

  it("says logprobs: null, as OpenAI does, when none were asked for", async () => {
    const answer = await chat({ model: "llm", messages: question });
    expect(answer.json.choices[0].logprobs).toBeNull();
    expect(lastModelRequest()).not.toHaveProperty("logprobs");
  });

  it("sends logit_bias to the model's server", async () => {
    const answer = await chat({
      model: "judge",
      messages: question,
      logit_bias: { "50256": -100 },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("llm");
    expect(lastModelRequest().logit_bias).toEqual({ "50256": -100 });
  });

  it("is a 400 naming the reason when no candidate can honour them", async () => {
    const answer = await chat({ model: "local", messages: question, logprobs: true });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain("echo cannot return token log probabilities");
  });

  it.each([
    [{ top_logprobs: 3 }, "top_logprobs", /needs logprobs: true/],
    [{ logprobs: true, top_logprobs: 21 }, "top_logprobs", /20/],
    [{ logit_bias: { hello: 5 } }, "logit_bias.hello", /token ids/],
    [{ logit_bias: { "42": 101 } }, "logit_bias.42", /100/],
  ])("refuses %j with a 400 naming %s", async (fields, param, message) => {
    const answer = await chat({ model: "judge", messages: question, ...fields });
    expect(answer.status).toBe(400);
    expect(answer.json.error.param).toBe(param);
    expect(answer.json.error.message).toMatch(message);
  });
});

describe("log probabilities on /v1/responses", () => {
  it("come in the output_text part when include asks for them", async () => {
    const answer = await postJson(`${served.server.url}/v1/responses`, {
      model: "judge",
      input: "is the parcel late",
      include: ["message.output_text.logprobs"],
      top_logprobs: 1,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.modelscout.model).toBe("llm");
    expect(lastModelRequest()).toMatchObject({ logprobs: true, top_logprobs: 1 });
    const part = answer.json.output[0].content[0];
    expect(part.text).toBe("Echo: is the parcel late");
    const sent = fakeLogprobs(part.text.match(/\s*\S+\s*/gu) ?? [], 1).content;
    expect(part.logprobs).toEqual(
      sent.map((token) => ({
        token: token.token,
        logprob: token.logprob,
        bytes: token.bytes,
        top_logprobs: token.top_logprobs.map((alternative) => ({
          token: alternative.token,
          logprob: alternative.logprob,
          bytes: [...Buffer.from(alternative.token)],
        })),
      })),
    );
  });

  it("stream beside the text deltas, and whole in output_text.done", async () => {
    const response = await fetch(`${served.server.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "judge",
        input: "is the parcel late",
        top_logprobs: 0,
        stream: true,
      }),
    });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split("\n\n")
      .filter((block) => block.startsWith("event: "))
      .map((block) => JSON.parse(block.split("\n")[1]?.slice("data: ".length) ?? "{}") as Json);
    const deltas = events.filter((event) => event.type === "response.output_text.delta");
    const streamed = deltas.flatMap((event) => event.logprobs);
    expect(streamed.map((token: Json) => token.token).join("")).toBe("Echo: is the parcel late");
    const done = events.find((event) => event.type === "response.output_text.done");
    expect(done.logprobs).toEqual(streamed);
    const completed = events.at(-1);
    expect(completed.type).toBe("response.completed");
    expect(completed.response.output[0].content[0].logprobs).toEqual(streamed);
  });
});
