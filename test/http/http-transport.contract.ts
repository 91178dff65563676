/**
 * The contract both HTTP transports pass: `fetchWithRetry` (fetch; the Hub and Inference
 * Providers) and `requestWithRetry` (undici's dispatcher; the OpenAI-compatible backends).
 * They share the retry loop (`retryHttp`) but not the attempt, so what an attempt must do
 * (send the body as given, time out, fail on a reset or refused connection, stop at the
 * caller's abort) is checked against each. Run it from a `*.test.ts` with the transport; each
 * file keeps the tests of what only its transport does (redirects, connection reuse, URL
 * credentials, an injected `fetch`).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancelSource } from "../../src/backends/cancellation.js";
import type {
  HttpOutcome,
  HttpRetryEvent,
  HttpRetryOptions,
  ResponseHeaders,
} from "../../src/http/fetch-with-retry.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

/** One transport, seen through what both take: a method, plain headers and a string body. */
export type HttpTransport = (
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string },
  options?: HttpRetryOptions,
) => Promise<HttpOutcome<ResponseHeaders>>;

const noRetry = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 };

export function runHttpTransportContract(name: string, send: HttpTransport): void {
  describe(`HTTP transport contract: ${name}`, () => {
    let server: FakeOpenAIServer;
    beforeAll(async () => {
      server = await startFakeOpenAIServer();
    });
    afterAll(async () => {
      await server.close();
    });

    const post = (body = '{"input":"x"}') => ({
      method: "POST" as const,
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body,
    });

    it("sends the method, headers and UTF-8 body as given", async () => {
      const before = server.requests.length;
      const body = JSON.stringify({ input: "где моя посылка 我的包裹" });
      const outcome = await send(`${server.url}/v1/embeddings`, post(body));
      expect(outcome).toMatchObject({ kind: "response", status: 200, attempts: 1 });
      const seen = server.requests.slice(before);
      expect(seen).toHaveLength(1);
      expect(seen[0]?.body).toEqual({ input: "где моя посылка 我的包裹" });
      expect(seen[0]?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
      expect(seen[0]?.headers.authorization).toBe("Bearer k");
    });

    it("returns a non-retryable status at once, with its body and headers", async () => {
      server.script({ kind: "status", status: 400, message: "bad input" });
      const outcome = await send(`${server.url}/v1/embeddings`, post());
      expect(outcome).toMatchObject({ kind: "response", status: 400, attempts: 1 });
      if (outcome.kind !== "response") return;
      expect(JSON.parse(outcome.text).error.message).toBe("bad input");
      expect(outcome.headers.get("Content-Type")).toBe("application/json");
      expect(outcome.headers.get("retry-after")).toBeNull();
    });

    it("retries 502 and 429 (Retry-After), re-sending the same body, and reports each wait", async () => {
      const events: HttpRetryEvent[] = [];
      const before = server.requests.length;
      server.script(
        { kind: "status", status: 502 },
        { kind: "status", status: 429, retryAfter: "0" },
      );
      const outcome = await send(`${server.url}/v1/embeddings`, post(), {
        retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 10 },
        onRetry: (event) => events.push(event),
      });
      expect(outcome).toMatchObject({ kind: "response", status: 200, attempts: 3 });
      expect(events.map((event) => [event.attempt, event.status, event.retryAfterMs])).toEqual([
        [1, 502, undefined],
        [2, 429, 0],
      ]);
      const bodies = server.requests.slice(before).map((request) => request.body);
      expect(bodies).toEqual([{ input: "x" }, { input: "x" }, { input: "x" }]);
    });

    it("returns the last retryable answer when retries run out", async () => {
      server.script({ kind: "status", status: 503 }, { kind: "status", status: 503 });
      const outcome = await send(`${server.url}/v1/embeddings`, post(), {
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 },
      });
      expect(outcome).toMatchObject({ kind: "response", status: 503, attempts: 2 });
    });

    it("reports a timeout as an outcome, and a reset connection as a network failure", async () => {
      server.script({ kind: "hang" });
      const timedOut = await send(`${server.url}/v1/embeddings`, post(), {
        timeoutMs: 100,
        retry: noRetry,
      });
      expect(timedOut).toMatchObject({ kind: "timeout", timeoutMs: 100, attempts: 1 });

      server.script({ kind: "reset" });
      const reset = await send(`${server.url}/v1/embeddings`, post(), { retry: noRetry });
      expect(reset).toMatchObject({ kind: "network", attempts: 1 });
    });

    it("names ECONNREFUSED for a closed port", async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const outcome = await send(
        `http://127.0.0.1:${port}/v1/models`,
        { method: "GET", headers: {} },
        { retry: noRetry },
      );
      expect(outcome).toMatchObject({ kind: "network", reason: "ECONNREFUSED" });
    });

    it("rejects with the caller's reason when the caller's signal is already aborted", async () => {
      const before = server.requests.length;
      const controller = new AbortController();
      controller.abort(new Error("not now"));
      await expect(
        send(`${server.url}/v1/embeddings`, post(), { signal: controller.signal }),
      ).rejects.toThrow("not now");
      expect(server.requests.length).toBe(before);
    });

    it("stops at once with the caller's reason when an AbortSignal fires mid-request", async () => {
      server.script({ kind: "hang" });
      const controller = new AbortController();
      const startedAt = Date.now();
      setTimeout(() => controller.abort(new Error("client went away")), 50);
      await expect(
        send(`${server.url}/v1/embeddings`, post(), {
          signal: controller.signal,
          timeoutMs: 5_000,
        }),
      ).rejects.toThrow("client went away");
      expect(Date.now() - startedAt).toBeLessThan(2_000);
    });

    it("stops when a caller's signal that is not an AbortSignal fires mid-request", async () => {
      server.script({ kind: "hang" });
      const caller = new CancelSource();
      const startedAt = Date.now();
      setTimeout(() => caller.abort(new Error("client left")), 50);
      await expect(
        send(`${server.url}/v1/embeddings`, post(), { signal: caller, timeoutMs: 5_000 }),
      ).rejects.toThrow("client left");
      expect(Date.now() - startedAt).toBeLessThan(2_000);
    });
  });
}
