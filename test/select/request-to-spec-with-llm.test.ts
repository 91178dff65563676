import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { requestToSpecWithLlm } from "../../src/select/request-to-spec-with-llm.js";
import { parseTaskSpec } from "../../src/select/task-spec.js";
import {
  type FakeChatMessage,
  type FakeOpenAIServer,
  messageText,
  startFakeOpenAIServer,
} from "../support/fake-openai-server.js";

const API_KEY = "sk-test-0123456789abcdef";
const NO_RETRY = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 };
const REQUEST = "classify Chinese customer reviews as positive or negative on a Raspberry Pi 5";

let server: FakeOpenAIServer;
let reply: (messages: readonly FakeChatMessage[]) => string;

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    requiredApiKey: API_KEY,
    chatReply: (messages) => reply(messages),
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

function options(overrides: { apiKey?: string } = {}) {
  return {
    baseUrl: `${server.url}/v1`,
    model: "spec-writer",
    apiKey: overrides.apiKey ?? API_KEY,
    retry: NO_RETRY,
    timeoutMs: 5000,
  };
}

describe("requestToSpecWithLlm", () => {
  it("asks the endpoint with the schema and returns the spec it wrote once it validates", async () => {
    reply = (messages) => {
      const user = messageText(messages.find((message) => message.role === "user")?.content);
      // A stand-in LLM that reads the request: Chinese, sentiment, a Pi 5, and it adds a wish for speed.
      return JSON.stringify({
        task_type: user.includes("classify") ? "sentiment" : "text-generation",
        input_constraints: { language: "Chinese" },
        hardware: "Raspberry Pi 5",
        objectives: { quality: 0.6, latency: 0.4 },
      });
    };
    const result = await requestToSpecWithLlm(REQUEST, options());
    expect(result.source).toBe("llm");
    expect(result.spec).toEqual({
      task_type: "sentiment",
      input_constraints: { language: "Chinese" },
      hardware: "Raspberry Pi 5",
      objectives: { quality: 0.6, latency: 0.4 },
    });
    expect(parseTaskSpec(result.spec).hardware?.id).toBe("rpi5");
    expect(result.notes[0]).toContain(`model "spec-writer" at ${server.url}/v1`);

    const chat = server.requests.find((request) => request.path === "/v1/chat/completions");
    const body = chat?.body as {
      model: string;
      temperature: number;
      messages: FakeChatMessage[];
    };
    expect(body.model).toBe("spec-writer");
    expect(body.temperature).toBe(0);
    expect(chat?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const system = body.messages.find((message) => message.role === "system")?.content ?? "";
    expect(system).toContain('"task_type"');
    expect(system).toContain("https://modelscout.dev/schemas/task-spec.json");
    expect(system).toContain("rpi5");
    expect(body.messages.find((message) => message.role === "user")?.content).toBe(REQUEST);
  });

  it("reads a spec wrapped in reasoning, prose and a code fence", async () => {
    reply = () =>
      '<think>The user wants embeddings.</think>Here is the spec:\n```json\n{"task_type": "feature-extraction", "privacy": "local-only"}\n```\nDone.';
    const result = await requestToSpecWithLlm("private semantic search over tickets", options());
    expect(result.source).toBe("llm");
    expect(result.spec).toEqual({ task_type: "feature-extraction", privacy: "local-only" });
  });

  it("drops a data path the request never mentioned", async () => {
    reply = () =>
      JSON.stringify({ task_type: "text-classification", data: { path: "reviews.jsonl" } });
    const result = await requestToSpecWithLlm(REQUEST, options());
    expect(result.source).toBe("llm");
    expect(result.spec).toEqual({ task_type: "text-classification" });
    expect(result.notes.join("\n")).toContain('data.path "reviews.jsonl"');
  });

  it("falls back to the rules, with a note, when the reply is not JSON", async () => {
    reply = () => "Sure! You should use a sentiment model on your Pi.";
    const result = await requestToSpecWithLlm(REQUEST, options());
    expect(result.source).toBe("rules");
    expect(result.spec).toEqual({
      task_type: "text-classification",
      input_constraints: { language: "zh" },
      hardware: "rpi5",
      labels: ["positive", "negative"],
    });
    expect(result.notes[0]).toContain("did not answer with a JSON object");
    expect(result.notes[0]).toContain("You should use a sentiment model");
    expect(result.notes[0]).toContain("The rules made the spec instead.");
    expect(result.notes.some((note) => note.startsWith("Task: text-classification"))).toBe(true);
  });

  it("falls back when the reply breaks the schema", async () => {
    reply = () => JSON.stringify({ task: "classification", hardware: "raspberry" });
    const result = await requestToSpecWithLlm(REQUEST, options());
    expect(result.source).toBe("rules");
    expect(result.notes[0]).toContain("a spec that is not valid");
    expect(result.notes[0]).toContain("task_type is required");
    expect(result.spec.hardware).toBe("rpi5");
  });

  it("falls back when the endpoint fails, and keeps the API key out of every note", async () => {
    // The first request is the backend's reachability check (GET /models); the chat fails.
    server.script({ kind: "ok" }, { kind: "status", status: 500, message: "model crashed" });
    reply = () => "{}";
    const failed = await requestToSpecWithLlm(REQUEST, options());
    expect(failed.source).toBe("rules");
    expect(failed.notes[0]).toContain("could not be used");
    expect(failed.notes[0]).toContain("HTTP 500");

    const wrongKey = "sk-wrong-key-that-the-server-echoes";
    const refused = await requestToSpecWithLlm(REQUEST, options({ apiKey: wrongKey }));
    expect(refused.source).toBe("rules");
    expect(refused.notes[0]).toContain("HTTP 401");
    expect(refused.notes.join("\n")).not.toContain(wrongKey);
  });

  it("fails with what went wrong on both sides when neither the LLM nor the rules give a spec", async () => {
    reply = () => "I am not sure what you mean.";
    const attempt = requestToSpecWithLlm("something for my Raspberry Pi 5", options());
    await expect(attempt).rejects.toBeInstanceOf(ModelScoutError);
    await expect(attempt).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(attempt).rejects.toThrow(
      /did not answer with a JSON object.*Could not tell which task.*hardware rpi5/,
    );
  });
});
