/**
 * The router benchmarks' floor: the least a Node.js proxy can do, with none of the router's
 * work (no parsing beyond JSON, no routing, no log, no deadline, no breaker). It reads the
 * chat body on a `node:http` server, forwards it to `--upstream` through the client the
 * router uses for `http:` model servers (`--client lean`, the default: the lean HTTP/1.1
 * client from `dist/http/http1-client.js`, ADR 0087) or through undici's dispatcher
 * (`--client undici`: the router's client before 2026-12-05, and the floor's in every
 * figure before then; cheaper than `node:http`'s, ADR 0020), and answers with the
 * upstream's body. What it adds over calling the echo server directly is the cost of one
 * more HTTP hop in Node on this machine, which no router in Node with the same client can go
 * below. Prints `LISTENING <url>` (`bench/router-roles.ts`).
 *
 * For `bench/router-ablation.ts`, it can also busy-wait N microseconds at one point of each
 * answer's path, to show what work costs there: `--spin-before-answer-us` (after the model's
 * answer, before writing its own), `--spin-after-send-us` (once the request to the model is
 * written: undici's `bodySent`, or the lean client's write) and `--spin-after-answer-us` (after writing its answer). All
 * are 0 by default, which adds nothing.
 */
import { subscribe } from "node:diagnostics_channel";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Agent } from "undici";
import { http1Attempt, http1RequestText, http1Target } from "../../dist/http/http1-client.js";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    "spin-before-answer-us": { type: "string", default: "0" },
    "spin-after-send-us": { type: "string", default: "0" },
    "spin-after-answer-us": { type: "string", default: "0" },
    client: { type: "string", default: "lean" },
  },
});
const spinBeforeAnswer = Number(values["spin-before-answer-us"]) / 1000;
const spinAfterSend = Number(values["spin-after-send-us"]) / 1000;
const spinAfterAnswer = Number(values["spin-after-answer-us"]) / 1000;

/** Busy-waits `ms` milliseconds on this thread. */
function spin(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}
if (spinAfterSend > 0) subscribe("undici:request:bodySent", () => spin(spinAfterSend));
const origin = new URL(values.upstream).origin;
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });
if (values.client !== "lean" && values.client !== "undici") {
  throw new Error(`--client is lean or undici (got ${values.client})`);
}
const lean = values.client === "lean" ? http1Target(new URL("/v1/chat/completions", origin)) : null;
const POST_HEADERS = Object.freeze({ "content-type": "application/json" });

/** Writes the model's answer back (`status`, `text`), with the spins asked for. */
function answer(outgoing, status, text) {
  outgoing.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  if (spinBeforeAnswer > 0) spin(spinBeforeAnswer);
  outgoing.end(text);
  if (spinAfterAnswer > 0) spin(spinAfterAnswer);
}

const server = createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on("data", (chunk) => chunks.push(chunk));
  incoming.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    body.model = "echo";
    if (lean !== null) {
      const text = http1RequestText(lean, "POST", POST_HEADERS, JSON.stringify(body));
      http1Attempt(lean, text)(60_000, undefined).then(
        (reply) => answer(outgoing, reply.status, reply.text),
        () => {
          outgoing.writeHead(502);
          outgoing.end();
        },
      );
      // The attempt wrote the request before returning.
      if (spinAfterSend > 0) spin(spinAfterSend);
      return;
    }
    const parts = [];
    let status = 502;
    agent.dispatch(
      {
        origin,
        path: "/v1/chat/completions",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, part) {
          parts.push(part);
        },
        onResponseEnd() {
          answer(outgoing, status, Buffer.concat(parts).toString("utf8"));
        },
        onResponseError() {
          outgoing.writeHead(502);
          outgoing.end();
        },
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
