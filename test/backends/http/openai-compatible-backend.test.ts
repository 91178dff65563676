import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleBackend } from "../../../src/backends/http/openai-compatible-backend.js";
import { batchLabelResults } from "../../../src/backends/http/prompt-classifier.js";
import type {
  StreamEnd,
  TextStream,
  TokenLogprob,
  ToolCallPiece,
} from "../../../src/backends/model-backend.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import type { HttpRetryEvent } from "../../../src/http/fetch-with-retry.js";
import {
  type FakeOpenAIServer,
  fakeEmbedding,
  startFakeOpenAIServer,
} from "../../support/fake-openai-server.js";
import { runModelBackendContract } from "../model-backend.contract.js";

const API_KEY = "sk-test-0123456789abcdef";
const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 50 };

let server: FakeOpenAIServer;
let baseURL: string;

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    models: ["fake-chat", "fake-embed"],
    requiredApiKey: API_KEY,
  });
  baseURL = `${server.url}/v1`;
});
afterAll(async () => {
  await server.close();
});

function backend(
  task: string,
  extra: Partial<Parameters<typeof createOpenAICompatibleBackend>[0]> = {},
) {
  return createOpenAICompatibleBackend({
    baseURL,
    model: task === "feature-extraction" ? "fake-embed" : "fake-chat",
    task,
    apiKey: API_KEY,
    retry: FAST_RETRY,
    ...extra,
  });
}

async function caught(promise: Promise<unknown>): Promise<ModelScoutError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ModelScoutError);
  return error as ModelScoutError;
}

runModelBackendContract({
  name: "openai-compatible text-generation",
  create: () => backend("text-generation"),
  inputs: ["Hello there", { messages: [{ role: "user", content: "How are you?" }] }],
  expectedKind: "text",
  local: true,
  artifact: "remote",
  streams: true,
});

runModelBackendContract({
  name: "openai-compatible feature-extraction",
  create: () => backend("feature-extraction"),
  inputs: ["first sentence", { text: "second sentence" }, "third"],
  expectedKind: "embedding",
  local: true,
  artifact: "remote",
});

runModelBackendContract({
  name: "openai-compatible text-classification (prompt-based)",
  create: () => backend("text-classification", { labels: ["positive", "negative"] }),
  inputs: ["I loved this film", "A terrible, boring plot"],
  expectedKind: "labels",
  local: true,
  artifact: "remote",
});

runModelBackendContract({
  name: "openai-compatible zero-shot-classification (prompt-based)",
  create: () => backend("zero-shot-classification"),
  inputs: [
    { text: "The match ended in a draw", candidateLabels: ["sports", "politics", "cooking"] },
    { text: "Parliament passed the budget", candidateLabels: ["sports", "politics"] },
  ],
  expectedKind: "labels",
  local: true,
  artifact: "remote",
});

describe("openai-compatible backend: its artifact", () => {
  it("names the endpoint and model sent, never the key, and says the weights are not identified", async () => {
    const { artifact } = await backend("text-generation").load();
    expect(artifact).toMatchObject({ kind: "remote", endpoint: baseURL, model: "fake-chat" });
    expect(JSON.stringify(artifact)).not.toContain(API_KEY);
    if (artifact?.kind === "remote") expect(artifact.note).toContain("cannot be identified");
  });
});

