/**
 * `n` choices with `stream: true` relayed live (ADR 0066, addendum), in process
 * (`app.request`) through an OpenAI-compatible upstream that paces each call by its `seed`
 * (choice k is asked with `seed + k`): the fast choice's pieces arrive while the slow one is
 * still writing, chunks of both interleave with their `index`, each choice gets its role
 * chunk first and its own `finish_reason`, and one usage chunk sums them. Legacy completions
 * do the same for several prompts times `n`, and OpenAI's SDK reads the stream. A choice
 * breaking midway ends the stream with an error event and stops the other; a client that
 * leaves stops all of them. Each outcome is one request-log row.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type Router } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { RoutingStore } from "../../src/route/routing-store.js";
import { createRoutingApp } from "../../src/server/create-routing-app.js";
import { openStateDatabase, type StateDatabase } from "../../src/state/state-database.js";
import {
  type FakeChatMessage,
  type FakeOpenAIServer,
  messageText,
  startFakeOpenAIServer,
} from "../support/fake-openai-server.js";
import { type Json, sseEvents } from "./routing-test-support.js";

/** The fake upstream's port, in the range this test was given. */
const UPSTREAM_PORT = 19_600;
/** Between the fast choice's pieces, and the slow one's. */
const FAST_MS = 10;
const SLOW_MS = 150;
/** Six words: the slow choice takes about 6 x SLOW_MS to write its answer. */
const ANSWER = "one two three four five six";

let database: StateDatabase;
let store: RoutingStore;
let router: Router;
let app: ReturnType<typeof createRoutingApp>;
let upstream: FakeOpenAIServer;

/** The last user message's text. */
const lastUser = (body: Record<string, unknown>): string =>
  messageText((body.messages as FakeChatMessage[]).at(-1)?.content);

beforeAll(async () => {
  upstream = await startFakeOpenAIServer({
    port: UPSTREAM_PORT,
    chatReply: (messages) => {
      const last = messageText(messages.at(-1)?.content);
      return last.startsWith("prompt") ? `${last} ${ANSWER}` : ANSWER;
    },
    // Seed 1 (choice 1 with `seed: 0`) is slow, except in a legacy completion where only
    // the second prompt's second choice is; "break" makes it break after two pieces while the
    // other is slow; "hold" makes every call slow.
    streamPlan: (body) => {
      const text = lastUser(body);
      if (text === "hold") return { delayMs: SLOW_MS };
      const slow = body.seed === 1 && (!text.startsWith("prompt") || text === "prompt b");
      if (text === "break") {
        return slow ? { delayMs: FAST_MS, breakAfter: 2 } : { delayMs: SLOW_MS };
      }
      return { delayMs: slow ? SLOW_MS : FAST_MS };
    },
  });
  database = openStateDatabase({
    path: join(mkdtempSync(join(tmpdir(), "ms-live-choices-")), "state.db"),
  });
  store = new RoutingStore(database);
  router = await createRouter({
    config: parseRoutesConfig({
      default_route: "live",
      models: [
        { id: "llm", kind: "openai", base_url: `${upstream.url}/v1`, api_model: "small-llm" },
        { id: "echo:desk", kind: "echo", template: "desk: {{input}}" },
      ],
      routes: [
        {
          name: "live",
          targets: { "text-generation": { candidates: ["llm"], timeout_ms: 5_000 } },
        },
        { name: "desk", targets: { "text-generation": { candidates: ["echo:desk"] } } },
      ],
      server: { circuit_breaker: { failure_threshold: 100, cool_down_ms: 1_000 } },
    }),
  });
  app = createRoutingApp({ router, store });
});

afterAll(async () => {
  store?.close();
  await router?.registry.close();
  database?.close();
  await upstream?.close();
});

interface Arrived {
  /** Parsed events, `[DONE]` as the string. */
  events: Json[];
  /** When each event arrived, ms after the request was sent. */
  arrivals: number[];
}

/** Posts a streamed request and notes when each event arrived. */
async function streamed(path: string, body: Record<string, unknown>): Promise<Arrived> {
  const startedAt = performance.now();
  const response = await app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const decoder = new TextDecoder();
  let raw = "";
  const arrivals: number[] = [];
  for await (const bytes of response.body as unknown as AsyncIterable<Uint8Array>) {
    const before = sseEvents(raw).length;
    raw += decoder.decode(bytes, { stream: true });
    const now = performance.now() - startedAt;
    for (let index = before; index < sseEvents(raw).length; index += 1) arrivals.push(now);
  }
  return { events: sseEvents(raw) as Json[], arrivals };
}

