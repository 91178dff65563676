/**
 * The routing server through OpenAI's own JavaScript SDK (`openai`, the client most apps
 * already use), pointed at it with `baseURL` and an API key: chat answers, streamed and not,
 * with the decision in the body and headers; legacy completions; feedback by the request id; the models list and
 * one model by id; embeddings; the Responses API; and errors raised as the SDK's own typed
 * errors (404 `model_not_found`, 401, 400 with the field). Every call is the SDK's, so a
 * change to the wire that the SDK cannot read fails here.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoutingServer } from "../../src/server/start-routing-server.js";
import { postJson } from "./routing-test-support.js";
import { SDK_TEST_DIMENSIONS, SDK_TEST_KEY, startSdkTestServer } from "./sdk-test-server.js";

const KEY = SDK_TEST_KEY;

let server: RoutingServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startSdkTestServer();
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
});

/** The decision ModelScout adds to a chat completion (a field the SDK passes through). */
interface WithDecision {
  modelscout: { request_id: string; route: string; model: string; reason: string };
}

describe("OpenAI's JavaScript SDK against the routing server", () => {
  it("gets a routed chat answer with the decision in its body and headers", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "auto", messages: [{ role: "user", content: "where is my parcel?" }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]?.message).toMatchObject({
      role: "assistant",
      content: "parcels: where is my parcel?",
    });
    expect(data.choices[0]?.finish_reason).toBe("stop");
    const { modelscout } = data as unknown as WithDecision;
    expect(modelscout).toMatchObject({ route: "parcels", model: "echo:parcels" });
    expect(response.headers.get("x-modelscout-request-id")).toBe(modelscout.request_id);
    expect(response.headers.get("x-modelscout-route")).toBe("parcels");
    // The request id takes feedback (not an SDK call: OpenAI has no such endpoint).
    const feedback = await fetch(`${server.url}/v1/feedback`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ request_id: modelscout.request_id, correct: true }),
    });
    expect(feedback.status).toBe(200);
  });

  it("streams a chat answer chunk by chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "desk",
      messages: [{ role: "user", content: "what sizes are there?" }],
      stream: true,
    });
    let text = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe("desk: what sizes are there?");
    expect(finish).toBe("stop");
  });

  it("gets n choices of one chat", async () => {
    const data = await client.chat.completions.create({
      model: "desk",
      messages: [{ role: "user", content: "hello" }],
      n: 2,
    });
    expect(data.choices.map((choice) => [choice.index, choice.message.content])).toEqual([
      [0, "desk: hello"],
      [1, "desk: hello"],
    ]);
  });

  it("gets a legacy completion, whole and streamed", async () => {
    const { data, response } = await client.completions
      .create({ model: "auto", prompt: "where is my parcel?", max_tokens: 64 })
      .withResponse();
    expect(data.object).toBe("text_completion");
    expect(data.choices[0]).toMatchObject({
      index: 0,
      text: "parcels: where is my parcel?",
      finish_reason: "stop",
    });
    expect(response.headers.get("x-modelscout-route")).toBe("parcels");
    const stream = await client.completions.create({
      model: "desk",
      prompt: "what sizes are there?",
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) {
      expect(chunk.object).toBe("text_completion");
      text += chunk.choices[0]?.text ?? "";
    }
    expect(text).toBe("desk: what sizes are there?");
  });

  it("lists the models and retrieves one by id", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["auto", "desk", "parcels", "echo:desk"]));
    const desk = await client.models.retrieve("desk");
    expect(desk).toMatchObject({ id: "desk", object: "model", owned_by: "modelscout" });
  });

  it("embeds a batch of texts", async () => {
    const embeddings = await client.embeddings.create({
      model: "desk",
      input: ["where is my parcel?", "it came broken"],
    });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data.map((item) => item.index)).toEqual([0, 1]);
    for (const item of embeddings.data) expect(item.embedding).toHaveLength(SDK_TEST_DIMENSIONS);
  });

  it("answers the Responses API", async () => {
    const response = await client.responses.create({
      model: "auto",
      input: "where is my parcel?",
    });
    expect(response.object).toBe("response");
    expect(response.output_text).toBe("parcels: where is my parcel?");
  });

  it("raises the SDK's typed errors with OpenAI's codes", async () => {
    const unknown = client.chat.completions.create({
      model: "gpt-17",
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(unknown).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(unknown).rejects.toMatchObject({ status: 404, code: "model_not_found" });
    await expect(client.models.retrieve("gpt-17")).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
    const stranger = new OpenAI({
      baseURL: `${server.url}/v1`,
      apiKey: "sk-not-a-key-of-this-server",
      maxRetries: 0,
    });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const invalid = client.chat.completions.create({ model: "auto", messages: [] });
    await expect(invalid).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(invalid).rejects.toMatchObject({ status: 400, param: "messages" });
  });

  it("sees the same answer a plain HTTP client gets", async () => {
    const sdk = await client.chat.completions.create({
      model: "desk",
      messages: [{ role: "user", content: "hello" }],
    });
    const plain = await postJson(
      `${server.url}/v1/chat/completions`,
      { model: "desk", messages: [{ role: "user", content: "hello" }] },
      { authorization: `Bearer ${KEY}` },
    );
    expect(sdk.choices).toEqual(plain.json.choices);
  });
});
