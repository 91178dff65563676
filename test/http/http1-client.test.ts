/**
 * The lean HTTP/1.1 client (ADR 0087) against real servers on loopback: Node's own, and raw
 * TCP servers that answer with exactly the bytes a test gives, for what Node's server never
 * sends (a body framed by the connection's end, garbage, an answer cut short, bytes after
 * the answer). The shared transport contract (`http-transport.contract.ts`) runs it through
 * `requestWithRetry` in undici-request.test.ts.
 */
import { spawn } from "node:child_process";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type Server } from "node:http";
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CancelSource } from "../../src/backends/cancellation.js";
import { HttpAttemptTimeout } from "../../src/http/fetch-with-retry.js";
import {
  type Http1Target,
  http1Attempt,
  http1RequestText,
  http1Target,
  idleConnections,
} from "../../src/http/http1-client.js";
import { requestWithRetry } from "../../src/http/undici-request.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A Node.js server that answers with its connection's number and the body it got. */
async function nodeServer(configure: (server: Server) => void = () => {}) {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (request.url === "/chunked") {
        response.writeHead(200, { "content-type": "text/plain" });
        response.write("part one, ");
        setTimeout(() => response.end("part two"), 5);
        return;
      }
      if (request.url === "/hang") return;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ connection: (request.socket as Socket & { n?: number }).n, body }),
      );
    });
  });
  server.on("connection", (socket: Socket & { n?: number }) => {
    connections += 1;
    socket.n = connections;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  configure(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { url, connections: () => connections, open: () => sockets.size };
}

/** A TCP server that answers each request (read up to its blank line) with `answer`. */
async function rawServer(answer: (socket: Socket, index: number) => void) {
  let requests = 0;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let buffered = "";
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      while (buffered.includes("\r\n\r\n")) {
        const end = buffered.indexOf("\r\n\r\n") + 4;
        const length = /content-length: (\d+)/i.exec(buffered.slice(0, end));
        const total = end + (length === null ? 0 : Number(length[1]));
        if (buffered.length < total) return;
        buffered = buffered.slice(total);
        answer(socket, requests);
        requests += 1;
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return { url, connections: () => connections };
}

function targetOf(url: URL, path = "/"): Http1Target {
  return http1Target(new URL(path, url)) as Http1Target;
}

function send(
  url: URL,
  path: string,
  body: string | undefined,
  timeoutMs = 5_000,
  signal?: CancelSource,
) {
  const target = targetOf(url, path);
  const text = http1RequestText(
    target,
    body === undefined ? "GET" : "POST",
    { "content-type": "application/json" },
    body,
  ) as string;
  return http1Attempt(target, text)(timeoutMs, signal);
}

describe("http1Attempt against Node's server", () => {
  it("sends the body and reuses one kept-alive connection for requests one after another", async () => {
    const server = await nodeServer();
    for (let index = 0; index < 5; index += 1) {
      const answer = await send(server.url, "/v1/x", JSON.stringify({ index, text: "包裹 é" }));
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({
        connection: 1,
        body: JSON.stringify({ index, text: "包裹 é" }),
      });
    }
    expect(server.connections()).toBe(1);
    expect(idleConnections(targetOf(server.url))).toBe(1);
  });

  it("answers requests in flight together, each with its own", async () => {
    const server = await nodeServer();
    const bodies = Array.from({ length: 30 }, (_, index) => JSON.stringify({ index }));
    const answers = await Promise.all(bodies.map((body) => send(server.url, "/", body)));
    expect(answers.map((answer) => JSON.parse(answer.text).body)).toEqual(bodies);
    expect(server.connections()).toBeLessThanOrEqual(30);
    // Each connection is idle again, and kept.
    expect(idleConnections(targetOf(server.url))).toBe(server.connections());
  });

  it("tells its diagnostics channels of each request and answer", async () => {
    const server = await nodeServer();
    const seen: string[] = [];
    const onRequest = (message: unknown) => {
      seen.push(`request ${(message as { text: string }).text.split("\r\n")[0]}`);
    };
    const onAnswer = (message: unknown) =>
      seen.push(`answer ${(message as { status: number }).status}`);
    subscribe("modelscout:http1:request", onRequest);
    subscribe("modelscout:http1:answer", onAnswer);
    try {
      await send(server.url, "/v1/x", "{}");
    } finally {
      unsubscribe("modelscout:http1:request", onRequest);
      unsubscribe("modelscout:http1:answer", onAnswer);
    }
    expect(seen).toEqual(["request POST /v1/x HTTP/1.1", "answer 200"]);
  });

  it("reads a chunked answer written in two parts", async () => {
    const server = await nodeServer();
    const answer = await send(server.url, "/chunked", undefined);
    expect(answer.text).toBe("part one, part two");
    expect(answer.headers.get("Content-Type")).toBe("text/plain");
    expect(idleConnections(targetOf(server.url))).toBe(1);
  });

  it("keeps an idle connection 1 s less than the server's Keep-Alive timeout", async () => {
    const server = await nodeServer((node) => {
      node.keepAliveTimeout = 2_100;
    });
    await send(server.url, "/", "{}");
    // Node says `Keep-Alive: timeout=2`: the client closes the idle connection after 1 s,
    // before the server would.
    expect(idleConnections(targetOf(server.url))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(idleConnections(targetOf(server.url))).toBe(0);
    expect(server.open()).toBe(0);
    const again = await send(server.url, "/", "{}");
    expect(JSON.parse(again.text).connection).toBe(2);
  });

  it("does not keep a connection the server's keep-alive timeout leaves no time to reuse", async () => {
    const server = await nodeServer((node) => {
      node.keepAliveTimeout = 1_000;
    });
    await send(server.url, "/", "{}");
    expect(idleConnections(targetOf(server.url))).toBe(0);
    await send(server.url, "/", "{}");
    expect(server.connections()).toBe(2);
  });

  it("closes the connection when its attempt times out or is cancelled", async () => {
    const server = await nodeServer();
    const timedOut = await send(server.url, "/hang", "{}", 100).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(HttpAttemptTimeout);
    const cancel = new CancelSource();
    const cancelled = send(server.url, "/hang", "{}", 5_000, cancel).catch(
      (error: unknown) => error,
    );
    setTimeout(() => cancel.abort(new Error("client went away")), 50);
    expect(((await cancelled) as Error).message).toBe("client went away");
    await expect.poll(() => server.open(), { timeout: 2_000 }).toBe(0);
    expect(idleConnections(targetOf(server.url))).toBe(0);
  });
});

describe("http1Attempt against answers Node's server does not send", () => {
  it("opens a new connection after the server closed an idle one without saying when", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      setTimeout(() => socket.end(), 50);
    });
    expect((await send(server.url, "/", "{}")).text).toBe("ok");
    await expect.poll(() => idleConnections(targetOf(server.url)), { timeout: 2_000 }).toBe(0);
    expect((await send(server.url, "/", "{}")).text).toBe("ok");
    expect(server.connections()).toBe(2);
  });

  it("reads a body framed by the connection's end, and does not reuse that connection", async () => {
    const server = await rawServer((socket) => {
      socket.end("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
    });
    expect((await send(server.url, "/", "{}")).text).toBe("until the end");
    expect((await send(server.url, "/", "{}")).text).toBe("until the end");
    expect(server.connections()).toBe(2);
  });

  it("fails an answer cut short, and one that is not HTTP, without reusing the connection", async () => {
    const cut = await rawServer((socket) => {
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
    });
    await expect(send(cut.url, "/", "{}")).rejects.toThrow(
      "the server closed the connection before its answer was complete",
    );
    const silent = await rawServer((socket) => socket.end());
    await expect(send(silent.url, "/", "{}")).rejects.toThrow(
      "the server closed the connection without answering",
    );
    const garbage = await rawServer((socket) => socket.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    await expect(send(garbage.url, "/", "{}")).rejects.toThrow(
      /^the server's answer is not valid HTTP\/1\.1: its status line is "SSH-2\.0-OpenSSH_9\.2"$/,
    );
    expect(idleConnections(targetOf(garbage.url))).toBe(0);
  });

  it("does not reuse a connection that sent bytes after the answer", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n");
    });
    expect((await send(server.url, "/", "{}")).text).toBe("ok");
    expect(idleConnections(targetOf(server.url))).toBe(0);
    expect((await send(server.url, "/", "{}")).text).toBe("ok");
    expect(server.connections()).toBe(2);
  });

  it("skips an interim 100 Continue", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
    });
    expect(await send(server.url, "/", "{}")).toMatchObject({ status: 200, text: "done" });
  });
});

