/**
 * The router benchmarks' floor: the least a Node.js proxy can do, with none of the router's
 * work (no parsing beyond JSON, no routing, no log, no deadline, no breaker). It reads the
 * chat body on a `node:http` server, forwards it to `--upstream` through undici's
 * dispatcher (the client the router uses, `src/http/undici-request.ts`; cheaper than
 * `node:http`'s, ADR 0020) and answers with the upstream's body. What it adds over calling
 * the echo server directly is the cost of one more HTTP hop in Node on this machine, which
 * no router in Node can go below. Prints `LISTENING <url>` (`bench/router-roles.ts`).
 *
 * For `bench/router-ablation.ts`, it can also busy-wait N microseconds at one point of each
 * answer's path, to show what work costs there: `--spin-before-answer-us` (after the model's
 * answer, before writing its own), `--spin-after-send-us` (once the request to the model is
 * written: undici's `bodySent`) and `--spin-after-answer-us` (after writing its answer). All
 * are 0 by default, which adds nothing.
 */
import { subscribe } from "node:diagnostics_channel";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { Agent } from "undici";

const { values } = parseArgs({
  options: {
    upstream: { type: "string" },
    "spin-before-answer-us": { type: "string", default: "0" },
    "spin-after-send-us": { type: "string", default: "0" },
    "spin-after-answer-us": { type: "string", default: "0" },
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

const server = createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on("data", (chunk) => chunks.push(chunk));
  incoming.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    body.model = "echo";
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
          const text = Buffer.concat(parts).toString("utf8");
          outgoing.writeHead(status, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(text),
          });
          if (spinBeforeAnswer > 0) spin(spinBeforeAnswer);
          outgoing.end(text);
          if (spinAfterAnswer > 0) spin(spinAfterAnswer);
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
