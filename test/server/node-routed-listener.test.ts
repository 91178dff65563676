/**
 * `nodeRoutedListener` runs an answer's `sent` work (the routing server's request log) once,
 * after the answer is written, and also when the client has gone before it could be written,
 * so no routed request goes unlogged (docs/decisions/0032); a streamed answer that is never
 * written is cancelled, so the model's stream stops (ADR 0033). Real sockets, real `node:http`.
 */
import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { EndpointAnswer, RoutedEndpoints } from "../../src/server/create-routing-app.js";
import { nodeRoutedListener } from "../../src/server/node-routed-listener.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  if (server !== undefined) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(answer: () => Promise<EndpointAnswer>): Promise<number> {
  const endpoints: RoutedEndpoints = {
    chatCompletions: answer,
    completions: answer,
    responses: answer,
    embeddings: answer,
    task: answer,
  };
  const listener = nodeRoutedListener(endpoints, (_request, response) => {
    response.writeHead(404).end();
  });
  server = createServer(listener);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

function post(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      { host: "127.0.0.1", port, path: "/v1/chat/completions", method: "POST" },
      (response) => {
        let body = "";
        response.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    call.on("error", reject);
    call.end("{}");
  });
}

/**
 * Serves `answer` only after the client has sent its request and left: the server has the
 * request once its answer is pending, then the client goes, then the answer is released.
 */
async function clientLeavesBefore(answer: EndpointAnswer): Promise<void> {
  let arrived = false;
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const port = await serve(async () => {
    arrived = true;
    await held;
    return answer;
  });
  const call = httpRequest({ host: "127.0.0.1", port, path: "/v1/tasks/x", method: "POST" });
  call.on("error", () => {}); // destroyed on purpose
  call.end("{}");
  await expect.poll(() => arrived, { timeout: 2000, interval: 10 }).toBe(true);
  call.destroy();
  await new Promise((resolve) => setTimeout(resolve, 50));
  release?.();
}

describe("nodeRoutedListener", () => {
  it("runs `sent` once, after the answer has been handed to the connection", async () => {
    const events: string[] = [];
    const port = await serve(async () => {
      events.push("answered");
      return {
        status: 200,
        type: "application/json",
        headers: {},
        body: '{"ok":true}',
        sent: { run: () => events.push("sent") },
      };
    });
    const answer = await post(port);
    expect(answer).toEqual({ status: 200, body: '{"ok":true}' });
    expect(events).toEqual(["answered", "sent"]);
  });

  it("runs `sent` when the client left before the answer could be written", async () => {
    let sent = 0;
    await clientLeavesBefore({
      status: 200,
      type: "application/json",
      headers: {},
      body: "{}",
      sent: {
        run: () => {
          sent += 1;
        },
      },
    });
    await expect.poll(() => sent, { timeout: 2000, interval: 10 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toBe(1);
  });

  it("cancels a streamed answer the client left before it could be written", async () => {
    let cancelled: unknown;
    await clientLeavesBefore({
      status: 200,
      type: "text/event-stream",
      headers: {},
      // A model's stream: cancelling it is what stops the model and frees its slot.
      body: new ReadableStream<Uint8Array>({
        cancel(reason) {
          cancelled = reason;
        },
      }),
      sent: undefined,
    });
    await expect.poll(() => cancelled, { timeout: 2000, interval: 10 }).toBeInstanceOf(Error);
  });

  it("answers 500 and runs `sent` when Node refuses the answer's head", async () => {
    let sent = 0;
    const port = await serve(async () => ({
      status: 200,
      // Node refuses a header value with a newline: writeHead throws.
      type: "application/json",
      headers: { "x-bad": "a\nb" },
      body: "{}",
      sent: {
        run: () => {
          sent += 1;
        },
      },
    }));
    const answer = await post(port);
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { type: "server_error" } });
    expect(sent).toBe(1);
  });
});
