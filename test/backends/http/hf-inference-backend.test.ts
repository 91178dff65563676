import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createHfInferenceBackend,
  type HfInferenceBackendOptions,
} from "../../../src/backends/http/hf-inference-backend.js";
import type { TextStream } from "../../../src/backends/model-backend.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import type { HttpRetryEvent } from "../../../src/http/fetch-with-retry.js";
import {
  type FakeOpenAIServer,
  fakeEmbedding,
  startFakeOpenAIServer,
} from "../../support/fake-openai-server.js";
import { runModelBackendContract } from "../model-backend.contract.js";

const TOKEN = "hf_fakeTokenForTests0123456789";
const FAST_RETRY = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 20 };
const MODELS = {
  sentiment: "acme/sentiment-en",
  nli: "acme/nli-zero-shot",
  ner: "acme/ner-en",
  embed: "acme/minilm-embed",
  chat: "acme/tiny-chat",
} as const;

let server: FakeOpenAIServer;

beforeAll(async () => {
  server = await startFakeOpenAIServer({
    requiredApiKey: TOKEN,
    hfTasks: {
      [MODELS.sentiment]: "text-classification",
      [MODELS.nli]: "zero-shot-classification",
      [MODELS.ner]: "token-classification",
      [MODELS.embed]: "feature-extraction",
      [MODELS.chat]: "text-generation",
      "acme/endpoint-embed": "feature-extraction",
    },
  });
});
afterAll(async () => {
  await server.close();
});

/** Through the router (rewritten to the fake), with HF_TOKEN and HF_ENDPOINT from the environment. */
function routed(model: string, task: string, extra: Partial<HfInferenceBackendOptions> = {}) {
  return createHfInferenceBackend({
    model,
    task,
    env: { HF_TOKEN: TOKEN, HF_ENDPOINT: server.url },
    routerUrl: server.url,
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
  name: "hf-inference text-classification",
  create: () => routed(MODELS.sentiment, "text-classification"),
  inputs: ["I loved it", "A terrible waste of time"],
  expectedKind: "labels",
  local: false,
  artifact: "remote",
});

runModelBackendContract({
  name: "hf-inference zero-shot-classification",
  create: () => routed(MODELS.nli, "zero-shot-classification", { labels: ["sports", "politics"] }),
  inputs: [
    "The sports final was thrilling",
    { text: "A politics debate", candidateLabels: ["politics", "food"] },
  ],
  expectedKind: "labels",
  local: false,
  artifact: "remote",
});

runModelBackendContract({
  name: "hf-inference token-classification",
  create: () => routed(MODELS.ner, "token-classification"),
  inputs: ["Yesterday Alice met Bob in town", "nobody here"],
  expectedKind: "spans",
  local: false,
  artifact: "remote",
});

runModelBackendContract({
  name: "hf-inference feature-extraction",
  create: () => routed(MODELS.embed, "feature-extraction"),
  inputs: ["first", "second", { text: "third" }],
  expectedKind: "embedding",
  local: false,
  artifact: "remote",
});

runModelBackendContract({
  name: "hf-inference text-generation (chat)",
  create: () => routed(MODELS.chat, "text-generation"),
  inputs: ["Hello", { messages: [{ role: "user", content: "Tell me a joke" }] }],
  expectedKind: "text",
  local: false,
  artifact: "remote",
  streams: true,
});

runModelBackendContract({
  name: "hf-inference feature-extraction on a dedicated loopback endpoint",
  create: () =>
    createHfInferenceBackend({
      model: "acme/endpoint-embed",
      task: "feature-extraction",
      endpointUrl: `${server.url}/endpoint/acme/endpoint-embed`,
      accessToken: TOKEN,
    }),
  inputs: ["one", "two"],
  expectedKind: "embedding",
  local: true,
  artifact: "remote",
});

describe("hf-inference backend: the client's forwarded headers", () => {
  const forwarded = {
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    authorization: "Bearer not-the-token",
  };

  it("sends them with a whole answer and a stream, its own token winning", async () => {
    const backend = routed(MODELS.chat, "text-generation");
    const before = server.requests.length;
    await backend.doRun([{ messages: [{ role: "user", content: "hi" }] }], { headers: forwarded });
    const stream = await backend.doStream?.(
      { messages: [{ role: "user", content: "hi" }] },
      { headers: forwarded },
    );
    for await (const _piece of stream as TextStream) {
      // read to the end
    }
    const calls = server.requests.slice(before).filter((request) => request.method === "POST");
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.headers.traceparent).toBe(forwarded.traceparent);
      expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
  });

  it("sends none without them", async () => {
    const before = server.requests.length;
    await routed(MODELS.sentiment, "text-classification").doRun(["fine"]);
    const call = server.requests.slice(before).find((request) => request.method === "POST");
    expect(call?.headers.traceparent).toBeUndefined();
  });
});

