import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { countAbortControllers } from "../support/count-abort-controllers.js";
import {
  defaultChatReply,
  type FakeOpenAIServer,
  startFakeOpenAIServer,
} from "../support/fake-openai-server.js";
import {
  getJson,
  type Json,
  loggedRow,
  MeanRewardLearner,
  postJson,
  sseEvents,
} from "./routing-test-support.js";

let upstream: FakeOpenAIServer;
let server: RoutingServer;
let learner: MeanRewardLearner;
let base: string;

function config(upstreamUrl: string): RoutesConfigInput {
  return {
    default_route: "general",
    classification: [
      {
        kind: "rules",
        rules: [
          { route: "billing", keywords: ["invoice", "退款"], patterns: ["\\bcharged twice\\b"] },
        ],
      },
      {
        kind: "nearest-neighbour",
        model: "ngrams",
        examples: {
          support: ["my laptop will not turn on", "the app crashes when I log in"],
          general: ["what are your opening hours", "do you have a shop in Paris"],
        },
        k: 1,
        min_similarity: 0.3,
      },
    ],
    models: [
      { id: "echo:billing", kind: "echo", template: "billing desk: {{input}}" },
      { id: "echo:general", kind: "echo", template: "general desk: {{input}}" },
      { id: "ngrams", kind: "hashed-ngrams", dimensions: 1024 },
      {
        id: "upstream-primary",
        kind: "openai",
        base_url: `${upstreamUrl}/v1`,
        api_model: "primary",
      },
      { id: "upstream-backup", kind: "openai", base_url: `${upstreamUrl}/v1`, api_model: "backup" },
      {
        id: "upstream-embed",
        kind: "openai",
        base_url: `${upstreamUrl}/v1`,
        api_model: "embedder",
        task: "feature-extraction",
      },
      {
        id: "upstream-classifier",
        kind: "openai",
        base_url: `${upstreamUrl}/v1`,
        api_model: "classifier",
        task: "text-classification",
      },
    ],
    routes: [
      {
        name: "billing",
        targets: { "text-generation": { policy: "fixed", candidates: ["echo:billing"] } },
      },
      {
        name: "support",
        description: "technical support",
        targets: {
          "text-generation": {
            policy: "fallback",
            candidates: ["upstream-primary", "upstream-backup"],
            timeout_ms: 400,
          },
          "text-classification": { policy: "fixed", candidates: ["upstream-classifier"] },
        },
      },
      {
        name: "general",
        targets: {
          "text-generation": { policy: "fixed", candidates: ["echo:general"] },
          "feature-extraction": { policy: "fixed", candidates: ["upstream-embed"] },
        },
      },
      {
        name: "lab",
        targets: {
          "text-generation": { policy: "bandit", candidates: ["echo:general", "echo:billing"] },
        },
      },
    ],
    server: {
      max_body_bytes: 4096,
      circuit_breaker: { failure_threshold: 2, cool_down_ms: 60_000 },
    },
  };
}

const chat = (model: string, content: string, extra: Record<string, unknown> = {}) =>
  postJson(`${base}/v1/chat/completions`, {
    model,
    messages: [{ role: "user", content }],
    ...extra,
  });