describe("openai-compatible backend: requests and answers", () => {
  it("sends the API key as a bearer token, the model name, and extra headers", async () => {
    const instance = backend("text-generation", {
      headers: { "x-request-source": "modelscout-test" },
    });
    const before = server.requests.length;
    const [output] = await instance.doRun(["Say hi"]);
    expect(output).toEqual({
      kind: "text",
      text: "Echo: Say hi",
      finishReason: "stop",
      usage: { promptTokens: 2, completionTokens: 3 },
    });
    const chat = server.requests
      .slice(before)
      .find((request) => request.path === "/v1/chat/completions");
    expect(chat?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(chat?.headers["x-request-source"]).toBe("modelscout-test");
    expect(chat?.body).toMatchObject({
      model: "fake-chat",
      messages: [{ role: "user", content: "Say hi" }],
      stream: false,
    });
  });

  it("sends a chat's own generation settings over the declared ones, and reports how it ended", async () => {
    const instance = backend("text-generation", { maxTokens: 100, temperature: 0.2 });
    const before = server.requests.length;
    const [capped, plain] = await instance.doRun([
      {
        messages: [{ role: "user", content: "one two three four five" }],
        generation: {
          maxTokens: 3,
          topP: 0.9,
          stop: ["\n\n"],
          seed: 7,
          presencePenalty: 0.5,
          frequencyPenalty: -0.5,
        },
      },
      { messages: [{ role: "user", content: "one two" }] },
    ]);
    // The fake server honours max_tokens as a real one does: cut at 3 words, "length".
    expect(capped).toEqual({
      kind: "text",
      text: "Echo: one two ",
      finishReason: "length",
      usage: { promptTokens: 5, completionTokens: 3 },
    });
    expect(plain).toMatchObject({ text: "Echo: one two", finishReason: "stop" });
    const bodies = server.requests
      .slice(before)
      .filter((request) => request.path === "/v1/chat/completions")
      .map((request) => request.body as Record<string, unknown>);
    const cappedBody = bodies.find((body) => JSON.stringify(body).includes("five"));
    expect(cappedBody).toMatchObject({
      max_tokens: 3,
      temperature: 0.2, // not asked: the declared one
      top_p: 0.9,
      stop: ["\n\n"],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
    });
    const plainBody = bodies.find((body) => !JSON.stringify(body).includes("five"));
    expect(plainBody).toMatchObject({ max_tokens: 100, temperature: 0.2 });
    expect(plainBody).not.toHaveProperty("top_p");
    expect(plainBody).not.toHaveProperty("stream_options");
  });

  it("sends a whole embedding batch in one request and matches vectors to inputs by index", async () => {
    const reversed = await startFakeOpenAIServer({ reverseEmbeddings: true });
    try {
      const instance = createOpenAICompatibleBackend({
        baseURL: `${reversed.url}/v1`,
        model: "any",
        task: "feature-extraction",
      });
      const outputs = await instance.doRun(["alpha", "beta", "gamma"]);
      // The server counts the batch's three words together; each input gets its share.
      expect(outputs).toEqual(
        ["alpha", "beta", "gamma"].map((text) => ({
          kind: "embedding",
          vector: fakeEmbedding(text, 8),
          usage: { promptTokens: 1, completionTokens: 0 },
        })),
      );
      const posts = reversed.requests.filter((request) => request.path === "/v1/embeddings");
      expect(posts).toHaveLength(1);
      expect(posts[0]?.body).toEqual({ model: "any", input: ["alpha", "beta", "gamma"] });
    } finally {
      await reversed.close();
    }
  });

  it("classifies with a prompt that lists the labels, at temperature 0, and parses the answer", async () => {
    const instance = backend("text-classification", { labels: ["positive", "negative"] });
    const before = server.requests.length;
    const outputs = await instance.doRun(["What an awful day", "Lovely weather"]);
    const chats = server.requests
      .slice(before)
      .filter((request) => request.path === "/v1/chat/completions")
      .map(
        (request) =>
          request.body as { temperature: number; messages: { role: string; content: string }[] },
      );
    // Each answer keeps its chat's tokens (the fake counts words; the answer is one label).
    const promptTokens = (text: string) => {
      const chat = chats.find((body) => body.messages.at(-1)?.content === text);
      return chat?.messages
        .map((message) => message.content.split(/\s+/).filter(Boolean).length)
        .reduce((a, b) => a + b, 0);
    };
    expect(outputs).toEqual([
      {
        kind: "labels",
        labels: [
          { label: "negative", score: 1 },
          { label: "positive", score: 0 },
        ],
        usage: { promptTokens: promptTokens("What an awful day"), completionTokens: 1 },
      },
      {
        kind: "labels",
        labels: [
          { label: "positive", score: 1 },
          { label: "negative", score: 0 },
        ],
        usage: { promptTokens: promptTokens("Lovely weather"), completionTokens: 1 },
      },
    ]);
    expect(chats).toHaveLength(2);
    expect(chats[0]?.temperature).toBe(0);
    expect(chats[0]?.messages[0]?.content).toContain("- positive\n- negative");
  });

  it("adds up token usage the server reports", async () => {
    const instance = backend("text-generation");
    await instance.doRun(["one two three"]);
    // The fake counts words: 3 in the prompt, "Echo: one two three" = 4 in the answer.
    expect(instance.tokenUsage()).toEqual({ promptTokens: 3, completionTokens: 4 });
  });

  it("describes loopback servers as local and remote ones as not", () => {
    expect(backend("text-generation").describe().local).toBe(true);
    const remote = createOpenAICompatibleBackend({
      baseURL: "https://api.example.com/v1",
      model: "m",
      task: "text-generation",
    });
    expect(remote.describe().local).toBe(false);
    expect(remote.describe().provider).toBe("openai-compatible");
    const declared = createOpenAICompatibleBackend({
      baseURL: "http://10.0.0.5:8000/v1",
      model: "m",
      task: "text-generation",
      local: true,
    });
    expect(declared.describe().local).toBe(true);
  });

  it("rejects unsupported tasks and inputs of the wrong kind before sending anything", async () => {
    expect(() =>
      createOpenAICompatibleBackend({ baseURL, model: "m", task: "object-detection" }),
    ).toThrow(/cannot run task "object-detection".*text-generation/);
    const before = server.requests.length;
    const error = await caught(backend("feature-extraction").doRun([{ image: "cat.png" }]));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("Input 0");
    const missingLabels = await caught(
      backend("text-classification").doRun(["no labels anywhere"]),
    );
    expect(missingLabels.code).toBe("INVALID_ARGUMENT");
    expect(missingLabels.message).toContain("candidate labels");
    expect(
      server.requests.slice(before).filter((request) => request.method === "POST"),
    ).toHaveLength(0);
  });
});

describe("openai-compatible backend: images for a vision chat model", () => {
  // A PNG's signature and header, enough for the type to be read from its first bytes.
  const png = Buffer.from(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077533d",
    "hex",
  );
  const jpeg = Buffer.from("ffd8ffe000104a464946000101", "hex");
  const lastUserContent = (vision: FakeOpenAIServer) => {
    const body = vision.requests.at(-1)?.body as {
      messages: { role: string; content: unknown }[];
    };
    return body.messages;
  };

  it("classifies a picture: the labels in the instruction, the image as a data: URL", async () => {
    const vision = await startFakeOpenAIServer({
      chatReply: (messages) =>
        JSON.stringify(messages.at(-1)?.content).includes("image/jpeg") ? "Parcel." : "receipt",
    });
    try {
      const instance = createOpenAICompatibleBackend({
        baseURL: `${vision.url}/v1`,
        model: "qwen-vl",
        task: "image-classification",
        labels: ["receipt", "parcel", "other"],
      });
      expect(instance.describe().task).toBe("image-classification");
      const outputs = await instance.doRun([{ image: png }, { image: jpeg }]);
      expect(outputs.map((output) => output.kind === "labels" && output.labels[0]?.label)).toEqual([
        "receipt",
        "parcel",
      ]);
      const messages = lastUserContent(vision);
      expect(messages[0]?.role).toBe("system");
      expect(messages[0]?.content).toContain("- receipt\n- parcel\n- other");
      expect(messages[1]).toEqual({
        role: "user",
        content: [
          {
            type: "image_url",
            image_url: { url: `data:image/jpeg;base64,${jpeg.toString("base64")}` },
          },
        ],
      });
    } finally {
      await vision.close();
    }
  });

  it("fails a batch at a picture its answer names no label for, keeping what each got", async () => {
    const vision = await startFakeOpenAIServer({
      chatReply: (messages) =>
        JSON.stringify(messages.at(-1)?.content).includes("image/jpeg") ? "Hard to say" : "receipt",
    });
    try {
      const instance = createOpenAICompatibleBackend({
        baseURL: `${vision.url}/v1`,
        model: "qwen-vl",
        task: "image-classification",
        labels: ["receipt", "parcel"],
      });
      const error = await caught(instance.doRun([{ image: png }, { image: jpeg }, { image: png }]));
      expect(error.code).toBe("BACKEND_RESPONSE_INVALID");
      // Every picture was asked, and each call's tokens stay with what its input got.
      expect(vision.requests.filter((request) => request.method === "POST")).toHaveLength(3);
      const results = batchLabelResults(error, 3);
      expect(results?.map((result) => ("output" in result ? "labels" : "failed"))).toEqual([
        "labels",
        "failed",
        "labels",
      ]);
      const [first, second] = results ?? [];
      expect(first).toMatchObject({
        output: {
          labels: [
            { label: "receipt", score: 1 },
            { label: "parcel", score: 0 },
          ],
          usage: { completionTokens: 1 },
        },
      });
      expect(second).toMatchObject({ usage: { completionTokens: 3 } });
      expect(error.details.usage).toEqual((second as { usage: unknown }).usage);
    } finally {
      await vision.close();
    }
  });

  it("reads the text in a picture, and refuses what is not an image before sending anything", async () => {
    const vision = await startFakeOpenAIServer({ chatReply: () => "TOTAL 12.50 EUR" });
    try {
      const instance = createOpenAICompatibleBackend({
        baseURL: `${vision.url}/v1`,
        model: "qwen-vl",
        task: "image-to-text",
      });
      const [output] = await instance.doRun([
        { image: `data:image/png;base64,${png.toString("base64")}` },
      ]);
      expect(output).toMatchObject({ kind: "text", text: "TOTAL 12.50 EUR" });
      expect(lastUserContent(vision)[0]?.content).toContain("Write out all the text");
      const posts = () => vision.requests.filter((request) => request.method === "POST").length;
      const sent = posts();
      const refused = await caught(
        instance.doRun([{ image: png }, { image: new Uint8Array([1, 2, 3]) }]),
      );
      expect(refused.code).toBe("INVALID_ARGUMENT");
      expect(refused.message).toContain("Input 1 cannot be run as image-to-text");
      const unlabelled = await caught(
        createOpenAICompatibleBackend({
          baseURL: `${vision.url}/v1`,
          model: "qwen-vl",
          task: "image-classification",
        }).doRun([{ image: png }]),
      );
      expect(unlabelled.message).toContain("has none: declare its `labels`");
      expect(posts()).toBe(sent);
    } finally {
      await vision.close();
    }
  });
});

describe("openai-compatible backend: speech recognition", () => {
  it("uploads samples as a WAV file to /audio/transcriptions and reads the text back", async () => {
    const instance = backend("automatic-speech-recognition", { model: "fake-chat" });
    expect(instance.describe()).toMatchObject({
      task: "automatic-speech-recognition",
      audioFiles: true,
    });
    const samples = new Float32Array(800).fill(0.25);
    const [output] = await instance.doRun([{ audio: samples, samplingRateHz: 8000 }]);
    expect(output).toEqual({ kind: "text", text: "heard audio.wav (audio/wav, 1644 bytes)" });
    const upload = server.requests
      .filter((request) => request.path === "/v1/audio/transcriptions")
      .at(-1);
    expect(upload?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect((upload?.body as { form?: Record<string, unknown> } | undefined)?.form).toMatchObject({
      model: "fake-chat",
      response_format: "json",
    });
  });
});

describe("openai-compatible backend: health checks (doHealthCheck)", () => {
  it("counts any answer below 500 as up, once, without retrying", async () => {
    const instance = backend("text-generation", {
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const before = server.requests.length;
    await instance.doHealthCheck?.({ timeoutMs: 1000 });
    server.script({ kind: "status", status: 404 });
    await instance.doHealthCheck?.({ timeoutMs: 1000 });
    expect(
      server.requests.slice(before).map((request) => `${request.method} ${request.path}`),
    ).toEqual(["GET /v1/models", "GET /v1/models"]);
  });

  it("fails on a server error, a timeout and a refused connection, each after one try", async () => {
    const instance = backend("text-generation", {
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const before = server.requests.length;
    server.script({ kind: "status", status: 503 });
    expect(
      (await caught(instance.doHealthCheck?.({ timeoutMs: 1000 }) as Promise<void>)).message,
    ).toContain("503");
    expect(server.requests.length - before).toBe(1);
    server.script({ kind: "hang" });
    expect((await caught(instance.doHealthCheck?.({ timeoutMs: 50 }) as Promise<void>)).code).toBe(
      "BACKEND_TIMEOUT",
    );
    const nowhere = backend("text-generation", { baseURL: "http://127.0.0.1:9/v1" });
    expect((await caught(nowhere.doHealthCheck?.({ timeoutMs: 1000 }) as Promise<void>)).code).toBe(
      "BACKEND_REQUEST_FAILED",
    );
  });
});

describe("openai-compatible backend: failures", () => {
  it("retries 429 (waiting for Retry-After), 500 and 503, then succeeds", async () => {
    const events: HttpRetryEvent[] = [];
    const instance = backend("text-generation", {
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 50 },
      onRetry: (event) => events.push(event),
    });
    await instance.load();
    server.script(
      { kind: "status", status: 429, retryAfter: "0" },
      { kind: "status", status: 500 },
      { kind: "status", status: 503 },
    );
    const [output] = await instance.doRun(["after the storm"]);
    expect(output).toMatchObject({ kind: "text", text: "Echo: after the storm" });
    expect(events.map((event) => event.status)).toEqual([429, 500, 503]);
    expect(events[0]?.delayMs).toBe(0);
  });

  it("gives up after the retries with a retryable error naming the status", async () => {
    const instance = backend("text-generation", {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5 },
    });
    await instance.load();
    server.script(
      { kind: "status", status: 503, message: "Model is loading" },
      { kind: "status", status: 503 },
    );
    const error = await caught(instance.doRun(["x"]));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain("HTTP 503");
    expect(error.details).toMatchObject({ status: 503, attempts: 2 });
  });

  it("stops a hanging request with BACKEND_TIMEOUT", async () => {
    const instance = backend("text-generation", {
      timeoutMs: 150,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await instance.load();
    server.script({ kind: "hang" });
    const error = await caught(instance.doRun(["are you there?"]));
    expect(error.code).toBe("BACKEND_TIMEOUT");
    expect(error.isRetryable).toBe(true);
    expect(error.message).toContain("within 150 ms");
  });

  it("retries a timed-out attempt and a reset connection", async () => {
    const events: HttpRetryEvent[] = [];
    const instance = backend("text-generation", {
      timeoutMs: 150,
      onRetry: (event) => events.push(event),
    });
    await instance.load();
    server.script({ kind: "hang" }, { kind: "reset" });
    const [output] = await instance.doRun(["third time lucky"]);
    expect(output).toMatchObject({ kind: "text", text: "Echo: third time lucky" });
    expect(events.map((event) => event.reason)).toEqual([
      "timeout after 150 ms",
      expect.any(String),
    ]);
    expect(events[1]?.status).toBeUndefined();
  });

  it("fails 401 at once with a clear message and never shows the key", async () => {
    const wrongKey = "sk-wrong-key-abcdef123456";
    const instance = backend("text-generation", { apiKey: wrongKey });
    const before = server.requests.length;
    const error = await caught(instance.doRun(["hi"]));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("refused");
    // The fake echoes the refused key in its error body, as some servers do.
    expect(server.requests.at(-1)?.headers.authorization).toBe(`Bearer ${wrongKey}`);
    expect(error.message).not.toContain(wrongKey);
    expect(JSON.stringify(error.details)).not.toContain(wrongKey);
    expect(error.message).toContain("[REDACTED]");
    expect(server.requests.length - before).toBe(1);
  });

  it("tells a missing key from a refused one", async () => {
    const instance = createOpenAICompatibleBackend({
      baseURL,
      model: "fake-chat",
      task: "text-generation",
    });
    const error = await caught(instance.doRun(["hi"]));
    expect(error.message).toContain("No credential was sent");
  });

  it("keeps credential-like custom headers out of errors", async () => {
    const gatewayKey = "gw-secret-998877665544";
    const instance = backend("text-generation", {
      headers: { "x-api-key": gatewayKey },
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await instance.load();
    server.script({
      kind: "status",
      status: 500,
      message: `upstream rejected x-api-key ${gatewayKey}`,
    });
    const error = await caught(instance.doRun(["hi"]));
    expect(error.message).toContain("HTTP 500");
    expect(error.message).not.toContain(gatewayKey);
  });

  it("reports 404 for an unknown model with a hint about the base URL and model", async () => {
    const instance = backend("text-generation", { model: "no-such-model" });
    const error = await caught(instance.doRun(["hi"]));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.message).toContain("HTTP 404");
    expect(error.message).toContain("no-such-model");
    expect(error.message).toContain("/v1");
  });

  it("reports malformed JSON and a wrong shape as BACKEND_RESPONSE_INVALID", async () => {
    const instance = backend("text-generation");
    await instance.load();
    server.script({ kind: "malformed-json" });
    const malformed = await caught(instance.doRun(["x"]));
    expect(malformed.code).toBe("BACKEND_RESPONSE_INVALID");
    expect(malformed.message).toContain("not JSON");
    server.script({ kind: "wrong-shape" });
    const shape = await caught(instance.doRun(["x"]));
    expect(shape.code).toBe("BACKEND_RESPONSE_INVALID");
    expect(shape.message).toContain("choices");
  });

  it("reports an unreachable server as BACKEND_REQUEST_FAILED when loading", async () => {
    const closed = await startFakeOpenAIServer();
    const url = closed.url;
    await closed.close();
    const instance = createOpenAICompatibleBackend({
      baseURL: `${url}/v1`,
      model: "m",
      task: "text-generation",
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await caught(instance.load());
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.message).toContain("Could not reach");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("stops waiting when the caller aborts mid-request, without retrying", async () => {
    const instance = backend("text-generation");
    await instance.load();
    server.script({ kind: "hang" });
    const controller = new AbortController();
    const before = server.requests.length;
    const run = instance.doRun(["hold on"], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("caller gave up")), 50);
    await expect(run).rejects.toThrow("caller gave up");
    expect(server.requests.length - before).toBe(1);
  });
});

describe("openai-compatible backend: streaming (doStream)", () => {
  /**
   * The stream's text pieces, its reasoning pieces, and its closing `StreamEnd`, which must
   * come last if at all.
   */
  const read = async (stream: TextStream) => {
    const pieces: string[] = [];
    const reasoning: string[] = [];
    const toolCalls: ToolCallPiece["toolCall"][] = [];
    const logprobs: TokenLogprob[] = [];
    let end: StreamEnd | undefined;
    for await (const part of stream) {
      expect(end, "nothing follows the stream's end").toBeUndefined();
      if (typeof part === "string") pieces.push(part);
      else if ("reasoning" in part) reasoning.push(part.reasoning);
      else if ("toolCall" in part) toolCalls.push(part.toolCall);
      else if ("logprobs" in part) logprobs.push(...part.logprobs);
      else end = part;
    }
    return {
      pieces,
      ...(reasoning.length > 0 && { reasoning }),
      ...(toolCalls.length > 0 && { toolCalls }),
      ...(logprobs.length > 0 && { logprobs }),
      end,
    };
  };
  const collect = async (stream: TextStream) => (await read(stream)).pieces;
  /** A text-generation backend on a fake server of its own (`streamDelayMs` paced). */
  const pacedBackend = (paced: FakeOpenAIServer, timeoutMs: number) =>
    createOpenAICompatibleBackend({
      baseURL: `${paced.url}/v1`,
      model: "m",
      task: "text-generation",
      timeoutMs,
    });

  it("asks for server-sent events and yields the answer's pieces in order", async () => {
    const before = server.requests.length;
    const stream = await backend("text-generation").doStream("Say hi to everyone");
    expect(await collect(stream)).toEqual(["Echo: ", "Say ", "hi ", "to ", "everyone"]);
    const sent = server.requests
      .slice(before)
      .find((request) => request.path.endsWith("/chat/completions"));
    expect(sent?.body).toMatchObject({ model: "fake-chat", stream: true });
    expect(sent?.headers.accept).toBe("text/event-stream");
  });

  it("streams through the caller's fetch when the options give one", async () => {
    const fetched: string[] = [];
    const instance = backend("text-generation", {
      fetch: (input, init) => {
        fetched.push(String(input));
        return globalThis.fetch(input, init);
      },
    });
    expect(await collect(await instance.doStream("Say hi"))).toEqual(["Echo: ", "Say ", "hi"]);
    expect(fetched.filter((url) => url.endsWith("/chat/completions"))).toHaveLength(1);
  });

  it("ends with how the answer ended, and its usage when the settings ask the server for it", async () => {
    const instance = backend("text-generation");
    const before = server.requests.length;
    const counted = await read(
      await instance.doStream({
        messages: [{ role: "user", content: "a b c d" }],
        generation: { maxTokens: 2, streamUsage: true },
      }),
    );
    expect(counted).toEqual({
      pieces: ["Echo: ", "a "],
      end: { finishReason: "length", usage: { promptTokens: 4, completionTokens: 2 } },
    });
    const plain = await read(await instance.doStream("a b"));
    expect(plain).toEqual({ pieces: ["Echo: ", "a ", "b"], end: { finishReason: "stop" } });
    const [countedBody, plainBody] = server.requests
      .slice(before)
      .filter((request) => request.path === "/v1/chat/completions")
      .map((request) => request.body);
    expect(countedBody).toMatchObject({ max_tokens: 2, stream_options: { include_usage: true } });
    expect(plainBody).not.toHaveProperty("stream_options");
  });

  it("yields a reasoning model's thinking apart from its answer, and keeps both when whole", async () => {
    const thinking = await startFakeOpenAIServer({ reasoning: "hmm let me see" });
    try {
      const instance = pacedBackend(thinking, 10_000);
      expect(await read(await instance.doStream("a b"))).toEqual({
        pieces: ["Echo: ", "a ", "b"],
        reasoning: ["hmm ", "let ", "me ", "see"],
        end: { finishReason: "stop" },
      });
      const [whole] = await instance.doRun(["a b"]);
      expect(whole).toMatchObject({ text: "Echo: a b", reasoning: "hmm let me see" });
    } finally {
      await thinking.close();
    }
  });

  it("sends tools and tool turns in OpenAI's shape, and streams the calls the model makes", async () => {
    const instance = backend("text-generation");
    const tools = [
      { name: "track_parcel", description: "Where a parcel is", parameters: { type: "object" } },
    ];
    const before = server.requests.length;
    const [called] = await instance.doRun([
      {
        messages: [{ role: "user", content: "where is 42" }],
        generation: { tools, toolChoice: "required", parallelToolCalls: false },
      },
    ]);
    expect(called).toMatchObject({
      text: "",
      finishReason: "tool_calls",
      toolCalls: [{ name: "track_parcel", arguments: '{"query":"where is 42"}' }],
    });
    const call = (called as { toolCalls: { id: string }[] }).toolCalls[0] as { id: string };
    const streamed = await read(
      await instance.doStream({
        messages: [
          { role: "user", content: "where is 42" },
          {
            role: "assistant",
            content: "",
            toolCalls: [{ id: call.id, name: "track_parcel", arguments: '{"query":"42"}' }],
          },
          { role: "tool", content: "in Lyon", toolCallId: call.id },
        ],
        generation: { tools },
      }),
    );
    expect(streamed.pieces.join("")).toBe("Tool said: in Lyon");
    const calling = await read(
      await instance.doStream({
        messages: [{ role: "user", content: "where is 7" }],
        generation: { tools, toolChoice: { name: "track_parcel" } },
      }),
    );
    expect(calling.end).toEqual({ finishReason: "tool_calls" });
    expect(calling.toolCalls?.[0]).toMatchObject({ index: 0, name: "track_parcel" });
    expect(calling.toolCalls?.map((piece) => piece.arguments ?? "").join("")).toBe(
      '{"query":"where is 7"}',
    );
    const [first, second, third] = server.requests
      .slice(before)
      .filter((request) => request.path === "/v1/chat/completions")
      .map((request) => request.body);
    expect(first).toMatchObject({
      tools: [{ type: "function", function: tools[0] }],
      tool_choice: "required",
      parallel_tool_calls: false,
    });
    expect(second).toMatchObject({
      messages: [
        { role: "user", content: "where is 42" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: call.id,
              type: "function",
              function: { name: "track_parcel", arguments: '{"query":"42"}' },
            },
          ],
        },
        { role: "tool", content: "in Lyon", tool_call_id: call.id },
      ],
    });
    expect(third).toMatchObject({
      tool_choice: { type: "function", function: { name: "track_parcel" } },
    });
    expect(instance.describe().toolCalls).toBe(true);
    expect(backend("feature-extraction").describe().toolCalls).toBeUndefined();
  });

  it("counts a stream's tokens once when the server sends running totals in every chunk", async () => {
    const running = await startFakeOpenAIServer({ continuousUsage: true });
    try {
      const instance = pacedBackend(running, 10_000);
      const { end } = await read(await instance.doStream("one two three"));
      // "Echo: one two three", four chunks with totals 1, 2, 3, 4: the answer used 4.
      expect(end?.usage).toEqual({ promptTokens: 3, completionTokens: 4 });
      expect(instance.tokenUsage()).toEqual({ promptTokens: 3, completionTokens: 4 });
    } finally {
      await running.close();
    }
  });

  it("rejects a refused request before any piece, as doRun does", async () => {
    const instance = backend("text-generation");
    await collect(await instance.doStream("warm up")); // loaded: the next request is the POST
    server.script({ kind: "status", status: 400, message: "context too long" });
    const error = await caught(instance.doStream("x"));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.message).toContain("HTTP 400");
    expect(error.message).toContain("context too long");
    expect(error.isRetryable).toBe(false);
  });

  it("ends with an error when the connection breaks midway", async () => {
    const instance = backend("text-generation");
    await collect(await instance.doStream("warm up"));
    server.script({ kind: "stream-break", pieces: 2 });
    const broken = await instance.doStream("one two three four");
    const pieces: string[] = [];
    const error = await caught(
      (async () => {
        for await (const piece of broken) if (typeof piece === "string") pieces.push(piece);
      })(),
    );
    expect(pieces).toEqual(["Echo: ", "one "]);
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.message).toContain("broke off");
  });

  it("ends with the server's error event, its key redacted", async () => {
    const instance = backend("text-generation");
    await collect(await instance.doStream("warm up"));
    server.script({
      kind: "stream-error",
      pieces: 1,
      message: `overloaded; your key ${API_KEY} was fine`,
    });
    const pieces: string[] = [];
    const error = await caught(
      (async () => {
        for await (const piece of await instance.doStream("one two three")) {
          if (typeof piece === "string") pieces.push(piece);
        }
      })(),
    );
    expect(pieces).toEqual(["Echo: "]);
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.message).toContain("overloaded");
    expect(error.message).not.toContain(API_KEY);
  });

  it("times out a stream that goes quiet, and stops at the caller's abort", async () => {
    const slow = await startFakeOpenAIServer({ streamDelayMs: 400 });
    try {
      const quiet = await pacedBackend(slow, 100).doStream("a b c");
      const error = await caught(collect(quiet));
      expect(error.code).toBe("BACKEND_TIMEOUT");

      const controller = new AbortController();
      const patient = await pacedBackend(slow, 10_000).doStream("a b c", {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error("caller left")), 50);
      await expect(collect(patient)).rejects.toThrow("caller left");
    } finally {
      await slow.close();
    }
  });

  it("does not time out a reader that takes its time", async () => {
    // Pieces 60 ms apart, a 300 ms quiet limit, a reader that spends 400 ms on each piece.
    const paced = await startFakeOpenAIServer({ streamDelayMs: 60 });
    try {
      const instance = pacedBackend(paced, 300);
      const pieces: string[] = [];
      for await (const piece of await instance.doStream("a b c d")) {
        if (typeof piece === "string") pieces.push(piece);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      expect(pieces).toEqual(["Echo: ", "a ", "b ", "c ", "d"]);
    } finally {
      await paced.close();
    }
  });

  it("stops at a caller's abort that comes while the reader is busy", async () => {
    // Pieces 30 ms apart arrive while the reader spends 200 ms on the first; the abort comes
    // then. No further piece is read after it, and the iteration ends (it must not wait).
    const paced = await startFakeOpenAIServer({ streamDelayMs: 30 });
    try {
      const controller = new AbortController();
      const stream = await pacedBackend(paced, 10_000).doStream("a b c d e f", {
        signal: controller.signal,
      });
      const pieces: string[] = [];
      const reading = (async () => {
        for await (const piece of stream) {
          if (typeof piece === "string") pieces.push(piece);
          if (pieces.length === 1) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            controller.abort(new Error("caller left"));
          }
        }
      })();
      await expect(reading).rejects.toThrow("caller left");
      expect(pieces).toEqual(["Echo: "]);
    } finally {
      await paced.close();
    }
  });

  it("streams text generation only", async () => {
    const error = await caught(backend("feature-extraction").doStream("x"));
    expect(error.code).toBe("INVALID_ARGUMENT");
  });
});
