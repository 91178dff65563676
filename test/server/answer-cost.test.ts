/**
 * Tokens and cost of routed answers (ADR 0050): a model declared with a `price` behind a fake
 * OpenAI-compatible server; the request log keeps each answer's tokens and what it cost, a
 * stream to a priced model asks its server for the usage the client did not ask for, and a
 * reload that changes only a price keeps the model's backend. A chat model asked to name a label
 * (a prompted classifier) costs its answer's tokens too.
 */
import { describe, expect, it } from "vitest";
import { answerCostUsd } from "../../src/route/model-price.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { createServerMetrics } from "../../src/server/metrics/server-metrics.js";
import { requestLogRow } from "../support/request-log-row.js";
import {
  getJson,
  type Json,
  lastChatRequest,
  postJson,
  routingServerBehindFakeUpstream,
} from "./routing-test-support.js";

const PRICE = { input_per_million_tokens: 2.5, output_per_million_tokens: 10 };

function routes(baseUrl: string, price = PRICE) {
  return {
    models: [
      { id: "priced", kind: "openai", base_url: baseUrl, api_model: "gpt-fake", price },
      { id: "unpriced", kind: "openai", base_url: baseUrl, api_model: "gpt-fake" },
      {
        id: "priced-embedder",
        kind: "openai",
        base_url: baseUrl,
        api_model: "embed-fake",
        task: "feature-extraction",
        price,
      },
      {
        id: "priced-classifier",
        kind: "openai",
        base_url: baseUrl,
        api_model: "chat-fake",
        task: "text-classification",
        labels: ["delivery", "complaint"],
        price,
      },
    ],
    routes: [
      { name: "paid", targets: { chat: { policy: "fixed", candidates: ["priced"] } } },
      { name: "free", targets: { chat: { policy: "fixed", candidates: ["unpriced"] } } },
      {
        name: "search",
        targets: { "feature-extraction": { policy: "fixed", candidates: ["priced-embedder"] } },
      },
      {
        name: "triage",
        targets: {
          "text-classification": { policy: "fixed", candidates: ["priced-classifier"] },
        },
      },
    ],
  };
}

const started = routingServerBehindFakeUpstream("answer-cost", (url) => routes(url));

async function logged(requestId: string): Promise<Json> {
  started.server.store.flush();
  const row = await getJson(`${started.server.url}/v1/requests/${requestId}`);
  expect(row.status).toBe(200);
  return row.json;
}

