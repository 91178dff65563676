/**
 * `stream: true` through an OpenAI-compatible upstream: the router relays the model's
 * pieces as they come (not the finished answer re-chunked), falls back before the first
 * piece, ends a stream that breaks midway with an error event, and stops the model when the
 * client leaves; each outcome lands in the request log.
 */
import { mkdtempSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { getJson, type Json, loggedRow, sseEvents } from "./routing-test-support.js";

const ANSWER = "one two three four five six seven eight";
const PIECE_DELAY_MS = 80;

let upstream: FakeOpenAIServer;
let server: RoutingServer;

beforeAll(async () => {
  upstream = await startFakeOpenAIServer({
    chatReply: () => ANSWER,
    streamDelayMs: PIECE_DELAY_MS,
  });
  server = await startRoutingServer({
    config: parseRoutesConfig({
      classification: [{ kind: "rules", rules: [{ route: "live", keywords: ["live"] }] }],
      models: [
        { id: "primary", kind: "openai", base_url: `${upstream.url}/v1`, api_model: "primary" },
        { id: "backup", kind: "openai", base_url: `${upstream.url}/v1`, api_model: "backup" },
      ],
      routes: [
        {
          name: "live",
          targets: {
            "text-generation": {
              policy: "fallback",
              candidates: ["primary", "backup"],
              timeout_ms: 5_000,
            },
          },
        },
      ],
      server: { circuit_breaker: { failure_threshold: 100, cool_down_ms: 1_000 } },
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-live-stream-")), "state.db"),
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

const streamBody = JSON.stringify({
  model: "live",
  stream: true,
  messages: [{ role: "user", content: "hello" }],
});

/** Posts a streamed chat and notes when each event arrived, ms after the request was sent. */
async function streamChat(): Promise<{ events: Json[]; arrivals: number[]; raw: string }> {
  const startedAt = performance.now();
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: streamBody,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const decoder = new TextDecoder();
  let raw = "";
  const arrivals: number[] = [];
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    const before = raw.split("\n\n").length;
    raw += decoder.decode(bytes, { stream: true });
    const now = performance.now() - startedAt;
    for (let index = before; index < raw.split("\n\n").length; index += 1) arrivals.push(now);
  }
  return { events: sseEvents(raw) as Json[], arrivals, raw };
}

describe("live streaming through an OpenAI-compatible upstream", () => {
  it("relays each piece as the model writes it, and logs the whole answer", async () => {
    const before = upstream.requests.length;
    const { events, arrivals } = await streamChat();
    const chats = upstream.requests
      .slice(before)
      .filter((request) => request.path === "/v1/chat/completions");
    expect(chats.map((request) => (request.body as Json).stream)).toEqual([true]);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    expect(chunks[0].modelscout).toMatchObject({ route: "live", model: "primary" });
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? "").join("")).toBe(ANSWER);
    // Eight pieces PIECE_DELAY_MS apart: the first arrives long before the last. A router that
    // waited for the whole answer would deliver them all at once.
    const contentArrivals = arrivals.slice(1, 9);
    expect((contentArrivals.at(-1) as number) - (contentArrivals[0] as number)).toBeGreaterThan(
      4 * PIECE_DELAY_MS,
    );
    const row = await loggedRow(server.url, chunks[0].modelscout.request_id);
    expect(row).toMatchObject({ status: 200, output_text: ANSWER, error_code: null });
    // The model's latency is to its first piece; the request's runs to the end.
    expect(row.model_latency_ms).toBeLessThan(row.latency_ms);
  });

  it("falls back to the next candidate when the first fails before its first piece", async () => {
    upstream.script({ kind: "status", status: 500 });
    const { events } = await streamChat();
    const decision = events[0].modelscout;
    expect(decision.model).toBe("backup");
    expect(decision.attempts.map((attempt: Json) => [attempt.model, attempt.outcome])).toEqual([
      ["primary", "error"],
      ["backup", "ok"],
    ]);
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("ends a stream that breaks midway with an error event, logged as 502", async () => {
    upstream.script({ kind: "stream-break", pieces: 3 });
    const { events } = await streamChat();
    expect(events).not.toContain("[DONE]");
    const last = events.at(-1);
    expect(last.error).toMatchObject({ type: "server_error", code: "stream_interrupted" });
    const sent = events
      .slice(0, -1)
      .map((chunk) => chunk.choices[0].delta.content ?? "")
      .join("");
    expect(sent).toBe("one two three ");
    const row = await loggedRow(server.url, events[0].modelscout.request_id);
    expect(row).toMatchObject({
      status: 502,
      error_code: "stream_interrupted",
      output_text: "one two three ",
    });
    // It counts against the model's circuit breaker, though the request could not fall back.
    const ready = await getJson(`${server.url}/ready`);
    expect(ready.json.models.primary.breaker).toMatchObject({ consecutiveFailures: 1 });
    expect(ready.json.models.primary.breaker.lastError).toContain("stream broke off");
    // The server goes on answering.
    const after = await streamChat();
    expect(after.events.at(-1)).toBe("[DONE]");
  });

  it("stops the model's stream when the client leaves, logged as 499", async () => {
    const abandonedBefore = upstream.streams.abandoned;
    const requestId = await new Promise<string>((resolve, reject) => {
      const call = httpRequest(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(streamBody),
        },
      });
      call.on("response", (response) => {
        let seen = "";
        response.setEncoding("utf8");
        response.on("data", (text: string) => {
          seen += text;
          // Leave after the first content piece.
          if (sseEvents(seen).length >= 2) {
            resolve(response.headers["x-modelscout-request-id"] as string);
            call.destroy();
          }
        });
      });
      call.on("error", (error) => {
        if (!call.destroyed) reject(error);
      });
      call.end(streamBody);
    });
    const row = await loggedRow(server.url, requestId);
    expect(row).toMatchObject({ status: 499, error_code: "client_closed" });
    expect(row.output_text.length).toBeLessThan(ANSWER.length);
    // The upstream saw its reader go: it stopped writing instead of finishing the answer.
    for (let tries = 0; tries < 100 && upstream.streams.abandoned === abandonedBefore; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(upstream.streams.abandoned).toBe(abandonedBefore + 1);
  });
});

describe("live streaming from a reasoning model", () => {
  // Six words of thinking 60 ms apart before the answer: the answer's first word comes after
  // about 400 ms, past the route's 250 ms limit for the first piece. The thinking is the
  // model at work, so its first piece is what the limit waits for.
  const THINKING = "the parcel left the depot yesterday";
  let thinker: FakeOpenAIServer;
  let thinkingServer: RoutingServer;

  beforeAll(async () => {
    thinker = await startFakeOpenAIServer({
      chatReply: () => "it arrives today",
      reasoning: THINKING,
      streamDelayMs: 60,
    });
    thinkingServer = await startRoutingServer({
      config: parseRoutesConfig({
        models: [
          { id: "thinker", kind: "openai", base_url: `${thinker.url}/v1`, api_model: "r1" },
          { id: "echo:backup", kind: "echo", template: "backup: {{input}}" },
        ],
        routes: [
          {
            name: "think",
            targets: {
              "text-generation": {
                policy: "fallback",
                candidates: ["thinker", "echo:backup"],
                timeout_ms: 250,
              },
            },
          },
        ],
      }),
      port: 0,
      databasePath: join(mkdtempSync(join(tmpdir(), "ms-reasoning-")), "state.db"),
    });
  });

  afterAll(async () => {
    await thinkingServer?.close();
    await thinker?.close();
  });

  it("relays the thinking as reasoning_content, and it counts as the model's first piece", async () => {
    const response = await fetch(`${thinkingServer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "think",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const events = sseEvents(await response.text()) as Json[];
    expect(events[0].modelscout).toMatchObject({ model: "thinker" });
    expect(events.at(-1)).toBe("[DONE]");
    const deltas = events.slice(1, -2).map((event) => event.choices[0].delta);
    const thought = deltas.map((delta) => delta.reasoning_content ?? "").join("");
    const answer = deltas.map((delta) => delta.content ?? "").join("");
    expect(thought).toBe(THINKING);
    expect(answer).toBe("it arrives today");
    // Thinking first, then the answer.
    const firstContent = deltas.findIndex((delta) => delta.content !== undefined);
    expect(deltas.slice(0, firstContent).every((delta) => "reasoning_content" in delta)).toBe(true);
    // Only the answer is logged as the output.
    const row = await loggedRow(thinkingServer.url, events[0].modelscout.request_id);
    expect(row).toMatchObject({ status: 200, output_text: "it arrives today" });
  });

  it("answers whole with the thinking in reasoning_content", async () => {
    const response = await fetch(`${thinkingServer.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "think", messages: [{ role: "user", content: "hi" }] }),
    });
    const body = (await response.json()) as Json;
    expect(body.choices[0].message).toEqual({
      role: "assistant",
      content: "it arrives today",
      reasoning_content: THINKING,
    });
  });
});
