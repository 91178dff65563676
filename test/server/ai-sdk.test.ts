/**
 * The routing server through the AI SDK (`ai` with its `@ai-sdk/openai` provider pointed at
 * the server's `/v1`), the TypeScript toolkit the README says works with it: text from the
 * Responses API (the provider's default), from chat completions and from legacy completions,
 * streamed and not, and a batch of embeddings. Only the SDK's calls are used, so a wire it cannot read fails
 * here (ADR 0064).
 */
import { createOpenAI } from "@ai-sdk/openai";
import { embedMany, generateText, streamText } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoutingServer } from "../../src/server/start-routing-server.js";
import { SDK_TEST_DIMENSIONS, SDK_TEST_KEY, startSdkTestServer } from "./sdk-test-server.js";

const KEY = SDK_TEST_KEY;

let server: RoutingServer;
let provider: ReturnType<typeof createOpenAI>;

beforeAll(async () => {
  server = await startSdkTestServer();
  provider = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY });
});

afterAll(async () => {
  await server?.close();
});

/** Which endpoint the SDK called, from the request log entry of the answer's request id. */
async function endpointOf(headers: Record<string, string> | undefined): Promise<string> {
  const id = headers?.["x-modelscout-request-id"];
  const logged = await fetch(`${server.url}/v1/requests/${id}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  return ((await logged.json()) as { endpoint: string }).endpoint;
}

describe("the AI SDK against the routing server", () => {
  it("generates text through the Responses API, routed by its words", async () => {
    const result = await generateText({
      model: provider("auto"),
      prompt: "where is my parcel?",
      maxRetries: 0,
    });
    expect(result.text).toBe("parcels: where is my parcel?");
    expect(result.finishReason).toBe("stop");
    expect(await endpointOf(result.response.headers)).toBe("responses");
  });

  it("generates text through chat completions, with the decision's headers", async () => {
    const result = await generateText({
      model: provider.chat("desk"),
      prompt: "what sizes are there?",
      maxRetries: 0,
    });
    expect(result.text).toBe("desk: what sizes are there?");
    expect(result.response.headers?.["x-modelscout-route"]).toBe("desk");
    expect(await endpointOf(result.response.headers)).toBe("chat.completions");
  });

  it("streams text through both APIs", async () => {
    for (const model of [provider("desk"), provider.chat("desk")]) {
      const stream = streamText({ model, prompt: "hello there", maxRetries: 0 });
      const pieces: string[] = [];
      for await (const piece of stream.textStream) pieces.push(piece);
      expect(pieces.join("")).toBe("desk: hello there");
      expect(await stream.finishReason).toBe("stop");
    }
  });

  it("generates and streams text through legacy completions", async () => {
    const result = await generateText({
      model: provider.completion("auto"),
      prompt: "where is my parcel?",
      maxRetries: 0,
    });
    // The provider writes the conversation into the prompt as "user:" and "assistant:"
    // lines; the echo desk answers with the prompt it was sent.
    expect(result.text).toBe("parcels: user:\nwhere is my parcel?\n\nassistant:\n");
    expect(result.response.headers?.["x-modelscout-route"]).toBe("parcels");
    expect(await endpointOf(result.response.headers)).toBe("completions");
    const stream = streamText({
      model: provider.completion("desk"),
      prompt: "hello there",
      maxRetries: 0,
    });
    const pieces: string[] = [];
    for await (const piece of stream.textStream) pieces.push(piece);
    expect(pieces.join("")).toBe("desk: user:\nhello there\n\nassistant:\n");
    expect(await stream.finishReason).toBe("stop");
  });

  it("embeds a batch of texts", async () => {
    const { embeddings } = await embedMany({
      model: provider.embedding("desk"),
      values: ["where is my parcel?", "it came broken", "what sizes are there?"],
      maxRetries: 0,
    });
    expect(embeddings).toHaveLength(3);
    for (const vector of embeddings) expect(vector).toHaveLength(SDK_TEST_DIMENSIONS);
  });
});
