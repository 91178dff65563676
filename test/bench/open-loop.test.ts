/**
 * The router benchmarks' load generator (`bench/loadgen/open-loop.c`): its figures are the
 * ones the docs quote, so it is checked against a server whose delays are known. Counts and
 * ordering are asserted, never speed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOpenLoop } from "../../bench/loadgen/open-loop.js";

let server: Server;
let port: number;
const seenBodies: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seenBodies.push(Buffer.concat(chunks).toString("utf8"));
      if (request.url === "/slow") {
        // Answers 20 ms late, in chunked encoding (no Content-Length).
        setTimeout(() => {
          response.writeHead(200, { "content-type": "text/plain" });
          response.write("part one, ");
          response.end("part two");
        }, 20);
        return;
      }
      if (request.url === "/closing") {
        // Says it closes the connection after each answer, as Node does after a 408.
        setTimeout(() => {
          response.writeHead(200, { "content-type": "application/json", connection: "close" });
          response.end('{"ok":true}');
        }, 2);
        return;
      }
      if (request.url === "/missing") {
        response.writeHead(404, { "content-type": "application/json" });
        response.end('{"error":"no"}');
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("open-loop load generator", () => {
  it("schedules rate x seconds requests, measures only the period after the warm-up, and sends the body", async () => {
    seenBodies.length = 0;
    const { summary, latenciesMs, lastAnswerMs } = await runOpenLoop({
      port,
      path: "/fast",
      body: '{"hello":"world"}',
      rate: 200,
      seconds: 1,
      warmup: 0.5,
      connections: 8,
    });
    expect(summary.sent).toBe(300);
    expect(summary.answered).toBe(300);
    expect(summary.measured).toBe(200);
    expect(latenciesMs).toHaveLength(200);
    expect(summary.non2xx + summary.failedConnections + summary.unanswered).toBe(0);
    expect(seenBodies).toHaveLength(300);
    expect(new Set(seenBodies)).toEqual(new Set(['{"hello":"world"}']));
    expect(latenciesMs).toEqual([...latenciesMs].sort((a, b) => a - b));
    // The last of 200 requests at 200/s is scheduled 995 ms into the period.
    expect(lastAnswerMs).toBeGreaterThanOrEqual(995);
  }, 30_000);

  it("reads chunked answers, and charges a request for time spent waiting for a connection", async () => {
    // 100 req/s on 1 connection to a server that takes 20 ms: requests queue behind each
    // other, and their latency (from the scheduled time) grows well past the 20 ms service.
    const { summary, latenciesMs, lastAnswerMs } = await runOpenLoop({
      port,
      path: "/slow",
      body: "{}",
      rate: 100,
      seconds: 0.5,
      warmup: 0,
      connections: 1,
    });
    expect(summary.answered).toBe(50);
    expect(latenciesMs).toHaveLength(50);
    expect(summary.waitedForConnection).toBeGreaterThan(0);
    // The server's 20 ms timer counts from libuv's cached loop time, which can lag the real
    // clock by up to a millisecond, so the first answer may come after 19.x ms (seen: 19.89).
    expect(latenciesMs[0]).toBeGreaterThanOrEqual(19);
    expect(latenciesMs.at(-1)).toBeGreaterThan(200);
    // 50 answers of 20 ms each, one at a time: the queue drains well after the 0.5 s schedule.
    expect(lastAnswerMs).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it("does not reuse a connection whose answer said Connection: close", async () => {
    // One connection and a queue: each next request goes out as soon as an answer is in,
    // which on the closing connection would be lost.
    const { summary, latenciesMs } = await runOpenLoop({
      port,
      path: "/closing",
      body: "{}",
      rate: 500,
      seconds: 0.1,
      warmup: 0,
      connections: 1,
    });
    expect(summary.failedConnections).toBe(0);
    expect(summary.answered).toBe(50);
    expect(latenciesMs).toHaveLength(50);
  }, 30_000);

  it("counts non-2xx answers and leaves them out of the latencies", async () => {
    const { summary, latenciesMs } = await runOpenLoop({
      port,
      path: "/missing",
      body: "{}",
      rate: 100,
      seconds: 0.3,
      warmup: 0,
      connections: 4,
    });
    expect(summary.answered).toBe(30);
    expect(summary.non2xx).toBe(30);
    expect(latenciesMs).toHaveLength(0);
  }, 30_000);
});