beforeAll(async () => {
  upstream = await startFakeOpenAIServer({
    chatReply: (messages, model) =>
      model === "classifier"
        ? defaultChatReply(messages)
        : `${model} says: ${messages.at(-1)?.content ?? ""}`,
  });
  learner = new MeanRewardLearner();
  server = await startRoutingServer({
    config: parseRoutesConfig(config(upstream.url)),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-serve-")), "state.db"),
    learner,
    redactText: (text) => text.replace(/\d{4,}/g, "[number]"),
  });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe("routing server: routing", () => {
  it("routes by keyword and reports the decision in headers and body", async () => {
    const response = await chat("auto", "I got an invoice for 123456 twice");
    expect(response.status).toBe(200);
    expect(response.json.object).toBe("chat.completion");
    expect(response.json.model).toBe("echo:billing");
    expect(response.json.choices[0].message).toEqual({
      role: "assistant",
      content: "billing desk: I got an invoice for 123456 twice",
    });
    const decision = response.json.modelscout;
    expect(decision.route).toBe("billing");
    expect(decision.model).toBe("echo:billing");
    expect(decision.reason).toContain('rules: keyword "invoice"');
    expect(decision.classification.steps[0]).toMatchObject({ kind: "rules", route: "billing" });
    expect(response.headers.get("x-modelscout-request-id")).toBe(decision.request_id);
    expect(response.headers.get("x-modelscout-route")).toBe("billing");
    expect(response.headers.get("x-modelscout-model")).toBe("echo:billing");
    expect(response.headers.get("x-modelscout-reason")).toBe(decision.reason);
    expect(response.headers.get("content-type")).toBe("application/json");
  });

  it("builds no AbortSignal for a request answered in-process or by an OpenAI-compatible upstream", async () => {
    // On Node.js 20 every AbortSignal survives the young-generation GC (backends/cancellation.ts);
    // the client here is node:http, which builds none of its own (fetch would).
    const post = (content: string, model = "auto") =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const body = JSON.stringify({ model, messages: [{ role: "user", content }] });
        const call = httpRequest(`${base}/v1/chat/completions`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        });
        call.on("response", (answer) => {
          let text = "";
          answer.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          answer.on("end", () => resolve({ status: answer.statusCode ?? 0, body: text }));
        });
        call.on("error", reject);
        call.end(body);
      });
    const built = await countAbortControllers(async () => {
      // Keyword rule -> echo:billing; then no rule and no near example (the n-gram embedding
      // step runs under a deadline) -> the default route's echo:general.
      const byRule = await post("one more invoice question");
      const byDefault = await post("zqx vvb");
      expect([byRule.status, byDefault.status]).toEqual([200, 200]);
      expect(JSON.parse(byRule.body).model).toBe("echo:billing");
      expect(JSON.parse(byDefault.body).modelscout.classification.steps).toHaveLength(2);
      expect(JSON.parse(byDefault.body).model).toBe("echo:general");
      // The support route's first candidate is the fake upstream, called over node:http.
      const proxied = await post("my screen flickers", "support");
      expect(proxied.status).toBe(200);
      expect(JSON.parse(proxied.body).model).toBe("upstream-primary");
    });
    expect(built).toBe(0);
  });

  it("percent-encodes non-ASCII reasons in the header and keeps them in the body", async () => {
    const response = await chat("auto", "我要退款");
    expect(response.json.modelscout.route).toBe("billing");
    expect(response.json.modelscout.reason).toContain('keyword "退款"');
    const header = response.headers.get("x-modelscout-reason") ?? "";
    expect(header).not.toMatch(/[^\x20-\x7e]/);
    expect(decodeURIComponent(header)).toBe(response.json.modelscout.reason);
  });

  it("routes by nearest example when no rule matches, and to the default route otherwise", async () => {
    const support = await chat("auto", "my laptop does not turn on any more");
    expect(support.status).toBe(200);
    expect(support.json.modelscout.route).toBe("support");
    expect(support.json.modelscout.reason).toContain(
      'nearest-neighbour: nearest example "my laptop will not turn on"',
    );
    expect(support.json.choices[0].message.content).toBe(
      "primary says: my laptop does not turn on any more",
    );
    const fallthrough = await chat("auto", "zzz qqq");
    expect(fallthrough.json.modelscout.route).toBe("general");
    expect(fallthrough.json.modelscout.classification.used_default).toBe(true);
    expect(fallthrough.json.modelscout.reason).toContain("default route");
  });

  it("takes a route name or a model id in `model`", async () => {
    const byRoute = await chat("billing", "hello");
    expect(byRoute.json.modelscout).toMatchObject({ route: "billing", model: "echo:billing" });
    expect(byRoute.json.modelscout.classification).toBeNull();
    const byModel = await chat("upstream-backup", "hello");
    expect(byModel.status).toBe(200);
    expect(byModel.json.modelscout).toMatchObject({
      route: null,
      model: "upstream-backup",
      policy: "direct",
    });
    expect(byModel.headers.get("x-modelscout-route")).toBeNull();
    expect(byModel.json.choices[0].message.content).toBe("backup says: hello");
  });

  it("streams chat completions as OpenAI chunks that add up to the same answer", async () => {
    const plain = await chat("billing", "stream this answer please");
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "billing",
        stream: true,
        messages: [{ role: "user", content: "stream this answer please" }],
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-modelscout-route")).toBe("billing");
    const events = sseEvents(await response.text()) as Json[];
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    for (const chunk of chunks) expect(chunk.object).toBe("chat.completion.chunk");
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    expect(chunks[0].modelscout.route).toBe("billing");
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    const text = chunks.map((chunk) => chunk.choices[0].delta.content ?? "").join("");
    expect(text).toBe(plain.json.choices[0].message.content);
    expect(chunks.length).toBeGreaterThan(4);
  });

  it("serves embeddings (float and base64) through the only route that has an embedding model", async () => {
    const floats = await postJson(`${base}/v1/embeddings`, { model: "auto", input: ["a", "b"] });
    expect(floats.status).toBe(200);
    expect(floats.json.modelscout).toMatchObject({ route: "general", model: "upstream-embed" });
    expect(floats.json.modelscout.reason).toContain("the only route serving feature-extraction");
    expect(floats.json.data).toHaveLength(2);
    const vector = floats.json.data[0].embedding as number[];
    expect(vector).toHaveLength(8);
    const encoded = await postJson(`${base}/v1/embeddings`, {
      model: "auto",
      input: "a",
      encoding_format: "base64",
    });
    const bytes = Buffer.from(encoded.json.data[0].embedding as string, "base64");
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded.map((value) => value.toFixed(5))).toEqual(
      vector.map((value) => value.toFixed(5)),
    );
  });

  it("runs pipeline tasks on /v1/tasks/<task>", async () => {
    const response = await postJson(`${base}/v1/tasks/sentiment`, {
      model: "support",
      input: ["this is terrible", "this is great"],
      candidate_labels: ["negative", "positive"],
    });
    expect(response.status).toBe(200);
    expect(response.json.task).toBe("text-classification");
    expect(response.json.model).toBe("upstream-classifier");
    expect(response.json.data.map((item: Json) => item.labels[0].label)).toEqual([
      "negative",
      "positive",
    ]);
  });

  it("takes the Hugging Face Inference API's body shape on /v1/tasks/<task>", async () => {
    const response = await postJson(`${base}/v1/tasks/text-classification`, {
      model: "support",
      inputs: ["I want a refund", "which shipping do you use"],
      parameters: { candidate_labels: ["shipping", "refund"] },
    });
    expect(response.status).toBe(200);
    // The labels reached the classifier: each text names the one it gets.
    expect(response.json.data.map((item: Json) => item.labels[0].label)).toEqual([
      "refund",
      "shipping",
    ]);

    const both = await postJson(`${base}/v1/tasks/text-classification`, {
      model: "support",
      input: "a",
      inputs: "b",
    });
    expect(both.status).toBe(400);
    expect(both.json.error).toMatchObject({ param: "inputs", code: "invalid_value" });
    expect(both.json.error.message).toContain("not both");

    const twoLabelLists = await postJson(`${base}/v1/tasks/text-classification`, {
      model: "support",
      inputs: "a",
      candidate_labels: ["x"],
      parameters: { candidate_labels: ["y"] },
    });
    expect(twoLabelLists.status).toBe(400);
    expect(twoLabelLists.json.error.param).toBe("parameters.candidate_labels");

    const none = await postJson(`${base}/v1/tasks/text-classification`, { model: "support" });
    expect(none.status).toBe(400);
    expect(none.json.error.param).toBe("input");
    expect(none.json.error.message).toContain("inputs also works");

    const wrongType = await postJson(`${base}/v1/tasks/text-classification`, { inputs: 7 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.param).toBe("inputs");
  });

  it("lists auto, the routes and the models", async () => {
    const { status, json } = await getJson(`${base}/v1/models`);
    expect(status).toBe(200);
    const byId = new Map(json.data.map((entry: Json) => [entry.id, entry.modelscout]));
    expect(byId.get("auto")).toMatchObject({ kind: "auto" });
    expect(byId.get("support")).toMatchObject({
      kind: "route",
      tasks: ["text-generation", "text-classification"],
      description: "technical support",
    });
    expect(byId.get("upstream-embed")).toMatchObject({
      kind: "model",
      tasks: ["feature-extraction"],
      provider: "openai-compatible",
    });
  });

  it("gives one entry of the list by id, as OpenAI's retrieve model does", async () => {
    const listed = (await getJson(`${base}/v1/models`)).json.data as Json[];
    for (const id of ["auto", "support", "upstream-embed"]) {
      const { status, json } = await getJson(`${base}/v1/models/${encodeURIComponent(id)}`);
      expect(status).toBe(200);
      expect(json).toEqual(listed.find((entry) => entry.id === id));
    }
    const missing = await getJson(`${base}/v1/models/Xenova/no-such-model`);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({
      code: "model_not_found",
      param: "model",
      message: expect.stringContaining('"Xenova/no-such-model" does not exist here'),
    });
  });

  it("answers health and readiness", async () => {
    expect((await getJson(`${base}/health`)).json.status).toBe("ok");
    const ready = await getJson(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.json.ready).toBe(true);
    expect(ready.json.classification[1]).toMatchObject({ ready: true, examples: 4 });
  });
});

