/**
 * @module
 * Serves the routed endpoints (`POST /v1/chat/completions`, `/v1/completions`, `/v1/responses`,
 * `/v1/embeddings`, `/v1/tasks/<task>`) straight from Node's `http`, and passes every other
 * request to the Hono app. The endpoints are the same functions the Hono routes call
 * (`create-routing-app.ts`); this only skips Hono's per-request work, which a profile of
 * the server under load put at about a quarter of the router's own CPU per request: the
 * WHATWG `Request` view of the Node request and its `AbortSignal` (built with listeners on
 * every request), the dispatch, and a `Response` turned back into Node writes.
 *
 * What differs from going through Hono, by design: middleware an extension mounts on these
 * three paths does not run for them (the admin extension mounts none there).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CancelSource } from "../backends/cancellation.js";
import {
  bodyEncodingRefused,
  bodyTooLarge,
  type EndpointAnswer,
  type EndpointRequest,
  nodeHeader,
  type RoutedEndpoints,
  unexpectedErrorAnswer,
} from "./create-routing-app.js";

type NodeListener = (request: IncomingMessage, response: ServerResponse) => void;

const TASKS_PREFIX = "/v1/tasks/";

/** `fallback` gets every request that is not a `POST` to a routed endpoint. */
export function nodeRoutedListener(
  endpoints: RoutedEndpoints,
  fallback: NodeListener,
): NodeListener {
  return (request, response) => {
    const answer = request.method === "POST" ? dispatch(endpoints, request, response) : null;
    if (answer === null) {
      fallback(request, response);
      return;
    }
    answer.then(
      (value) => writeAnswer(response, value),
      (error: unknown) => writeAnswer(response, unexpectedErrorAnswer(error)),
    );
  };
}

function dispatch(
  endpoints: RoutedEndpoints,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<EndpointAnswer> | null {
  const url = request.url ?? "";
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  if (path === "/v1/chat/completions") {
    return endpoints.chatCompletions(new NodeEndpointRequest(request, response));
  }
  if (path === "/v1/completions") {
    return endpoints.completions(new NodeEndpointRequest(request, response));
  }
  if (path === "/v1/responses") {
    return endpoints.responses(new NodeEndpointRequest(request, response));
  }
  if (path === "/v1/embeddings") {
    return endpoints.embeddings(new NodeEndpointRequest(request, response));
  }
  if (path.startsWith(TASKS_PREFIX)) {
    const segment = path.slice(TASKS_PREFIX.length);
    if (segment === "" || segment.includes("/")) return null;
    let task: string;
    try {
      task = decodeURIComponent(segment);
    } catch {
      return null; // Hono answers malformed escapes
    }
    return endpoints.task(task, new NodeEndpointRequest(request, response));
  }
  return null;
}

class NodeEndpointRequest implements EndpointRequest {
  readonly #request: IncomingMessage;
  /** Not an `AbortSignal`: one per request would survive every scavenge (`cancellation.ts`). */
  readonly signal = new CancelSource();

  constructor(request: IncomingMessage, response: ServerResponse) {
    this.#request = request;
    // 'close' also follows a finished answer; only an unfinished one means the client left.
    // `on`, not `once`: it comes once anyway, and `once` wraps every listener (an object and
    // a bound function per request, `bench/router-alloc.ts`).
    response.on("close", () => {
      if (!response.writableFinished)
        this.signal.abort(new Error("The client closed the request."));
    });
  }

  header(name: string): string | undefined {
    return nodeHeader(this.#request.headers, name);
  }

  query(name: string): string | undefined {
    const url = this.#request.url ?? "";
    const start = url.indexOf("?");
    if (start === -1) return undefined;
    return new URLSearchParams(url.slice(start + 1)).get(name) ?? undefined;
  }

  text(maxBytes: number): Promise<string> {
    return this.#read(maxBytes, (body) => body.toString("utf8"));
  }

  bytes(maxBytes: number): Promise<Buffer> {
    return this.#read(maxBytes, (body) => body);
  }

  #read<Body>(maxBytes: number, as: (body: Buffer) => Body): Promise<Body> {
    const request = this.#request;
    const encoding = request.headers["content-encoding"];
    const encoded = encoding === undefined ? null : bodyEncodingRefused(encoding);
    if (encoded !== null) {
      request.resume(); // discard the body; the connection stays usable
      return Promise.reject(encoded);
    }
    const declared = request.headers["content-length"];
    if (
      declared !== undefined &&
      request.headers["transfer-encoding"] === undefined &&
      Number(declared) > maxBytes
    ) {
      request.resume(); // discard the body; the connection stays usable
      return Promise.reject(bodyTooLarge(maxBytes));
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // Settled once; later events are no-ops. On 'end' (every request) the listeners are
      // left on the finished request, which goes away with them, rather than removed; `on`
      // rather than `once`, which wraps each one, and a second 'error' still has a listener.
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        request.off("data", onData);
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(bodyTooLarge(maxBytes));
          request.resume();
          return;
        }
        chunks.push(chunk);
      };
      request.on("data", onData);
      request.on("end", () => {
        if (settled) return;
        settled = true;
        resolve(as(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
      });
      request.on("error", fail);
      request.on("close", () => {
        if (!settled)
          fail(new Error("The client closed the request before sending all of its body."));
      });
    });
  }
}

