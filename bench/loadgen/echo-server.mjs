/**
 * The router benchmarks' backend: a bare `node:http` OpenAI-compatible echo server. It parses
 * the chat body and answers with the last user message, as an echo model would; `GET
 * /v1/models` lists nothing. Prints `LISTENING <url>` once it listens (`bench/router-roles.ts`).
 * Plain JavaScript, so it runs on `node` alone, as a deployed backend would.
 */
import { createServer } from "node:http";

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    if (request.url === "/v1/models") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"object":"list","data":[]}');
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const content = body.messages.at(-1)?.content ?? "";
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        id: "chatcmpl-echo",
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content },
            finish_reason: "stop",
            logprobs: null,
          },
        ],
      }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
