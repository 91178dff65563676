import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelSource } from "../../src/backends/cancellation.js";
import {
  backoffDelayMs,
  fetchWithRetry,
  type HttpRetryEvent,
  parseRetryAfterMs,
} from "../../src/http/fetch-with-retry.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

let server: FakeOpenAIServer;
beforeAll(async () => {
  server = await startFakeOpenAIServer();
});
afterAll(async () => {
  await server.close();
});

describe("parseRetryAfterMs and backoffDelayMs", () => {
  it("reads delay-seconds and HTTP dates, and ignores garbage", () => {
    expect(parseRetryAfterMs("2")).toBe(2000);
    expect(parseRetryAfterMs("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfterMs("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
    expect(parseRetryAfterMs(null)).toBeUndefined();
  });

  it("doubles the ceiling per attempt, stays within [ceiling/2, ceiling] and under the cap", () => {
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, policy, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(400);
    expect(backoffDelayMs(10, policy, () => 1)).toBe(1000);
  });
});

describe("fetchWithRetry", () => {
  const post = {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"input":"x"}',
  };

  it("returns a non-retryable status at once, with its body", async () => {
    server.script({ kind: "status", status: 400, message: "bad input" });
    const outcome = await fetchWithRetry(`${server.url}/v1/embeddings`, post);
    expect(outcome).toMatchObject({ kind: "response", status: 400, attempts: 1 });
    expect(outcome.kind === "response" && JSON.parse(outcome.text).error.message).toBe("bad input");
  });

  it("re-sends the same body on each retry and reports each wait", async () => {
    const events: HttpRetryEvent[] = [];
    const before = server.requests.length;
    server.script(
      { kind: "status", status: 502 },
      { kind: "status", status: 429, retryAfter: "0" },
    );
    const outcome = await fetchWithRetry(`${server.url}/v1/embeddings`, post, {
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 10 },
      onRetry: (event) => events.push(event),
    });
    expect(outcome).toMatchObject({ kind: "response", status: 200, attempts: 3 });
    expect(events.map((event) => [event.attempt, event.status])).toEqual([
      [1, 502],
      [2, 429],
    ]);
    const bodies = server.requests.slice(before).map((request) => request.body);
    expect(bodies).toEqual([{ input: "x" }, { input: "x" }, { input: "x" }]);
  });

  it("returns the last retryable answer when retries run out", async () => {
    server.script({ kind: "status", status: 503 }, { kind: "status", status: 503 });
    const outcome = await fetchWithRetry(`${server.url}/v1/embeddings`, post, {
      retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(outcome).toMatchObject({ kind: "response", status: 503, attempts: 2 });
  });

  it("reports a timeout as an outcome, not an exception", async () => {
    server.script({ kind: "hang" });
    const outcome = await fetchWithRetry(`${server.url}/v1/embeddings`, post, {
      timeoutMs: 100,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(outcome).toMatchObject({ kind: "timeout", timeoutMs: 100, attempts: 1 });
  });

  it("rejects with the caller's reason when the caller's signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("not now"));
    await expect(
      fetchWithRetry(`${server.url}/v1/embeddings`, post, { signal: controller.signal }),
    ).rejects.toThrow("not now");
  });

  it("stops a fetch when a caller's signal that is not an AbortSignal fires", async () => {
    server.script({ kind: "hang" });
    const caller = new CancelSource();
    const running = fetchWithRetry(`${server.url}/v1/embeddings`, post, {
      signal: caller,
      timeoutMs: 5000,
    });
    setTimeout(() => caller.abort(new Error("client left")), 50);
    await expect(running).rejects.toThrow("client left");
  });
});
