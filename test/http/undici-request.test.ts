import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpRetryEvent } from "../../src/http/fetch-with-retry.js";
import { requestWithRetry } from "../../src/http/undici-request.js";
import { type FakeOpenAIServer, startFakeOpenAIServer } from "../support/fake-openai-server.js";

let server: FakeOpenAIServer;
/** Answers with what it saw: the client's port (socket reuse), method, headers, body. */
let mirror: Server;
let mirrorUrl: string;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  mirror = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/redirect") {
        response.writeHead(307, { location: "/elsewhere" });
        response.end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json", "X-Custom": "yes" });
      response.end(
        JSON.stringify({
          port: request.socket.remotePort,
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => mirror.listen(0, "127.0.0.1", resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server.close();
  mirror.closeAllConnections();
  await new Promise((resolve) => mirror.close(resolve));
});

const post = {
  method: "POST" as const,
  headers: { "content-type": "application/json" },
  body: '{"input":"x"}',
};

describe("requestWithRetry (undici dispatcher)", () => {
  it("sends method, headers and a UTF-8 body with its byte length, and reads headers case-insensitively", async () => {
    const body = JSON.stringify({ text: "где моя посылка 我的包裹" });
    const outcome = await requestWithRetry(`${mirrorUrl}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer k" },
      body,
    });
    expect(outcome.kind).toBe("response");
    if (outcome.kind !== "response") return;
    const seen = JSON.parse(outcome.text);
    expect(seen.method).toBe("POST");
    expect(seen.body).toBe(body);
    expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(seen.headers.authorization).toBe("Bearer k");
    expect(seen.headers["accept-encoding"]).toBeUndefined();
    expect(outcome.headers.get("X-CUSTOM")).toBe("yes");
    expect(outcome.headers.get("retry-after")).toBeNull();
  });

  it("reuses kept-alive connections instead of opening one per request", async () => {
    // undici marks a connection free on the tick after its answer ends, so a request sent
    // straight after the previous one's answer takes a second connection; the two alternate.
    const ports: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const outcome = await requestWithRetry(`${mirrorUrl}/echo`, { method: "GET", headers: {} });
      if (outcome.kind === "response") ports.push(JSON.parse(outcome.text).port);
    }
    expect(ports).toHaveLength(6);
    expect(new Set(ports).size).toBeLessThanOrEqual(2);
  });

  it("returns a redirect as the answer instead of following it", async () => {
    const outcome = await requestWithRetry(`${mirrorUrl}/redirect`, { method: "GET", headers: {} });
    expect(outcome).toMatchObject({ kind: "response", status: 307, attempts: 1 });
  });

  it("retries 502 and 429 (Retry-After), re-sending the same body, and reports each wait", async () => {
    const events: HttpRetryEvent[] = [];
    const before = server.requests.length;
    server.script(
      { kind: "status", status: 502 },
      { kind: "status", status: 429, retryAfter: "0" },
    );
    const outcome = await requestWithRetry(`${server.url}/v1/embeddings`, post, {
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

  it("reports a timeout as an outcome, and a reset connection as a network failure", async () => {
    server.script({ kind: "hang" });
    const timedOut = await requestWithRetry(`${server.url}/v1/embeddings`, post, {
      timeoutMs: 100,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(timedOut).toMatchObject({ kind: "timeout", timeoutMs: 100, attempts: 1 });

    server.script({ kind: "reset" });
    const reset = await requestWithRetry(`${server.url}/v1/embeddings`, post, {
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(reset).toMatchObject({ kind: "network", attempts: 1 });
  });

  it("names ECONNREFUSED for a closed port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await requestWithRetry(
      `http://127.0.0.1:${port}/v1/models`,
      { method: "GET", headers: {} },
      { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    expect(outcome).toMatchObject({ kind: "network", reason: "ECONNREFUSED" });
  });

  it("stops at once with the caller's reason when the caller aborts mid-request", async () => {
    server.script({ kind: "hang" });
    const controller = new AbortController();
    const startedAt = Date.now();
    setTimeout(() => controller.abort(new Error("client went away")), 50);
    await expect(
      requestWithRetry(`${server.url}/v1/embeddings`, post, {
        signal: controller.signal,
        timeoutMs: 5_000,
      }),
    ).rejects.toThrow("client went away");
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it("sends a URL's path, query and credentials, the same on a repeat call to that URL", async () => {
    const url = `${mirrorUrl.replace("http://", "http://us%20er:p%40ss@")}/v1/x?y=1&z=%C3%A9`;
    for (let call = 0; call < 2; call += 1) {
      const outcome = await requestWithRetry(url, { method: "GET", headers: {} });
      if (outcome.kind !== "response") throw new Error(`no answer: ${outcome.kind}`);
      const seen = JSON.parse(outcome.text);
      expect(seen.url).toBe("/v1/x?y=1&z=%C3%A9");
      expect(seen.headers.authorization).toBe(
        `Basic ${Buffer.from("us er:p@ss").toString("base64")}`,
      );
    }
  });

  it("sends the caller's own authorization header instead of the URL's credentials", async () => {
    const url = `${mirrorUrl.replace("http://", "http://user:secret@")}/v1/x`;
    const outcome = await requestWithRetry(url, {
      method: "GET",
      headers: { authorization: "Bearer k" },
    });
    if (outcome.kind !== "response") throw new Error(`no answer: ${outcome.kind}`);
    expect(JSON.parse(outcome.text).headers.authorization).toBe("Bearer k");
  });

  it("refuses a URL that is not http or https", () => {
    expect(() => requestWithRetry("file:///etc/passwd", { method: "GET", headers: {} })).toThrow(
      "Only http: and https:",
    );
  });
});