/**
 * Writes `answer`, then runs its `sent` work (the request log), whatever happens. A streamed
 * answer that is not written is cancelled, which stops the model's stream, logs the request
 * and frees the model's `max_in_flight` slot.
 */
function writeAnswer(response: ServerResponse, answer: EndpointAnswer): void {
  let streaming = false;
  try {
    if (response.destroyed) return; // the client left; `sent` still logs the request
    if (typeof answer.body === "string") {
      writeText(response, answer.status, answer.type, answer.headers, answer.body);
      return;
    }
    response.writeHead(answer.status, { "content-type": answer.type, ...answer.headers });
    streaming = true;
    void writeStream(response, answer.body);
  } catch (error) {
    // Node refused the answer (a header it will not send): a 500 instead, or, once the
    // head is out, a cut connection; never an unhandled rejection.
    if (response.headersSent) {
      response.destroy();
    } else {
      const refused = unexpectedErrorAnswer(error);
      writeText(response, refused.status, refused.type, refused.headers, refused.body as string);
    }
  } finally {
    if (!streaming && typeof answer.body !== "string") {
      answer.body.cancel(new Error("The answer was not written.")).catch(() => {});
    }
    answer.sent?.run();
  }
}

function writeText(
  response: ServerResponse,
  status: number,
  type: string,
  headers: Record<string, string>,
  body: string,
): void {
  // The head's one object, made here: the length and type first, as an object made by
  // spreading and then given a property of its own costs a new hidden class in V8's old
  // space on every call (docs/decisions/0030).
  response.writeHead(status, {
    "content-length": String(Buffer.byteLength(body)),
    "content-type": type,
    ...headers,
  });
  response.end(body);
}

/**
 * Writes a streamed answer chunk by chunk as it comes: one `write` per chunk, waiting for
 * `drain` when the client reads slowly. A client that leaves cancels the stream (and with
 * it a model's live answer). Reads the web stream directly rather than through
 * `Readable.fromWeb` and `pipeline`.
 */
async function writeStream(
  response: ServerResponse,
  body: ReadableStream<Uint8Array>,
): Promise<void> {
  const reader = body.getReader();
  let closed = false;
  let wake: (() => void) | undefined;
  response.once("close", () => {
    closed = true;
    wake?.();
    if (!response.writableFinished) {
      reader.cancel(new Error("The client closed the connection.")).catch(() => {});
    }
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (closed) return;
      if (done) {
        response.end();
        return;
      }
      if (!response.write(value)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          response.once("drain", resolve);
        });
        wake = undefined;
        if (closed) return;
      }
    }
  } catch (error) {
    // The stream failed (its events already say how, where they can): cut the connection.
    if (!closed) response.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
