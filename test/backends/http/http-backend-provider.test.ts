import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../src/backends/create-backend.js";
import { endpointModelRecord } from "../../../src/backends/http/endpoint-model-record.js";
import {
  createHttpBackendProvider,
  httpBackendProvider,
} from "../../../src/backends/http/http-backend-provider.js";
import { toModelRecord } from "../../../src/catalog/model-record.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../../support/fake-openai-server.js";

const KEY = "hf_providerTestKey42424242";
let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    requiredApiKey: KEY,
    hfTasks: { "acme/ner": "token-classification" },
  });
});
afterAll(async () => {
  await server.close();
});

describe("endpointModelRecord", () => {
  it("builds a source: endpoint record with the call details in extra and a readable default id", () => {
    const record = endpointModelRecord({
      protocol: "openai",
      baseUrl: "http://127.0.0.1:11434/v1",
      apiModel: "llama3.1:8b",
      task: "text-generation",
      record: { languages: ["en"], contextLength: 8192 },
    });
    expect(record).toMatchObject({
      id: "endpoint:llama3.1:8b@127.0.0.1:11434",
      source: "endpoint",
      task: "text-generation",
      languages: ["en"],
      contextLength: 8192,
      extra: { protocol: "openai", baseUrl: "http://127.0.0.1:11434/v1", apiModel: "llama3.1:8b" },
    });
    expect(
      endpointModelRecord({
        protocol: "hf-inference",
        apiModel: "acme/ner",
        task: "token-classification",
      }).id,
    ).toBe("endpoint:acme/ner@hf-inference");
  });

  it("rejects an openai endpoint without baseUrl and a bad apiKeyEnv, naming the field", () => {
    expect(() =>
      endpointModelRecord({ protocol: "openai", apiModel: "m", task: "text-generation" }),
    ).toThrow(/baseUrl/);
    expect(() =>
      endpointModelRecord({
        protocol: "openai",
        baseUrl: "http://127.0.0.1/v1",
        apiModel: "m",
        apiKeyEnv: "not a variable",
        task: "text-generation",
      }),
    ).toThrow(/environment variable name/);
  });
});

describe("httpBackendProvider", () => {
  const openaiChat = () =>
    endpointModelRecord({
      protocol: "openai",
      baseUrl: `${server.url}/v1`,
      apiModel: "fake-chat",
      apiKeyEnv: "FAKE_SERVER_KEY",
      task: "text-generation",
    });

  it("supports endpoint records whose protocol can run their task, and nothing else", () => {
    expect(httpBackendProvider.provider).toBe("http");
    expect(httpBackendProvider.supports(openaiChat())).toBe(true);
    expect(
      httpBackendProvider.supports(
        endpointModelRecord({
          protocol: "openai",
          baseUrl: "http://h/v1",
          apiModel: "m",
          task: "token-classification",
        }),
      ),
    ).toBe(false);
    expect(
      httpBackendProvider.supports(
        endpointModelRecord({
          protocol: "hf-inference",
          apiModel: "acme/ner",
          task: "token-classification",
        }),
      ),
    ).toBe(true);
    expect(
      httpBackendProvider.supports(
        toModelRecord({
          id: "acme/ner",
          source: "hub",
          task: "token-classification",
          extra: openaiChat().extra,
        }),
      ),
    ).toBe(false);
    expect(
      httpBackendProvider.supports(
        toModelRecord({
          id: "endpoint:broken",
          source: "endpoint",
          task: "text-generation",
          extra: { protocol: "openai" },
        }),
      ),
    ).toBe(false);
  });

  it("creates an OpenAI-compatible backend that reads its key from the named variable", async () => {
    const provider = createHttpBackendProvider({ env: { FAKE_SERVER_KEY: KEY } });
    const backend = createBackend(openaiChat(), [provider]);
    expect(backend.describe()).toMatchObject({
      provider: "openai-compatible",
      modelId: `endpoint:fake-chat@${new URL(server.url).host}`,
      local: true,
      task: "text-generation",
    });
    expect(await backend.doRun(["ping"])).toMatchObject([{ kind: "text", text: "Echo: ping" }]);
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("says which variable to set when the key is missing", async () => {
    const provider = createHttpBackendProvider({
      env: {},
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await provider
      .create(openaiChat())
      .doRun(["ping"])
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).message).toContain(
      "set the environment variable FAKE_SERVER_KEY",
    );
  });

  it("creates a Hugging Face Inference backend for protocol hf-inference", async () => {
    const provider = createHttpBackendProvider({
      env: { HF_TOKEN: KEY, HF_ENDPOINT: server.url },
      hfRouterUrl: server.url,
    });
    const record = endpointModelRecord({
      protocol: "hf-inference",
      apiModel: "acme/ner",
      task: "token-classification",
    });
    const backend = provider.create(record);
    expect(backend.describe()).toMatchObject({
      provider: "hf-inference",
      local: false,
      modelId: record.id,
    });
    expect(await backend.doRun(["Hello Ada"])).toEqual([
      { kind: "spans", spans: [{ label: "PER", start: 6, end: 9, text: "Ada", score: 0.95 }] },
    ]);
  });

  it("refuses records it cannot run with a message that says why", () => {
    const hub = toModelRecord({ id: "acme/x", source: "hub", task: "text-generation" });
    expect(() => httpBackendProvider.create(hub)).toThrow(/source is "hub"/);
    const unknownProvider = endpointModelRecord({
      protocol: "hf-inference",
      apiModel: "acme/x",
      task: "text-generation",
      inferenceProvider: "togethr",
    });
    expect(() => httpBackendProvider.create(unknownProvider)).toThrow(/did you mean "together"/);
  });
});