describe("hf-inference backend: mapping to uniform outputs", () => {
  it("looks up the provider mapping at HF_ENDPOINT and sends HF_TOKEN as a bearer token", async () => {
    const model = "acme/sentiment-mapping-check";
    const before = server.requests.length;
    const [output] = await routed(model, "text-classification").doRun(["fine"]);
    expect(output?.kind).toBe("labels");
    const seen = server.requests.slice(before);
    expect(seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET /api/models/${model}`,
      `POST /hf-inference/models/${model}`,
    ]);
    for (const request of seen) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]?.body).toEqual({ inputs: "fine" });
  });

  it("sorts classifier labels by score, highest first", async () => {
    const [output] = await routed(MODELS.sentiment, "text-classification").doRun(["awful"]);
    // The fake answers alphabetically: NEGATIVE 0.9, POSITIVE 0.1.
    expect(output).toEqual({
      kind: "labels",
      labels: [
        { label: "NEGATIVE", score: 0.9 },
        { label: "POSITIVE", score: 0.1 },
      ],
    });
  });

  it("passes candidate labels to zero-shot and returns them ranked", async () => {
    const [output] = await routed(MODELS.nli, "zero-shot-classification").doRun([
      { text: "Dinner was a cooking triumph", candidateLabels: ["sports", "cooking"] },
    ]);
    expect(output?.kind === "labels" && output.labels.map((entry) => entry.label)).toEqual([
      "cooking",
      "sports",
    ]);
  });

  it("turns entities into spans whose text comes from the offsets", async () => {
    const [output] = await routed(MODELS.ner, "token-classification").doRun(["Then Alice called"]);
    expect(output).toEqual({
      kind: "spans",
      spans: [{ label: "PER", start: 5, end: 10, text: "Alice", score: 0.95 }],
    });
  });

  it("sends one feature-extraction request for the whole batch", async () => {
    const before = server.requests.length;
    const outputs = await routed(MODELS.embed, "feature-extraction").doRun(["a", "b", "c"]);
    expect(outputs).toEqual(
      ["a", "b", "c"].map((text) => ({ kind: "embedding", vector: fakeEmbedding(text, 8) })),
    );
    const posts = server.requests.slice(before).filter((request) => request.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0]?.path).toBe(`/hf-inference/models/${MODELS.embed}/pipeline/feature-extraction`);
  });

  it("calls the chat route of the model for text generation", async () => {
    const before = server.requests.length;
    const [output] = await routed(MODELS.chat, "text-generation", { maxTokens: 12 }).doRun([
      "Hi there",
    ]);
    expect(output).toEqual({
      kind: "text",
      text: "Echo: Hi there",
      finishReason: "stop",
      usage: { promptTokens: 2, completionTokens: 3 },
    });
    const post = server.requests.slice(before).find((request) => request.method === "POST");
    expect(post?.path).toBe(`/hf-inference/models/${MODELS.chat}/v1/chat/completions`);
    expect(post?.body).toMatchObject({
      max_tokens: 12,
      messages: [{ role: "user", content: "Hi there" }],
    });
  });

  it("sends a vision chat's images as image_url parts, in order with the text", async () => {
    const backend = routed(MODELS.chat, "text-generation", { vision: true });
    expect(backend.describe().imageInputs).toBe(true);
    expect(routed(MODELS.chat, "text-generation").describe().imageInputs).toBeUndefined();
    expect(
      routed(MODELS.sentiment, "text-classification", { vision: true }).describe().imageInputs,
    ).toBeUndefined();
    const before = server.requests.length;
    await backend.doRun([
      {
        messages: [
          {
            role: "user",
            content: "What is this?",
            parts: [
              { type: "image", url: "https://example.org/a.jpg", detail: "low" },
              { type: "text", text: "What is this?" },
            ],
          },
        ],
      },
    ]);
    const post = server.requests.slice(before).find((request) => request.method === "POST");
    expect(post?.body).toMatchObject({
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "https://example.org/a.jpg", detail: "low" } },
            { type: "text", text: "What is this?" },
          ],
        },
      ],
    });
  });

  it("sends a chat's own generation settings over the declared ones", async () => {
    const before = server.requests.length;
    const [output] = await routed(MODELS.chat, "text-generation", { maxTokens: 12 }).doRun([
      {
        messages: [{ role: "user", content: "one two three four" }],
        generation: { maxTokens: 2, temperature: 0.7, topP: 0.5, stop: ["END"], seed: 3 },
      },
    ]);
    expect(output).toMatchObject({ text: "Echo: one ", finishReason: "length" });
    const post = server.requests.slice(before).find((request) => request.method === "POST");
    expect(post?.body).toMatchObject({
      max_tokens: 2,
      temperature: 0.7,
      top_p: 0.5,
      stop: ["END"],
      seed: 3,
    });
  });

  it("is local only for a loopback endpoint URL, and rejects tasks it cannot run", () => {
    expect(routed(MODELS.embed, "feature-extraction").describe()).toMatchObject({
      provider: "hf-inference",
      local: false,
      task: "feature-extraction",
    });
    expect(() => routed(MODELS.embed, "image-to-text")).toThrow(/cannot run task "image-to-text"/);
  });
});

describe("hf-inference backend: failures", () => {
  it("retries 503 and 429 itself (the client's own endless 503 loop is off)", async () => {
    const events: HttpRetryEvent[] = [];
    const instance = routed(MODELS.sentiment, "text-classification", {
      onRetry: (event) => events.push(event),
    });
    await instance.doRun(["warm up the mapping cache"]);
    server.script(
      { kind: "status", status: 503, message: "Model is loading" },
      { kind: "status", status: 429, retryAfter: "0" },
    );
    const [output] = await instance.doRun(["fine"]);
    expect(output?.kind).toBe("labels");
    expect(events.map((event) => event.status)).toEqual([503, 429]);
  });

  it("gives up on persistent 503 with BACKEND_REQUEST_FAILED", async () => {
    const instance = routed(MODELS.sentiment, "text-classification", {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await instance.doRun(["warm up"]);
    server.script({ kind: "status", status: 503 }, { kind: "status", status: 503 });
    const error = await caught(instance.doRun(["x"]));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.isRetryable).toBe(true);
    expect(error.details).toMatchObject({ status: 503, attempts: 2 });
  });

  it("passes on the server's Retry-After, for the router to rest the model (ADR 0034)", async () => {
    const instance = routed(MODELS.sentiment, "text-classification", {
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await instance.doRun(["warm up"]);
    server.script({ kind: "status", status: 429, retryAfter: "12" });
    const error = await caught(instance.doRun(["x"]));
    expect(error.details).toMatchObject({ status: 429, retryAfterMs: 12_000 });
  });

  it("fails 401 at once without showing the token", async () => {
    const wrong = "hf_wrongTokenabcdefghijklmnop";
    const instance = routed("acme/sentiment-unauthorised", "text-classification", {
      accessToken: wrong,
    });
    const before = server.requests.length;
    const error = await caught(instance.doRun(["x"]));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("inference providers");
    expect(error.message).not.toContain(wrong);
    expect(server.requests.length - before).toBe(1);
  });

  it("says no credential reached the Hub when the key is a provider key (not hf_)", async () => {
    const providerKey = "sk-provider-key-0123456789";
    const instance = routed("acme/sentiment-provider-key", "text-classification", {
      accessToken: providerKey,
    });
    const error = await caught(instance.doRun(["x"]));
    expect(error.message).toContain("No credential was sent");
    expect(error.message).not.toContain(providerKey);
  });

  it("says to set HF_TOKEN when none was sent", async () => {
    const instance = createHfInferenceBackend({
      model: "acme/sentiment-no-token",
      task: "text-classification",
      env: { HF_ENDPOINT: server.url },
      routerUrl: server.url,
    });
    const error = await caught(instance.doRun(["x"]));
    expect(error.message).toContain("set HF_TOKEN");
  });

  it("stops a hanging request with BACKEND_TIMEOUT", async () => {
    const instance = routed(MODELS.sentiment, "text-classification", {
      timeoutMs: 150,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await instance.doRun(["warm up"]);
    server.script({ kind: "hang" });
    const error = await caught(instance.doRun(["x"]));
    expect(error.code).toBe("BACKEND_TIMEOUT");
  });

  it("reports malformed JSON and a wrong shape as BACKEND_RESPONSE_INVALID", async () => {
    const instance = routed(MODELS.embed, "feature-extraction");
    await instance.doRun(["warm up"]);
    server.script({ kind: "malformed-json" });
    expect((await caught(instance.doRun(["x"]))).code).toBe("BACKEND_RESPONSE_INVALID");
    server.script({ kind: "wrong-shape" });
    const shape = await caught(instance.doRun(["x"]));
    expect(shape.code).toBe("BACKEND_RESPONSE_INVALID");
    expect(shape.message).toContain(MODELS.embed);
  });
});

describe("hf-inference backend: tool calls", () => {
  const TOOLS = [
    {
      name: "track_parcel",
      description: "Where a parcel is now",
      parameters: { type: "object", properties: { query: { type: "string" } } },
    },
  ];

  it("says chat models take tools, and no other task", () => {
    expect(routed(MODELS.chat, "text-generation").describe().toolCalls).toBe(true);
    expect(routed(MODELS.sentiment, "text-classification").describe().toolCalls).toBeUndefined();
  });

  it("returns the model's calls, then its answer from the tool's result", async () => {
    const instance = routed(MODELS.chat, "text-generation");
    const question = { role: "user" as const, content: "where is parcel 42" };
    const [called] = await instance.doRun([{ messages: [question], generation: { tools: TOOLS } }]);
    expect(called).toMatchObject({
      kind: "text",
      finishReason: "tool_calls",
      toolCalls: [
        {
          id: expect.any(String),
          name: "track_parcel",
          arguments: '{"query":"where is parcel 42"}',
        },
      ],
    });
    const call = called?.kind === "text" ? called.toolCalls?.[0] : undefined;
    if (call === undefined) throw new Error("no call");
    const [answered] = await instance.doRun([
      {
        messages: [
          question,
          { role: "assistant", content: "", toolCalls: [call] },
          { role: "tool", content: "in Leeds", toolCallId: call.id },
        ],
        generation: { tools: TOOLS },
      },
    ]);
    expect(answered).toMatchObject({ kind: "text", text: "Tool said: in Leeds" });
    const sent = server.requests
      .filter((request) => request.path.endsWith("/chat/completions"))
      .map((request) => request.body as { messages: unknown[]; tools?: unknown });
    expect(sent.at(-1)?.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: "",
        tool_calls: [
          {
            id: call.id,
            type: "function",
            function: { name: "track_parcel", arguments: call.arguments },
          },
        ],
      },
      { role: "tool", content: "in Leeds", tool_call_id: call.id },
    ]);
    expect(sent.at(-2)?.tools).toEqual([{ type: "function", function: TOOLS[0] }]);
  });

  it("streams the model's calls as pieces", async () => {
    const parts = [];
    for await (const part of await routed(MODELS.chat, "text-generation").doStream({
      messages: [{ role: "user", content: "where is parcel 7" }],
      generation: { tools: TOOLS },
    })) {
      parts.push(part);
    }
    const calls = parts.filter((part) => typeof part === "object" && "toolCall" in part);
    expect(calls[0]).toMatchObject({ toolCall: { index: 0, name: "track_parcel" } });
    const streamedArguments = calls
      .map((part) => (part as { toolCall: { arguments?: string } }).toolCall.arguments ?? "")
      .join("");
    expect(streamedArguments).toBe('{"query":"where is parcel 7"}');
    expect(parts.at(-1)).toEqual({ finishReason: "tool_calls" });
  });
});

describe("hf-inference backend: streaming (doStream)", () => {
  /** A text-generation backend on a paced fake server of its own. */
  const pacedBackend = (paced: FakeOpenAIServer, timeoutMs: number, extra = {}) =>
    createHfInferenceBackend({
      model: MODELS.chat,
      task: "text-generation",
      env: { HF_TOKEN: TOKEN, HF_ENDPOINT: paced.url },
      routerUrl: paced.url,
      timeoutMs,
      ...extra,
    });
  const startPaced = (streamDelayMs: number) =>
    startFakeOpenAIServer({ streamDelayMs, hfTasks: { [MODELS.chat]: "text-generation" } });
  const texts = async (stream: TextStream) => {
    const pieces: string[] = [];
    for await (const piece of stream) if (typeof piece === "string") pieces.push(piece);
    return pieces;
  };

  it("relays pieces as the provider writes them, then how the answer ended", async () => {
    const paced = await startPaced(100);
    try {
      const startedAt = performance.now();
      const stream = await pacedBackend(paced, 10_000).doStream({
        messages: [{ role: "user", content: "a b c d e" }],
        generation: { maxTokens: 3, streamUsage: true },
      });
      const arrivals: number[] = [];
      const parts = [];
      for await (const part of stream) {
        arrivals.push(performance.now() - startedAt);
        parts.push(part);
      }
      expect(parts).toEqual([
        "Echo: ",
        "a ",
        "b ",
        { finishReason: "length", usage: { promptTokens: 5, completionTokens: 3 } },
      ]);
      // Live: the first piece came a whole piece interval before the last, not with it.
      expect((arrivals[2] as number) - (arrivals[0] as number)).toBeGreaterThan(150);
      const sent = paced.requests.find((request) => request.path.endsWith("/chat/completions"));
      expect(sent?.body).toMatchObject({
        stream: true,
        max_tokens: 3,
        stream_options: { include_usage: true },
      });
    } finally {
      await paced.close();
    }
  });

  it("stops the generation when the reader ends early", async () => {
    const paced = await startPaced(50);
    try {
      for await (const piece of await pacedBackend(paced, 10_000).doStream("a b c d e f g h")) {
        if (piece === "a ") break;
      }
      await vi.waitFor(() => expect(paced.streams.abandoned).toBe(1));
      expect(paced.streams.finished).toBe(0);
    } finally {
      await paced.close();
    }
  });

  it("times out a stream that goes quiet, and stops at the caller's abort", async () => {
    const slow = await startPaced(400);
    try {
      const quiet = await pacedBackend(slow, 150).doStream("a b c");
      const error = await caught(texts(quiet));
      expect(error.code).toBe("BACKEND_TIMEOUT");

      const controller = new AbortController();
      const patient = await pacedBackend(slow, 10_000).doStream("a b c", {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error("caller left")), 50);
      await expect(texts(patient)).rejects.toThrow("caller left");
    } finally {
      await slow.close();
    }
  });

  it("rejects a refused request before any piece, once, without showing the token", async () => {
    const instance = routed(MODELS.chat, "text-generation");
    await texts(await instance.doStream("warm up")); // the provider mapping is looked up
    const before = server.requests.length;
    server.script({ kind: "status", status: 503, message: `busy, ${TOKEN}` });
    const error = await caught(instance.doStream("x"));
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
    expect(error.message).toContain("HTTP 503");
    expect(error.message).not.toContain(TOKEN);
    // A stream is sent once: the router's fallback, not a retry, covers a refusal.
    expect(server.requests.slice(before)).toHaveLength(1);
  });

  it("ends with an error when the connection breaks midway", async () => {
    const instance = routed(MODELS.chat, "text-generation");
    await texts(await instance.doStream("warm up"));
    server.script({ kind: "stream-break", pieces: 2 });
    const pieces: string[] = [];
    const error = await caught(
      (async () => {
        for await (const piece of await instance.doStream("one two three four")) {
          if (typeof piece === "string") pieces.push(piece);
        }
      })(),
    );
    expect(pieces).toEqual(["Echo: ", "one "]);
    expect(error.code).toBe("BACKEND_REQUEST_FAILED");
  });

  it("streams through the caller's fetch when the options give one", async () => {
    const paced = await startPaced(0);
    try {
      const fetched: string[] = [];
      const instance = pacedBackend(paced, 10_000, {
        fetch: (input: string | URL | Request, init?: RequestInit) => {
          fetched.push(String(input));
          return globalThis.fetch(input, init);
        },
      });
      expect(await texts(await instance.doStream("a b"))).toEqual(["Echo: ", "a ", "b"]);
      expect(fetched.filter((url) => url.endsWith("/chat/completions"))).toHaveLength(1);
    } finally {
      await paced.close();
    }
  });

  it("streams text generation only", async () => {
    const error = await caught(routed(MODELS.sentiment, "text-classification").doStream("x"));
    expect(error.code).toBe("INVALID_ARGUMENT");
  });
});
