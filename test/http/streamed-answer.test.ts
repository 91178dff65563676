/**
 * The streamed transports a backend reads server-sent events through (`StreamedAnswer`):
 * undici's dispatcher (`undiciStreamRequest`) and a caller's `fetch` (`fetchStreamedAnswer`)
 * pass the same cases. A chunk is readable as soon as it arrives, an abort rejects the
 * pending call with its reason and closes the connection, an error answer's body is
 * readable, and a reader slower than the server loses nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fetchStreamedAnswer,
  openStreamedAnswer,
  type StreamedAnswer,
  type UndiciRequestInit,
  undiciStreamRequest,
} from "../../src/http/undici-request.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let baseUrl: string;
const handlers = new Map<string, Handler>();
/** Requests whose connection closed before their answer ended, by path. */
const closedEarly: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    response.on("close", () => {
      if (!response.writableFinished) closedEarly.push(request.url ?? "");
    });
    request.resume();
    request.on("end", () => handlers.get(request.url ?? "")?.(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const INIT: UndiciRequestInit = {
  method: "POST",
  headers: { accept: "text/event-stream" },
  body: "{}",
};

const text = (chunk: Uint8Array | null) =>
  chunk === null ? null : Buffer.from(chunk).toString("utf8");

async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(condition()).toBe(true);
}

const TRANSPORTS: [string, (path: string, signal: AbortSignal) => Promise<StreamedAnswer>][] = [
  ["undici dispatcher", (path, signal) => undiciStreamRequest(`${baseUrl}${path}`, INIT, signal)],
  [
    "caller's fetch",
    (path, signal) => fetchStreamedAnswer(globalThis.fetch, `${baseUrl}${path}`, INIT, signal),
  ],
];

describe.each(TRANSPORTS)("StreamedAnswer through %s", (name, send) => {
  const path = (what: string) => `/${name.replace(/\W+/g, "-")}/${what}`;

  it("gives each chunk as it arrives, before the answer ends", async () => {
    let proceed: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      proceed = resolve;
    });
    handlers.set(path("paced"), (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream", "x-model": "m" });
      response.write("data: one\n\n");
      void released.then(() => response.end("data: two\n\n"));
    });
    const answer = await send(path("paced"), new AbortController().signal);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("X-Model")).toBe("m");
    // Would wait for ever if the transport held chunks until the end.
    expect(text(await answer.read())).toBe("data: one\n\n");
    proceed();
    expect(text(await answer.read())).toBe("data: two\n\n");
    expect(await answer.read()).toBeNull();
  });

  it("reads an error answer's body", async () => {
    handlers.set(path("busy"), (_request, response) => {
      response.writeHead(503, { "content-type": "application/json" });
      response.end('{"error":{"message":"busy"}}');
    });
    const answer = await send(path("busy"), new AbortController().signal);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toBe('{"error":{"message":"busy"}}');
  });

  it("rejects with the abort's reason while waiting for headers, and closes the connection", async () => {
    handlers.set(path("silent"), () => {});
    const controller = new AbortController();
    const answer = send(path("silent"), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reason = new Error("the router gave up");
    controller.abort(reason);
    await expect(answer).rejects.toBe(reason);
    await until(() => closedEarly.includes(path("silent")));
  });

  it("rejects the pending read with the abort's reason mid-answer, and closes the connection", async () => {
    handlers.set(path("endless"), (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: first\n\n");
    });
    const controller = new AbortController();
    const answer = await send(path("endless"), controller.signal);
    expect(text(await answer.read())).toBe("data: first\n\n");
    const pending = answer.read();
    const reason = new Error("idle for too long");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await until(() => closedEarly.includes(path("endless")));
  });

  it("sends nothing when the signal has already aborted", async () => {
    let reached = false;
    handlers.set(path("never"), (_request, response) => {
      reached = true;
      response.end();
    });
    const controller = new AbortController();
    const reason = new Error("cancelled before the call");
    controller.abort(reason);
    await expect(send(path("never"), controller.signal)).rejects.toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reached).toBe(false);
  });

  it("loses nothing when the reader is slower than the server", async () => {
    const lines = Array.from(
      { length: 400 },
      (_, index) => `data: ${index} ${"x".repeat(1000)}\n\n`,
    );
    handlers.set(path("flood"), (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      // One write per turn of the event loop, so they arrive as many chunks.
      const writeFrom = (index: number) => {
        if (index === lines.length) {
          response.end();
          return;
        }
        response.write(lines[index]);
        setImmediate(() => writeFrom(index + 1));
      };
      writeFrom(0);
    });
    const answer = await send(path("flood"), new AbortController().signal);
    // Everything arrives before the first read: the transport holds it, or pauses the socket.
    await new Promise((resolve) => setTimeout(resolve, 300));
    let received = "";
    let reads = 0;
    for (let chunk = await answer.read(); chunk !== null; chunk = await answer.read()) {
      received += text(chunk);
      reads += 1;
      if (reads % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(received).toBe(lines.join(""));
  });
});

describe.each([
  ["undici dispatcher", undefined],
  ["caller's fetch", globalThis.fetch],
])("openStreamedAnswer through %s", (_name, fetchImpl) => {
  /** The outcome handed to the caller's error, thrown back as its `cause`. */
  const outcomeOf = async (url: string) => {
    const error = await openStreamedAnswer(
      url,
      INIT,
      new AbortController().signal,
      (outcome) => new Error("failed", { cause: outcome }),
      fetchImpl,
    ).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(Error);
    return (error as Error).cause;
  };

  it("opens a 2xx answer, and throws the caller's error for any other before its body", async () => {
    handlers.set("/open/ok", (_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.end("data: one\n\n");
    });
    handlers.set("/open/refused", (_request, response) => {
      response.writeHead(400, { "content-type": "application/json" });
      response.end('{"error":{"message":"context too long"}}');
    });
    const answer = await openStreamedAnswer(
      `${baseUrl}/open/ok`,
      INIT,
      new AbortController().signal,
      () => new Error("not expected"),
      fetchImpl,
    );
    expect(text(await answer.read())).toBe("data: one\n\n");
    expect(await outcomeOf(`${baseUrl}/open/refused`)).toEqual(
      expect.objectContaining({
        kind: "response",
        status: 400,
        text: '{"error":{"message":"context too long"}}',
        attempts: 1,
      }),
    );
    // A port nothing listens on: closed as soon as it is opened.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await outcomeOf(`http://127.0.0.1:${port}/`)).toEqual(
      expect.objectContaining({ kind: "network", attempts: 1 }),
    );
  });
});
