/**
 * @module
 * Outbound HTTP over `node:http`/`node:https` with keep-alive agents, for the hot path of
 * the routing server (a model server called once per routed request). The same retry,
 * timeout and abort semantics as `fetchWithRetry` (the loop is `retryHttp`), at a fraction
 * of the cost: a profile of the router proxying to an OpenAI-compatible echo server put 42 %
 * of the CPU time in undici's `fetch` (WHATWG `Request`/`Response`/`Headers` objects, body
 * streams, `AbortSignal.any` and a timeout signal per attempt). Here an attempt is one
 * `http.request` on a pooled socket, one timer, and the body collected as buffers.
 *
 * Differences from `fetch`, deliberate: redirects are not followed (a `3xx` comes back as
 * the answer), no `accept-encoding` is sent, so bodies arrive uncompressed, and text is
 * decoded as UTF-8 whatever the charset says (as `Response.text()` does). Callers that need
 * redirects or compression use `fetchWithRetry`.
 */
import { type Agent, Agent as HttpAgent, type IncomingHttpHeaders, request } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import {
  type HttpAnswer,
  type HttpAttempt,
  HttpAttemptTimeout,
  type HttpOutcome,
  type HttpRetryOptions,
  type ResponseHeaders,
  retryHttp,
} from "./fetch-with-retry.js";

/** Keep-alive pools shared by every caller in the process; LIFO keeps few sockets warm. */
const HTTP_AGENT = new HttpAgent({ keepAlive: true, scheduling: "lifo" });
const HTTPS_AGENT = new HttpsAgent({ keepAlive: true, scheduling: "lifo" });

export interface NodeHttpRequestInit {
  method: "GET" | "POST";
  /** Lower-case names. `content-length` is set from the body. */
  headers: Readonly<Record<string, string>>;
  body?: string;
}

/** Node's parsed response headers behind the one method callers use (`get`, case-insensitive). */
export class NodeResponseHeaders implements ResponseHeaders {
  readonly #headers: IncomingHttpHeaders;
  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers;
  }
  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }
}

/** Where a request goes, as `http.request` options: parsed once per URL (`TARGETS`). */
interface RequestTarget {
  protocol: "http:" | "https:";
  hostname: string;
  port: string;
  path: string;
  auth?: string;
}

/** Parsed URLs: a routed call goes to one of a few model-server URLs, every time. */
const TARGETS = new Map<string, RequestTarget>();
const MAX_TARGETS = 256;

function requestTarget(url: string | URL): RequestTarget {
  const key = typeof url === "string" ? url : url.href;
  const known = TARGETS.get(key);
  if (known !== undefined) return known;
  const parsed = typeof url === "string" ? new URL(url) : url;
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new TypeError(`Only http: and https: URLs can be requested (got ${parsed.protocol}).`);
  }
  const target: RequestTarget = {
    protocol: parsed.protocol,
    // `http.request` wants an IPv6 literal without its brackets.
    hostname: parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname,
    port: parsed.port,
    path: `${parsed.pathname}${parsed.search}`,
    ...(parsed.username !== "" && {
      auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
    }),
  };
  if (TARGETS.size >= MAX_TARGETS) TARGETS.clear();
  TARGETS.set(key, target);
  return target;
}

/** One attempt of `init` to `url` (see `HttpAttempt`). */
export function nodeHttpAttempt(
  url: string | URL,
  init: NodeHttpRequestInit,
): HttpAttempt<NodeResponseHeaders> {
  const target = requestTarget(url);
  const secure = target.protocol === "https:";
  const body = init.body === undefined ? undefined : Buffer.from(init.body, "utf8");
  const headers =
    body === undefined ? init.headers : { ...init.headers, "content-length": String(body.length) };
  const agent: Agent = secure ? HTTPS_AGENT : HTTP_AGENT;
  const send = secure ? httpsRequest : request;
  const options = { ...target, method: init.method, headers, agent };

  return (timeoutMs, signal) =>
    new Promise<HttpAnswer<NodeResponseHeaders>>((resolve, reject) => {
      let settled = false;
      const finish = (error: unknown, answer?: HttpAnswer<NodeResponseHeaders>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (answer === undefined) reject(error);
        else resolve(answer);
      };
      const outgoing = send(options, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.once("end", () => {
          const text =
            chunks.length === 1
              ? (chunks[0] as Buffer).toString("utf8")
              : Buffer.concat(chunks).toString("utf8");
          finish(null, {
            status: response.statusCode ?? 0,
            headers: new NodeResponseHeaders(response.headers),
            text,
          });
        });
        response.once("error", (error) => finish(error));
        response.once("close", () => {
          if (!response.complete) {
            finish(
              Object.assign(new Error("the connection closed mid-answer"), { code: "ECONNRESET" }),
            );
          }
        });
      });
      const timer = setTimeout(() => {
        const error = new HttpAttemptTimeout(timeoutMs);
        finish(error);
        outgoing.destroy(error);
      }, timeoutMs);
      const onAbort = () => {
        finish(signal?.reason);
        outgoing.destroy();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      outgoing.once("error", (error) => finish(error));
      outgoing.end(body);
    });
}

/**
 * Sends `init` to `url` over `node:http(s)` until it gets an answer that is not worth
 * retrying, or retries run out (`retryHttp`). Rejects only with the caller's abort reason.
 */
export function requestWithRetry(
  url: string | URL,
  init: NodeHttpRequestInit,
  options: HttpRetryOptions = {},
): Promise<HttpOutcome<NodeResponseHeaders>> {
  return retryHttp(nodeHttpAttempt(url, init), options);
}
