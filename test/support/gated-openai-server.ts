/**
 * A local OpenAI-compatible chat server (`POST /v1/chat/completions`, `GET /v1/models`) on a
 * real `node:http` server at 127.0.0.1, whose answers wait until the test lets them go: a
 * test knows exactly which calls are in flight. A streamed call gets its first piece at once
 * and its end when released.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A chat server that answers only when told: `held` lists the calls waiting, by model. */
export interface GatedUpstream {
  url: string;
  held: Array<{ model: string; stream: boolean; response: ServerResponse }>;
  /** Calls of `model` held now. */
  heldOf(model: string): number;
  /**
   * Answers (or, for a stream, finishes) the oldest held call of `model`; a chat answer's
   * text is `content` (default "<model> answered").
   */
  release(model: string, content?: string): void;
  close(): Promise<void>;
}

export async function startGatedUpstream(): Promise<GatedUpstream> {
  const held: GatedUpstream["held"] = [];
  const server = createServer((request, response) => {
    if (request.method === "GET") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ object: "list", data: [] }));
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        model: string;
        stream?: boolean;
      };
      const stream = body.stream === true;
      if (stream) {
        // The first piece at once (the router waits for it), the end when released.
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(
          `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: body.model, choices: [{ index: 0, delta: { content: "first " }, finish_reason: null }] })}\n\n`,
        );
      }
      held.push({ model: body.model, stream, response });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    heldOf: (model) => held.filter((call) => call.model === model).length,
    release(model, content = `${model} answered`) {
      const index = held.findIndex((call) => call.model === model);
      if (index === -1) throw new Error(`no held call of ${model}`);
      const [call] = held.splice(index, 1);
      if (call === undefined) return;
      if (call.stream) {
        call.response.end(
          `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content: "last" }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`,
        );
        return;
      }
      call.response.writeHead(200, { "content-type": "application/json" });
      call.response.end(
        JSON.stringify({
          id: "c",
          object: "chat.completion",
          created: 1,
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content },
              finish_reason: "stop",
            },
          ],
        }),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `check` holds (a held call has arrived, a stream was cut), for at most 5 s. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A task spec whose one candidate is model `held` behind `upstream`, over `dataPath`: a
 * selection of it calls the model and waits, for tests that stop a selection midway.
 */
export function heldSelectionSpec(upstream: GatedUpstream, dataPath: string): object {
  return {
    task_type: "text-classification",
    hardware: "local",
    candidates: {
      models: [{ kind: "openai", base_url: `${upstream.url}/v1`, api_model: "held" }],
    },
    data: { path: dataPath },
    privacy: "local-only",
  };
}