describe("which client requestWithRetry uses", () => {
  it("leaves to undici a header the lean client will not write, and still answers", async () => {
    const target = http1Target(new URL("http://127.0.0.1:1/")) as Http1Target;
    expect(http1RequestText(target, "GET", { "x-note": "café" }, undefined)).toBeNull();
    expect(http1RequestText(target, "GET", { connection: "close" }, undefined)).toBeNull();
    expect(http1RequestText(target, "GET", { "x-a": "1\r\nx-b: 2" }, undefined)).toBeNull();
    expect(http1RequestText(target, "POST", { "x-a": "1" }, "é")).toBe(
      "POST / HTTP/1.1\r\nhost: 127.0.0.1:1\r\nx-a: 1\r\ncontent-length: 2\r\n\r\né",
    );
    const server = await nodeServer();
    const outcome = await requestWithRetry(new URL("/", server.url).href, {
      method: "POST",
      headers: { "content-type": "application/json", "x-note": "café" },
      body: "{}",
    });
    expect(outcome).toMatchObject({ kind: "response", status: 200 });
  });

  it("sends through undici alone when MODELSCOUT_HTTP_CLIENT=undici", async () => {
    // undici asks for a kept-alive connection in a header; the lean client sends none.
    const seen: (string | undefined)[] = [];
    const server = await nodeServer((node) => {
      node.prependListener("request", (request) => seen.push(request.headers.connection));
    });
    const script = `const { requestWithRetry } = await import(${JSON.stringify(new URL("../../src/http/undici-request.ts", import.meta.url).href)});
      const outcome = await requestWithRetry(${JSON.stringify(server.url.href)}, { method: "GET", headers: {} });
      process.exit(outcome.kind === "response" ? 0 : 1);`;
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          ["--import", "tsx", "--input-type=module", "-e", script],
          {
            env: { ...process.env, ...env },
            stdio: "ignore",
          },
        );
        child.on("close", resolve);
      });
    expect(await run({ MODELSCOUT_HTTP_CLIENT: "undici" })).toBe(0);
    expect(await run({ MODELSCOUT_HTTP_CLIENT: undefined })).toBe(0);
    expect(seen).toEqual(["keep-alive", undefined]);
  }, 60_000);
});