describe("routing server: bandit policy and feedback", () => {
  it("asks the learner on bandit routes and gives it the feedback after storing it", async () => {
    const first = await postJson(
      `${base}/v1/chat/completions`,
      { model: "lab", messages: [{ role: "user", content: "hello there" }] },
      { "x-modelscout-domain": "zh" },
    );
    expect(first.json.modelscout.domain).toBe("zh");
    expect(first.json.modelscout.policy).toBe("bandit");
    expect(first.json.modelscout.reason).toContain("best mean reward");
    const chosen = first.json.modelscout.model as string;
    const feedback = await postJson(`${base}/v1/feedback`, {
      request_id: first.json.modelscout.request_id,
      rating: 1,
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json).toMatchObject({ stored: true, applied: true, reward: 0 });
    expect(learner.outcomes.at(-1)).toMatchObject({
      requestId: first.json.modelscout.request_id,
      route: "lab/text-generation",
      modelId: chosen,
      reward: 0,
      domain: "zh",
    });
    expect(learner.outcomes.at(-1)?.latencyMs).toBeGreaterThanOrEqual(0);
    // The learner now prefers the other candidate.
    const second = await chat("lab", "hello again");
    expect(second.json.modelscout.model).not.toBe(chosen);
  });

  it("stores feedback the learner could not take, and says so", async () => {
    const routed = await chat("billing", "invoice");
    learner.failNextRecord = true;
    const feedback = await postJson(`${base}/v1/feedback`, {
      request_id: routed.json.modelscout.request_id,
      correct: true,
      latency_ms: 12.5,
    });
    expect(feedback.status).toBe(200);
    expect(feedback.json).toMatchObject({ stored: true, applied: false, reward: 1 });
    expect(feedback.json.apply_error).toContain("learner store is busy");
    const logged = await getJson(`${base}/v1/requests/${routed.json.modelscout.request_id}`);
    expect(logged.json.feedback).toEqual([
      expect.objectContaining({ correct: true, latency_ms: 12.5, reward: 1, applied: false }),
    ]);
  });

  it("logs each request with its decision, after the redaction hook", async () => {
    const routed = await chat("auto", "invoice 98765432 is wrong");
    const logged = await getJson(`${base}/v1/requests/${routed.json.modelscout.request_id}`);
    expect(logged.status).toBe(200);
    expect(logged.json).toMatchObject({
      endpoint: "chat.completions",
      task: "text-generation",
      route: "billing",
      model: "echo:billing",
      status: 200,
      input_text: "invoice [number] is wrong",
      output_text: "billing desk: invoice [number] is wrong",
    });
    // The log keeps the decision the answer carried, field for field.
    expect(logged.json.modelscout).toEqual(routed.json.modelscout);
    expect(logged.json.latency_ms).toBeGreaterThan(0);
  });
});

describe("routing server: fallbacks and circuit breaker", () => {
  const supportCalls = () =>
    upstream.requests.filter((request) => request.path === "/v1/chat/completions").length;

  it("falls back to the next candidate on 429, 500 and timeout", async () => {
    for (const step of [
      { kind: "status", status: 429, retryAfter: "1" } as const,
      { kind: "status", status: 500 } as const,
      { kind: "hang" } as const,
    ]) {
      server.router.breaker("upstream-primary")?.recordSuccess();
      upstream.script(step);
      const response = await chat("support", `fallback after ${step.kind}`);
      expect(response.status).toBe(200);
      expect(response.json.model).toBe("upstream-backup");
      const [failed, ok] = response.json.modelscout.attempts;
      expect(failed.model).toBe("upstream-primary");
      expect(failed.outcome).toBe(
        step.kind === "hang" ? "timeout" : step.status === 429 ? "rate-limited" : "error",
      );
      expect(ok).toMatchObject({ model: "upstream-backup", outcome: "ok" });
      expect(response.json.modelscout.reason).toContain("fallback after upstream-primary");
      expect(response.json.choices[0].message.content).toBe(
        `backup says: fallback after ${step.kind}`,
      );
    }
    server.router.breaker("upstream-primary")?.recordSuccess();
    // A reason is kept per route, route reason, model and policy reason (`Router.#explain`):
    // the plain answers after those fallbacks carry the plain reason, not a fallback's.
    for (const content of ["no fallback", "no fallback, again"]) {
      const plain = await chat("support", content);
      expect(plain.json.modelscout.reason).toBe(
        "route support (requested by name); model upstream-primary: first in fallback chain",
      );
      expect(plain.headers.get("x-modelscout-reason")).toBe(plain.json.modelscout.reason);
    }
  });

  it("opens a model's breaker after consecutive failures and skips it without calling it", async () => {
    upstream.script(
      { kind: "status", status: 503 },
      { kind: "ok" },
      { kind: "status", status: 503 },
    );
    await chat("support", "one");
    await chat("support", "two");
    expect(server.router.breaker("upstream-primary")?.state).toBe("open");
    const before = supportCalls();
    const skipped = await chat("support", "three");
    expect(skipped.status).toBe(200);
    expect(skipped.json.model).toBe("upstream-backup");
    expect(skipped.json.modelscout.attempts[0]).toMatchObject({
      model: "upstream-backup",
      outcome: "ok",
    });
    expect(skipped.json.modelscout.reason).toContain("skipped (circuit open or at max_in_flight)");
    expect(supportCalls() - before).toBe(1);
    const ready = await getJson(`${base}/ready`);
    expect(ready.json.models["upstream-primary"].breaker.state).toBe("open");
    expect(ready.json.ready).toBe(true); // the backup can still serve the route
    server.router.breaker("upstream-primary")?.recordSuccess();
  });

  it("rests a model that answered 429 or 503 with Retry-After for as long as it asked (ADR 0034)", async () => {
    const primary = () => server.router.breaker("upstream-primary");
    upstream.script({ kind: "status", status: 429, retryAfter: "30" });
    const first = await chat("support", "rate limited once");
    expect(first.json.model).toBe("upstream-backup");
    // One failure is below the threshold of 2, but the server said when to come back.
    expect(primary()?.state).toBe("open");
    const restUntil = primary()?.snapshot().retryAtMs ?? 0;
    expect(restUntil - Date.now()).toBeGreaterThan(25_000);
    expect(restUntil - Date.now()).toBeLessThanOrEqual(30_000);
    expect(primary()?.snapshot().lastError).toContain("HTTP 429");
    const before = supportCalls();
    const next = await chat("support", "not asked again");
    expect(next.json.modelscout.attempts.map((attempt: Json) => attempt.model)).toEqual([
      "upstream-backup",
    ]);
    expect(supportCalls() - before).toBe(1);
    primary()?.recordSuccess();

    // A 503 with Retry-After rests the model too, and is not retried on it meanwhile.
    upstream.script({ kind: "status", status: 503, retryAfter: "7" });
    const unavailable = await chat("support", "overloaded");
    expect(unavailable.json.modelscout.attempts.map((attempt: Json) => attempt.outcome)).toEqual([
      "error",
      "ok",
    ]);
    expect((primary()?.snapshot().retryAtMs ?? 0) - Date.now()).toBeGreaterThan(5_000);
    primary()?.recordSuccess();

    // Every candidate rate-limited: the client hears the soonest time one takes calls again.
    upstream.script(
      { kind: "status", status: 429, retryAfter: "20" },
      { kind: "status", status: 429, retryAfter: "5" },
    );
    const limited = await chat("support", "everyone is busy");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("5");
    primary()?.recordSuccess();
    server.router.breaker("upstream-backup")?.recordSuccess();
  });

  it("answers 429 when every candidate is rate-limited, 504 on timeouts, 503 with Retry-After when every breaker is open", async () => {
    upstream.script({ kind: "status", status: 429 }, { kind: "status", status: 429 });
    const limited = await chat("support", "busy");
    expect(limited.status).toBe(429);
    expect(limited.json.error).toMatchObject({ type: "rate_limit_error", code: "rate_limited" });
    expect(limited.json.error.message).toContain("Every candidate failed");
    expect(limited.json.modelscout.attempts).toHaveLength(2);
    upstream.script({ kind: "hang" }, { kind: "hang" });
    const slow = await chat("support", "slow");
    expect(slow.status).toBe(504);
    expect(slow.json.modelscout.attempts.map((attempt: Json) => attempt.outcome)).toEqual([
      "timeout",
      "timeout",
    ]);
    // Each model has failed twice in a row now: both breakers are open.
    const open = await chat("support", "anyone?");
    expect(open.status).toBe(503);
    expect(open.json.error.code).toBe("circuit_open");
    expect(Number(open.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await loggedRow(base, open.json.modelscout.request_id)).model).toBeNull();
    const ready = await getJson(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(ready.json.unavailable).toEqual(["support/text-generation"]);
    server.router.breaker("upstream-primary")?.recordSuccess();
    server.router.breaker("upstream-backup")?.recordSuccess();
  });
});

describe("routing server: bad input gets 4xx in the OpenAI error format", () => {
  const expectError = (
    response: { status: number; json: Json },
    status: number,
    code: string,
    param: string | null = null,
  ) => {
    expect(response.status).toBe(status);
    expect(Object.keys(response.json.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.param).toBe(param);
    expect(response.json.error.type).toBe("invalid_request_error");
    expect(response.json.error.message.length).toBeGreaterThan(20);
  };

  it("malformed JSON: 400", async () => {
    const response = await postJson(
      `${base}/v1/chat/completions`,
      '{"model": "auto", "messages": [',
    );
    expectError(response, 400, "invalid_json");
    expect(response.json.error.message).toContain("not valid JSON");
  });

  it("a body that breaks the schema: 400 naming the field", async () => {
    const response = await postJson(`${base}/v1/chat/completions`, { model: "auto", messages: [] });
    expectError(response, 400, "invalid_value", "messages");
    const role = await postJson(`${base}/v1/chat/completions`, {
      messages: [{ role: "function", content: "x" }],
    });
    expectError(role, 400, "invalid_value", "messages.0.role");
    expect(role.json.error.message).toContain(
      "role must be system, developer, user, assistant or tool",
    );
    const tool = await postJson(`${base}/v1/chat/completions`, {
      messages: [{ role: "tool", content: "x" }],
    });
    expectError(tool, 400, "invalid_value", "messages.0.tool_call_id");
  });

  it("oversized body: 413, by Content-Length and when chunked", async () => {
    const big = "x".repeat(5000);
    const response = await chat("auto", big);
    expectError(response, 413, "request_too_large");
    expect(response.json.error.message).toContain("4096 bytes");
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(
          new TextEncoder().encode(JSON.stringify({ messages: [{ role: "user", content: big }] })),
        );
        controller.close();
      },
    });
    const chunked = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it("unknown model: 404; route without the task, model with the wrong task: 400; unknown task: 404", async () => {
    const unknown = await chat("gpt-17", "hi");
    expectError(unknown, 404, "model_not_found", "model");
    expect(unknown.json.error.message).toContain("billing, support, general, lab");
    expectError(
      await postJson(`${base}/v1/embeddings`, { model: "billing", input: "x" }),
      400,
      "invalid_value",
      "model",
    );
    expectError(
      await postJson(`${base}/v1/embeddings`, { model: "echo:general", input: "x" }),
      400,
      "invalid_value",
      "model",
    );
    const task = await postJson(`${base}/v1/tasks/text-generaton`, { input: "x" });
    expectError(task, 404, "unknown_task");
    expect(task.json.error.message).toContain('Did you mean "text-generation"?');
    const noRoute = await getJson(`${base}/v1/nothing-here`);
    expectError(noRoute, 404, "unknown_url");
    // The list of what the server answers names the request-log lookup too.
    expect(noRoute.json.error.message).toContain("/v1/requests/<id>");
  });

  it("feedback: unknown request id 404, no signal 400, out-of-range rating 400", async () => {
    expectError(
      await postJson(`${base}/v1/feedback`, { request_id: "req_nope", rating: 3 }),
      404,
      "request_not_found",
      "request_id",
    );
    expectError(
      await postJson(`${base}/v1/feedback`, { request_id: "req_nope" }),
      400,
      "invalid_value",
    );
    expectError(
      await postJson(`${base}/v1/feedback`, { request_id: "req_nope", rating: 9 }),
      400,
      "invalid_value",
      "rating",
    );
  });

  it("feedback: a latency_ms past 24 hours, a label past 256 characters, or a rating that contradicts correct: 400 naming the field", async () => {
    const refused = async (body: Record<string, unknown>, param: string, says: string) => {
      const answer = await postJson(`${base}/v1/feedback`, { request_id: "req_nope", ...body });
      expectError(answer, 400, "invalid_value", param);
      expect(answer.json.error.message).toContain(says);
    };
    await refused({ latency_ms: 1e308 }, "latency_ms", "at most 86400000 (24 hours)");
    await refused({ latency_ms: 86_400_001 }, "latency_ms", "at most 86400000");
    await refused({ latency_ms: -1 }, "latency_ms", "0 or more");
    await refused({ label: "x".repeat(257) }, "label", "at most 256 characters");
    await refused({ rating: 1, correct: true }, "correct", "contradict");
    await refused({ rating: 5, correct: false }, "correct", "contradict");
    // At the bounds, and signals that merely differ: looked up (no such request here).
    for (const body of [
      { latency_ms: 86_400_000 },
      { label: "x".repeat(256) },
      { rating: 2, correct: true },
      { rating: 1, correct: false },
    ]) {
      const answer = await postJson(`${base}/v1/feedback`, { request_id: "req_nope", ...body });
      expect(answer.status, JSON.stringify(body)).toBe(404);
    }
  });

  it("a client that leaves mid-request: the upstream call is abandoned, logged as 499, the model not blamed", async () => {
    const content = "I have to go, leaving before the answer";
    const primary = server.router.breaker("upstream-primary");
    primary?.recordSuccess();
    upstream.script({ kind: "hang" });
    const upstreamCalls = () =>
      upstream.requests.filter((request) => String(JSON.stringify(request.body)).includes(content))
        .length;
    const body = JSON.stringify({ model: "support", messages: [{ role: "user", content }] });
    const client = httpRequest(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
    });
    client.on("error", () => {}); // the socket is destroyed on purpose
    client.end(body);
    // Leave once the router has called the (hanging) primary, before the route's 400 ms timeout.
    await expect.poll(upstreamCalls, { timeout: 2000, interval: 10 }).toBe(1);
    client.destroy();
    server.store.flush();
    const row = await expect
      .poll(
        () => {
          server.store.flush();
          return server.database
            .prepare("SELECT status, error_code, model FROM routing_requests WHERE input_text = ?")
            .get(content);
        },
        { timeout: 2000, interval: 20 },
      )
      .toMatchObject({ status: 499, error_code: "client_closed" });
    expect(row).toBeDefined();
    // No fallback to the backup after the client left, and the primary is not charged.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(upstreamCalls()).toBe(1);
    expect(primary?.snapshot().consecutiveFailures).toBe(0);
  });

  it("logs rejected requests too", async () => {
    const response = await chat("gpt-17", "hi");
    const logged = await getJson(
      `${base}/v1/requests/${response.headers.get("x-modelscout-request-id")}`,
    );
    expect(logged.json).toMatchObject({
      status: 404,
      error_code: "model_not_found",
      requested: "gpt-17",
    });
  });
});
