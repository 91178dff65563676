import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retryHttp } from "../../src/http/fetch-with-retry.js";
import { requestWithRetry, undiciAttempt } from "../../src/http/undici-request.js";
import { runHttpTransportContract } from "./http-transport.contract.js";

// Over http: with a text body, requestWithRetry sends through the lean client (ADR 0087);
// undici's attempt still carries https:, bytes and what the lean client will not send.
runHttpTransportContract("requestWithRetry (lean HTTP/1.1 client over http:)", requestWithRetry);
runHttpTransportContract("undici dispatcher", (url, init, options) =>
  retryHttp(undiciAttempt(url, init), options),
);

/** Answers with what it saw: the client's port (socket reuse), method, headers, body. */
let mirror: Server;
let mirrorUrl: string;

beforeAll(async () => {
  mirror = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/redirect") {
        response.writeHead(307, { location: "/elsewhere" });
        response.end();
        return;
      }
      response.writeHead(200, {
        "content-type": "application/json",
        "X-Custom": "yes",
        "X-Twice": ["a", "b"],
        // UTF-8 bytes, sent as Node sends header strings: one byte per character.
        "X-Text": Buffer.from("café").toString("latin1"),
      });
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
  mirror.closeAllConnections();
  await new Promise((resolve) => mirror.close(resolve));
});

describe("requestWithRetry", () => {
  it("asks for no compression and reads answer headers case-insensitively", async () => {
    const outcome = await requestWithRetry(`${mirrorUrl}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(outcome.kind).toBe("response");
    if (outcome.kind !== "response") return;
    const seen = JSON.parse(outcome.text);
    expect(seen.method).toBe("POST");
    expect(seen.headers["accept-encoding"]).toBeUndefined();
    expect(outcome.headers.get("X-CUSTOM")).toBe("yes");
    expect(outcome.headers.get("x-custom")).toBe("yes");
    // As `Headers.get` and undici's own parsing give them: repeats joined, values as UTF-8.
    expect(outcome.headers.get("x-twice")).toBe("a, b");
    expect(outcome.headers.get("x-text")).toBe("café");
    expect(outcome.headers.get("x-missing")).toBeNull();
  });

  it("reuses kept-alive connections instead of opening one per request", async () => {
    // (undici marks a connection free on the tick after its answer ends, so a request sent
    // straight after the previous one's answer took a second one; the lean client takes one.)
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