/** When the first event matching `test` arrived. */
function arrivalOf(arrived: Arrived, test: (event: Json) => boolean): number {
  const position = arrived.events.findIndex((event) => event !== "[DONE]" && test(event));
  expect(position).toBeGreaterThanOrEqual(0);
  return arrived.arrivals[position] as number;
}

/** Each choice's text, by index, from chunks whose choice's text is read by `textOf`. */
function textsByIndex(chunks: readonly Json[], textOf: (choice: Json) => string | undefined) {
  const texts = new Map<number, string>();
  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      texts.set(choice.index, (texts.get(choice.index) ?? "") + (textOf(choice) ?? ""));
    }
  }
  return [...texts.entries()].sort(([left], [right]) => left - right);
}

async function loggedRow(requestId: string): Promise<Json> {
  for (let tries = 0; tries < 100; tries += 1) {
    const response = await app.request(`/v1/requests/${requestId}`);
    if (response.status === 200) return response.json();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`request ${requestId} was never logged`);
}

/** Waits until the upstream has seen `count` more of its streams abandoned. */
async function abandoned(before: number, count: number): Promise<number> {
  for (let tries = 0; tries < 100 && upstream.streams.abandoned < before + count; tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return upstream.streams.abandoned - before;
}

describe("n chat choices streamed live", () => {
  it("relays both choices as they are written, interleaved, with one usage chunk", async () => {
    const arrived = await streamed("/v1/chat/completions", {
      model: "live",
      messages: [{ role: "user", content: "hello" }],
      n: 2,
      seed: 0,
      stream_options: { include_usage: true },
    });
    const { events } = arrived;
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    // The decision in the first chunk, as on one choice's live stream; each choice's role first.
    expect(chunks[0].modelscout).toMatchObject({ route: "live", model: "llm" });
    const firstOfIndex = (index: number) =>
      chunks.find((chunk) => chunk.choices[0]?.index === index).choices[0];
    expect(firstOfIndex(0).delta).toEqual({ role: "assistant", content: "" });
    expect(firstOfIndex(1).delta).toEqual({ role: "assistant", content: "" });
    expect(textsByIndex(chunks, (choice) => choice.delta?.content)).toEqual([
      [0, ANSWER],
      [1, ANSWER],
    ]);
    const finishes = chunks
      .filter((chunk) => chunk.choices[0]?.finish_reason != null)
      .map((chunk) => [chunk.choices[0].index, chunk.choices[0].finish_reason]);
    expect(finishes).toEqual([
      [0, "stop"],
      [1, "stop"],
    ]);
    // The fast choice's first piece, and its whole answer, arrive while the slow one is
    // still writing: a router that waited for both sends everything at once.
    const fastFirst = arrivalOf(arrived, (event) => event.choices[0]?.delta?.content === "one ");
    const fastDone = arrivalOf(arrived, (event) => event.choices[0]?.finish_reason != null);
    const slowDone = arrivalOf(
      arrived,
      (event) => event.choices[0]?.index === 1 && event.choices[0]?.finish_reason != null,
    );
    expect(slowDone - fastFirst).toBeGreaterThan(3 * SLOW_MS);
    expect(slowDone - fastDone).toBeGreaterThan(3 * SLOW_MS);
    // Interleaved: some of the slow choice's content comes before the fast one finishes.
    const slowFirst = arrivalOf(
      arrived,
      (event) => event.choices[0]?.index === 1 && event.choices[0]?.delta?.content === "one ",
    );
    expect(slowFirst).toBeLessThan(slowDone);
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    // Each call counted its prompt (one word) and six words of answer.
    expect(usage.usage).toEqual({ prompt_tokens: 2, completion_tokens: 12, total_tokens: 14 });
    const row = await loggedRow(chunks[0].modelscout.request_id);
    expect(row).toMatchObject({
      status: 200,
      error_code: null,
      output_text: ANSWER,
      usage: { prompt_tokens: 2, completion_tokens: 12 },
    });
    // The request's latency runs to the slow choice's end; the model's, to every choice's
    // first piece (the slow one's comes after SLOW_MS).
    expect(row.latency_ms).toBeGreaterThan(5 * SLOW_MS);
    expect(row.model_latency_ms).toBeGreaterThanOrEqual(SLOW_MS - 5);
    expect(row.model_latency_ms).toBeLessThan(row.latency_ms - 3 * SLOW_MS);
  });

  it("ends the stream with an error event when one choice breaks midway, and stops the other", async () => {
    const abandonedBefore = upstream.streams.abandoned;
    const { events } = await streamed("/v1/chat/completions", {
      model: "live",
      messages: [{ role: "user", content: "break" }],
      n: 2,
      seed: 0,
    });
    expect(events).not.toContain("[DONE]");
    const last = events.at(-1);
    expect(last.error).toMatchObject({ type: "server_error", code: "stream_interrupted" });
    const chunks = events.slice(0, -1);
    expect(textsByIndex(chunks, (choice) => choice.delta?.content)).toEqual([
      [0, expect.any(String)],
      [1, "one two "],
    ]);
    // The other choice's call is given up, not left writing to no one.
    expect(await abandoned(abandonedBefore, 1)).toBe(1);
    const row = await loggedRow(chunks[0].modelscout.request_id);
    expect(row).toMatchObject({ status: 502, error_code: "stream_interrupted" });
    // Choice 0's answer as far as it went, as the log keeps choice 0 of n.
    expect(ANSWER.startsWith(row.output_text)).toBe(true);
    expect(row.output_text.length).toBeLessThan(ANSWER.length);
  });

  it("stops every choice's call when the client leaves, logged as 499", async () => {
    const abandonedBefore = upstream.streams.abandoned;
    const client = new AbortController();
    const response = await app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "live",
        messages: [{ role: "user", content: "hold" }],
        n: 2,
        stream: true,
      }),
      signal: client.signal,
    });
    // Both choices write slowly: read their role chunks, then leave.
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (sseEvents(seen).length < 2) {
      const { value } = await reader.read();
      seen += decoder.decode(value, { stream: true });
    }
    const requestId = response.headers.get("x-modelscout-request-id") as string;
    client.abort();
    await reader.cancel();
    const row = await loggedRow(requestId);
    expect(row).toMatchObject({ status: 499, error_code: "client_closed" });
    expect(await abandoned(abandonedBefore, 2)).toBe(2);
  });

  it("still streams n choices of a model that answers whole", async () => {
    const { events } = await streamed("/v1/chat/completions", {
      model: "desk",
      messages: [{ role: "user", content: "hi there" }],
      n: 2,
    });
    expect(events.at(-1)).toBe("[DONE]");
    expect(textsByIndex(events.slice(0, -1), (choice) => choice.delta?.content)).toEqual([
      [0, "desk: hi there"],
      [1, "desk: hi there"],
    ]);
  });
});

