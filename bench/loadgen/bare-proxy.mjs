/**
 * The router benchmarks' floor: the least a Node.js proxy can do, with none of the router's
 * work (no parsing beyond JSON, no routing, no log, no deadline, no breaker). It reads the
 * chat body, forwards it to `--upstream` over a keep-alive `node:http` agent and answers
 * with the upstream's body. What it adds over calling the echo server directly is the cost
 * of one more HTTP hop in Node on this machine, which no router in Node can go below.
 * Prints `LISTENING <url>` (`bench/router-roles.ts`).
 */
import { Agent, createServer, request } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { upstream: { type: "string" } } });
const upstream = new URL(values.upstream);
const agent = new Agent({ keepAlive: true, scheduling: "lifo" });

const server = createServer((incoming, outgoing) => {
  const chunks = [];
  incoming.on("data", (chunk) => chunks.push(chunk));
  incoming.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    body.model = "echo";
    const forwarded = JSON.stringify(body);
    const call = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: "/v1/chat/completions",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(forwarded),
        },
      },
      (answer) => {
        const parts = [];
        answer.on("data", (part) => parts.push(part));
        answer.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          outgoing.writeHead(answer.statusCode ?? 502, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(text),
          });
          outgoing.end(text);
        });
      },
    );
    call.on("error", () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    call.end(forwarded);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
