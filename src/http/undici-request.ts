/**
 * @module
 * Outbound HTTP through undici's dispatcher (`Agent.dispatch`, the layer under Node's own
 * `fetch`), for the hot path of the routing server: a model server called once per routed
 * request. The same retry, timeout and abort semantics as `fetchWithRetry` (the loop is
 * `retryHttp`), for less CPU than either `fetch` or `node:http`'s client:
 * - a profile of the router proxying to an OpenAI-compatible echo server put 42 % of its CPU
 *   time in `fetch` (WHATWG `Request`/`Response`/`Headers` objects, body streams,
 *   `AbortSignal.any` and a timeout signal per attempt);
 * - `node:http`'s `ClientRequest`, agent and response stream then cost the router about
 *   125k instructions per request more than this does (ADR 0020).
 * Here an attempt is one `dispatch` on a pooled keep-alive connection with a plain handler
 * object, one timer, and the body collected as buffers.
 *
 * Differences from `fetch`, deliberate: redirects are not followed (a `3xx` comes back as
 * the answer), no `accept-encoding` is sent, so bodies arrive uncompressed, and text is
 * decoded as UTF-8 whatever the charset says (as `Response.text()` does). Callers that need
 * redirects or compression use `fetchWithRetry`.
 */
import { Agent, type Dispatcher } from "undici";
import {
  type HttpAnswer,
  type HttpAttempt,
  HttpAttemptTimeout,
  type HttpOutcome,
  type HttpRetryOptions,
  type ResponseHeaders,
  retryHttp,
} from "./fetch-with-retry.js";

/**
 * Keep-alive connections shared by every caller in the process. undici's own header and
 * body timeouts are off: each attempt has one timer for the whole exchange (`timeoutMs`),
 * which may be longer than undici's 300 s defaults (a slow generation).
 */
const AGENT = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

export interface UndiciRequestInit {
  method: "GET" | "POST";
  /** Lower-case names. `content-length` is set from the body. */
  headers: Readonly<Record<string, string>>;
  body?: string;
}

/** Parsed response headers (lower-case names) behind the one method callers use. */
export class UndiciResponseHeaders implements ResponseHeaders {
  readonly #headers: Readonly<Record<string, string | string[] | undefined>>;
  constructor(headers: Readonly<Record<string, string | string[] | undefined>>) {
    this.#headers = headers;
  }
  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }
}

/** Where a request goes: parsed once per URL (`TARGETS`). */
interface RequestTarget {
  origin: string;
  path: string;
  /** `Basic ...` from credentials in the URL, sent unless the caller gives its own. */
  authorization?: string;
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
    origin: parsed.origin,
    path: `${parsed.pathname}${parsed.search}`,
    ...(parsed.username !== "" && {
      authorization: `Basic ${Buffer.from(
        `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`,
      ).toString("base64")}`,
    }),
  };
  if (TARGETS.size >= MAX_TARGETS) TARGETS.clear();
  TARGETS.set(key, target);
  return target;
}

/** One attempt of `init` to `url` (see `HttpAttempt`). */
export function undiciAttempt(
  url: string | URL,
  init: UndiciRequestInit,
): HttpAttempt<UndiciResponseHeaders> {
  const target = requestTarget(url);
  const headers =
    target.authorization === undefined || init.headers.authorization !== undefined
      ? init.headers
      : { ...init.headers, authorization: target.authorization };
  const options: Dispatcher.DispatchOptions = {
    origin: target.origin,
    path: target.path,
    method: init.method,
    headers,
    ...(init.body !== undefined && { body: init.body }),
  };

  return (timeoutMs, signal) =>
    new Promise<HttpAnswer<UndiciResponseHeaders>>((resolve, reject) => {
      let settled = false;
      /** Set once undici puts the request on a connection; before that it sits in a queue. */
      let controller: Dispatcher.DispatchController | undefined;
      let stopReason: Error | undefined;
      const stop = (reason: Error) => {
        stopReason = reason;
        controller?.abort(reason);
      };
      const finish = (error: unknown, answer?: HttpAnswer<UndiciResponseHeaders>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (answer === undefined) reject(error);
        else resolve(answer);
      };
      // Before `dispatch`, which may call the handler back synchronously (a closed agent).
      const timer = setTimeout(() => {
        const error = new HttpAttemptTimeout(timeoutMs);
        finish(error);
        stop(error);
      }, timeoutMs);
      const onAbort = () => {
        const reason = signal?.reason;
        finish(reason);
        stop(reason instanceof Error ? reason : new Error(String(reason)));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      let status = 0;
      let answerHeaders: UndiciResponseHeaders | undefined;
      const chunks: Buffer[] = [];
      AGENT.dispatch(options, {
        onRequestStart(started) {
          controller = started;
          // Timed out or cancelled while queued: do not send it at all.
          if (stopReason !== undefined) started.abort(stopReason);
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          status = statusCode;
          answerHeaders = new UndiciResponseHeaders(responseHeaders);
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          const text =
            chunks.length === 1
              ? (chunks[0] as Buffer).toString("utf8")
              : Buffer.concat(chunks).toString("utf8");
          finish(null, {
            status,
            headers: answerHeaders ?? new UndiciResponseHeaders({}),
            text,
          });
        },
        onResponseError(_controller, error) {
          finish(error);
        },
      });
    });
}

/**
 * Sends `init` to `url` through undici's dispatcher until it gets an answer that is not
 * worth retrying, or retries run out (`retryHttp`). Rejects only with the caller's abort
 * reason.
 */
export function requestWithRetry(
  url: string | URL,
  init: UndiciRequestInit,
  options: HttpRetryOptions = {},
): Promise<HttpOutcome<UndiciResponseHeaders>> {
  return retryHttp(undiciAttempt(url, init), options);
}