async function streamedRequestId(model: string): Promise<{ id: string; body: string }> {
  const response = await fetch(`${started.server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model,
      stream: true,
      messages: [{ role: "user", content: "where is my parcel today" }],
    }),
  });
  expect(response.status).toBe(200);
  const id = response.headers.get("x-modelscout-request-id") as string;
  return { id, body: await response.text() };
}

describe("tokens and cost of routed answers", () => {
  it("logs an embeddings request's tokens, counted by its server for the batch, and their cost", async () => {
    const answer = await postJson(`${started.server.url}/v1/embeddings`, {
      model: "search",
      input: ["where is my parcel", "refund please"],
    });
    expect(answer.status).toBe(200);
    // The fake server counts words, for the whole batch at once as OpenAI does: 4 + 2.
    expect(answer.json.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    const row = await logged(answer.json.modelscout.request_id);
    expect(row.usage).toEqual({ prompt_tokens: 6, completion_tokens: 0 });
    expect(row.cost_usd).toBeCloseTo((6 * 2.5) / 1_000_000, 12);
  });

  it("logs a chat classifier's tokens for the label it named, and their cost", async () => {
    const answer = await postJson(`${started.server.url}/v1/tasks/text-classification`, {
      model: "triage",
      input: "the delivery of my parcel is late",
    });
    expect(answer.status).toBe(200);
    // The fake server counts words: the prompt's, and the one-word label it answered.
    const messages = lastChatRequest(started.upstream).messages as { content: string }[];
    const promptTokens = messages
      .map((message) => message.content.split(/\s+/).filter(Boolean).length)
      .reduce((a, b) => a + b, 0);
    const row = await logged(answer.json.modelscout.request_id);
    expect(row.output_text).toBe("delivery");
    expect(row.usage).toEqual({ prompt_tokens: promptTokens, completion_tokens: 1 });
    expect(row.cost_usd).toBeCloseTo((promptTokens * 2.5 + 10) / 1_000_000, 12);
  });

  it("logs an answer's tokens and its cost at the model's declared price", async () => {
    const answer = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "paid",
      messages: [{ role: "user", content: "my parcel has not arrived after ten days" }],
    });
    expect(answer.status).toBe(200);
    const usage = answer.json.usage as { prompt_tokens: number; completion_tokens: number };
    expect(usage.prompt_tokens).toBeGreaterThan(0);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    const row = await logged(answer.json.modelscout.request_id);
    expect(row.usage).toEqual({
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
    });
    expect(row.cost_usd).toBeCloseTo(
      (usage.prompt_tokens * 2.5 + usage.completion_tokens * 10) / 1_000_000,
      12,
    );

    // Without a price the tokens are kept and the cost is unknown, not zero.
    const free = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "free",
      messages: [{ role: "user", content: "hello there" }],
    });
    const freeRow = await logged(free.json.modelscout.request_id);
    expect(freeRow.usage.prompt_tokens).toBe(free.json.usage.prompt_tokens);
    expect(freeRow.cost_usd).toBeNull();
  });

  it("asks a priced model's server for a stream's usage, and only a priced one's", async () => {
    const paid = await streamedRequestId("paid");
    expect(lastChatRequest(started.upstream).stream_options).toEqual({ include_usage: true });
    // The client did not ask for the usage chunk, so it does not get one.
    expect(paid.body).not.toContain('"usage"');
    const row = await logged(paid.id);
    expect(row.status).toBe(200);
    expect(row.usage.completion_tokens).toBeGreaterThan(0);
    expect(row.cost_usd).toBeCloseTo(
      (row.usage.prompt_tokens * 2.5 + row.usage.completion_tokens * 10) / 1_000_000,
      12,
    );

    const free = await streamedRequestId("free");
    expect(lastChatRequest(started.upstream).stream_options).toBeUndefined();
    const freeRow = await logged(free.id);
    expect(freeRow.usage).toBeNull();
    expect(freeRow.cost_usd).toBeNull();
  });

  it("keeps a model's backend through a reload that changes only its price", async () => {
    const upstreamUrl = `${started.upstream.url}/v1`;
    const result = await started.server.reload(
      parseRoutesConfig(
        routes(upstreamUrl, { input_per_million_tokens: 5, output_per_million_tokens: 20 }),
      ),
    );
    expect(result.kept).toEqual(expect.arrayContaining(["priced", "unpriced"]));
    expect(result.loaded).toEqual([]);
    const answer = await postJson(`${started.server.url}/v1/chat/completions`, {
      model: "paid",
      messages: [{ role: "user", content: "one more question" }],
    });
    const usage = answer.json.usage as { prompt_tokens: number; completion_tokens: number };
    const row = await logged(answer.json.modelscout.request_id);
    expect(row.cost_usd).toBeCloseTo(
      (usage.prompt_tokens * 5 + usage.completion_tokens * 20) / 1_000_000,
      12,
    );
  });

  it("refuses a price that is negative or names another field, naming it", () => {
    expect(() =>
      parseRoutesConfig(
        routes("http://127.0.0.1:1/v1", { ...PRICE, input_per_million_tokens: -1 }),
      ),
    ).toThrow(/models\[0\]\.price\.input_per_million_tokens/);
    expect(() =>
      parseRoutesConfig(
        routes("http://127.0.0.1:1/v1", { ...PRICE, per_request: 1 } as unknown as typeof PRICE),
      ),
    ).toThrow(/per_request/);
  });

  it("computes a cost only from both a price and a usage", () => {
    expect(answerCostUsd(PRICE, { promptTokens: 1_000_000, completionTokens: 500_000 })).toBe(7.5);
    expect(answerCostUsd(undefined, { promptTokens: 10, completionTokens: 10 })).toBeNull();
    expect(answerCostUsd(PRICE, undefined)).toBeNull();
  });

  it("counts tokens and cost per route and model in /metrics", () => {
    const metrics = createServerMetrics();
    const row = requestLogRow("req_1", {
      createdAt: "2026-12-02T10:00:00.000Z",
      requested: "paid",
      route: "paid",
      model: "priced",
      reason: "fixed",
      latencyMs: 12,
      promptTokens: 12,
      completionTokens: 30,
      costUsd: 0.00033,
      decision: JSON.stringify({ policy: "fixed", explored: false }),
    });
    const event = {
      kind: "request" as const,
      at: row.createdAt,
      requestId: row.id,
      route: "paid",
      modelId: "priced",
      latencyMs: 12,
      status: 200,
    };
    metrics.observeRequest(row, event);
    metrics.observeRequest({ ...row, id: "req_2" }, { ...event, requestId: "req_2" });
    const text = metrics.render();
    expect(text).toContain('modelscout_tokens_total{route="paid",model="priced",kind="prompt"} 24');
    expect(text).toContain(
      'modelscout_tokens_total{route="paid",model="priced",kind="completion"} 60',
    );
    expect(text).toContain('modelscout_cost_usd_total{route="paid",model="priced"} 0.00066');
  });
});