describe("OpenAI's SDK reading n choices streamed live", () => {
  it("puts each delta in its choice and gets the summed usage", async () => {
    // The SDK's own requests, answered in process.
    const client = new OpenAI({
      baseURL: "http://router.test/v1",
      apiKey: "unused",
      maxRetries: 0,
      fetch: async (url: string | URL | Request, init?: RequestInit) =>
        app.request(String(url), init as RequestInit),
    });
    const stream = await client.chat.completions.create({
      model: "live",
      messages: [{ role: "user", content: "hello" }],
      n: 2,
      seed: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts = ["", ""];
    const finishes: [number, string][] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        texts[choice.index] += choice.delta.content ?? "";
        if (choice.finish_reason !== null) finishes.push([choice.index, choice.finish_reason]);
      }
      usage = chunk.usage ?? usage;
    }
    expect(texts).toEqual([ANSWER, ANSWER]);
    // The fast choice finishes first: the slow one did not hold it back.
    expect(finishes).toEqual([
      [0, "stop"],
      [1, "stop"],
    ]);
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 12, total_tokens: 14 });
  });
});

describe("several prompts times n streamed live on legacy completions", () => {
  it("relays prompt i's choice k as index i * n + k, the slow one last", async () => {
    const arrived = await streamed("/v1/completions", {
      model: "live",
      prompt: ["prompt a", "prompt b"],
      n: 2,
      seed: 0,
      max_tokens: 64,
      stream_options: { include_usage: true },
    });
    const { events } = arrived;
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1);
    expect(chunks[0].modelscout).toMatchObject({ route: "live", model: "llm" });
    expect(textsByIndex(chunks, (choice) => choice.text)).toEqual([
      [0, `prompt a ${ANSWER}`],
      [1, `prompt a ${ANSWER}`],
      [2, `prompt b ${ANSWER}`],
      [3, `prompt b ${ANSWER}`],
    ]);
    const finished = (index: number) =>
      arrivalOf(
        arrived,
        (event) => event.choices[0]?.index === index && event.choices[0]?.finish_reason != null,
      );
    // Prompt b's second choice (seed 1) is the slow one; the others are done long before it.
    expect(finished(3) - finished(0)).toBeGreaterThan(3 * SLOW_MS);
    expect(finished(3) - finished(2)).toBeGreaterThan(3 * SLOW_MS);
    expect(chunks.at(-1).usage).toEqual({
      prompt_tokens: 8,
      completion_tokens: 32,
      total_tokens: 40,
    });
    const row = await loggedRow(chunks[0].modelscout.request_id);
    expect(row).toMatchObject({ status: 200, output_text: `prompt a ${ANSWER}` });
  });
});
