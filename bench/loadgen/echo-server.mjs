/**
 * The router benchmarks' backend: a bare `node:http` OpenAI-compatible echo server. It parses
 * the chat body and answers with the last user message, as an echo model would; `GET
 * /v1/models` lists nothing. Prints `LISTENING <url>` once it listens (`bench/router-roles.ts`).
 * Plain JavaScript, so it runs on `node` alone, as a deployed backend would.
 *
 * With `stream: true` it answers as a language model server streams: server-sent events, one
 * chunk per word of the message, the first after `--first-ms` (default 50: the prompt's
 * processing) and each next one `--piece-ms` later (default 20: 50 words/s), then `[DONE]`
 * (`bench/router-stream.ts`). `--pace-whole` makes a non-streamed answer take as long as the
 * streamed one would to its last word, as a model server that writes the whole answer first;
 * without it (the overhead benchmarks) the answer is immediate.
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    "first-ms": { type: "string", default: "50" },
    "piece-ms": { type: "string", default: "20" },
    "pace-whole": { type: "boolean", default: false },
  },
});
const paceWhole = values["pace-whole"];
const firstMs = Number(values["first-ms"]);
const pieceMs = Number(values["piece-ms"]);

function streamAnswer(response, model, content) {
  const chunk = (delta, finish) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-echo",
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;
  const pieces = content.match(/\s*\S+\s*/gu) ?? [];
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  response.write(chunk({ role: "assistant", content: "" }, null));
  let index = 0;
  const next = () => {
    if (response.destroyed) return;
    if (index === pieces.length) {
      response.end(`${chunk({}, "stop")}data: [DONE]\n\n`);
      return;
    }
    response.write(chunk({ content: pieces[index] }, null));
    index += 1;
    setTimeout(next, pieceMs);
  };
  setTimeout(next, firstMs);
}

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
    if (body.stream === true) {
      streamAnswer(response, body.model, content);
      return;
    }
    if (paceWhole) {
      const words = (content.match(/\s*\S+\s*/gu) ?? []).length;
      setTimeout(() => answerWhole(response, body.model, content), firstMs + words * pieceMs);
      return;
    }
    answerWhole(response, body.model, content);
  });
});

function answerWhole(response, model, content) {
  response.writeHead(200, { "content-type": "application/json" });
  response.end(
    JSON.stringify({
      id: "chatcmpl-echo",
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
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
}
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`LISTENING http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
