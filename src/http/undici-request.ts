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
 * object, one timer, and the body collected as buffers. Since ADR 0087, `requestWithRetry`
 * sends a GET or a text POST to a plain `http:` URL through the lean HTTP/1.1 client
 * (`http1-client.ts`) instead, which costs less again; undici keeps the rest.
 *
 * Differences from `fetch`, deliberate: redirects are not followed (a `3xx` comes back as
 * the answer), no `accept-encoding` is sent, so bodies arrive uncompressed, and text is
 * decoded as UTF-8 whatever the charset says (as `Response.text()` does). Callers that need
 * redirects or compression use `fetchWithRetry`.
 */
import { Agent, type Dispatcher } from "undici";
import type { CancelSignal } from "./cancel-signal.js";
import {
  type HttpAnswer,
  type HttpAttempt,
  HttpAttemptTimeout,
  type HttpOutcome,
  type HttpRetryOptions,
  networkReason,
  type ResponseHeaders,
  retryHttp,
  toAbortSignal,
} from "./fetch-with-retry.js";
import { type Http1Target, http1Attempt, http1RequestText, http1Target } from "./http1-client.js";
import { RawResponseHeaders } from "./raw-response-headers.js";
import { clearRequestTimer } from "./request-timers.js";

/**
 * Keep-alive connections shared by every caller in the process. undici's own header and
 * body timeouts are off: each attempt has one timer for the whole exchange (`timeoutMs`),
 * which may be longer than undici's 300 s defaults (a slow generation).
 */
const AGENT = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

/**
 * Whether `http:` calls go through the lean client (ADR 0087). `MODELSCOUT_HTTP_CLIENT=undici`
 * sends them all through undici instead, for a model server the lean client cannot read.
 */
const LEAN_CLIENT = process.env.MODELSCOUT_HTTP_CLIENT !== "undici";

export interface UndiciRequestInit {
  method: "GET" | "POST";
  /** Lower-case names. `content-length` is set from the body. */
  headers: Readonly<Record<string, string>>;
  /** JSON text, or bytes (a multipart upload). */
  body?: string | Uint8Array;
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
  /** The lean client's view of an `http:` URL; null for `https:` or when it is turned off. */
  http1: Http1Target | null;
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
    http1: LEAN_CLIENT ? http1Target(parsed) : null,
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

/** `init`'s headers, with the URL's credentials unless the caller gives its own. */
function headersFor(
  target: RequestTarget,
  init: UndiciRequestInit,
): Readonly<Record<string, string>> {
  return target.authorization === undefined || init.headers.authorization !== undefined
    ? init.headers
    : // Literal first: a spread and then a new field costs a hidden class per call (ADR 0030).
      { authorization: target.authorization, ...init.headers };
}

function dispatchOptions(url: string | URL, init: UndiciRequestInit): Dispatcher.DispatchOptions {
  const target = requestTarget(url);
  const headers = headersFor(target, init);
  return {
    origin: target.origin,
    path: target.path,
    method: init.method,
    headers,
    ...(init.body !== undefined && { body: init.body }),
  };
}

/**
 * One attempt of `init` to `url` (see `HttpAttempt`). Its handler uses the methods undici's
 * connections call themselves (`onConnect`, `onHeaders`, ...; deprecated in undici 7's types
 * for the controller API): a handler with the controller's methods is wrapped per request in
 * an adapter and a controller, and the answer's headers and trailers are parsed into objects
 * whether or not anyone reads them (ADR 0042).
 */
export function undiciAttempt(
  url: string | URL,
  init: UndiciRequestInit,
): HttpAttempt<RawResponseHeaders> {
  const options = dispatchOptions(url, init);
  return (timeoutMs, signal) =>
    new Promise<HttpAnswer<RawResponseHeaders>>((resolve, reject) => {
      let settled = false;
      /** Set once undici puts the request on a connection; before that it sits in a queue. */
      let abortRequest: ((reason?: Error) => void) | undefined;
      let stopReason: Error | undefined;
      const stop = (reason: Error) => {
        stopReason = reason;
        abortRequest?.(reason);
      };
      const finish = (error: unknown, answer?: HttpAnswer<RawResponseHeaders>) => {
        if (settled) return;
        settled = true;
        clearRequestTimer(timer);
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
      let rawHeaders: (Buffer | string)[] = [];
      const chunks: Buffer[] = [];
      AGENT.dispatch(options, {
        onConnect(abort) {
          abortRequest = abort;
          // Timed out or cancelled while queued: do not send it at all.
          if (stopReason !== undefined) abort(stopReason);
        },
        onHeaders(statusCode, headers) {
          // Informational (1xx) answers come first, each with its own headers; the last call is the answer.
          status = statusCode;
          rawHeaders = headers;
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          const text =
            chunks.length === 1
              ? (chunks[0] as Buffer).toString("utf8")
              : Buffer.concat(chunks).toString("utf8");
          finish(null, { status, headers: new RawResponseHeaders(rawHeaders), text });
        },
        onError(error) {
          finish(error);
        },
      });
    });
}

/**
 * Sends `init` to `url` until it gets an answer that is not worth retrying, or retries run
 * out (`retryHttp`): over plain `http:` with a text or no body through the lean client
 * (`http1-client.ts`, ADR 0087), otherwise through undici's dispatcher. Rejects only with the
 * caller's abort reason.
 */
export function requestWithRetry(
  url: string | URL,
  init: UndiciRequestInit,
  options: HttpRetryOptions = {},
): Promise<HttpOutcome<RawResponseHeaders>> {
  const target = requestTarget(url);
  if (target.http1 !== null && typeof init.body !== "object") {
    const text = http1RequestText(target.http1, init.method, headersFor(target, init), init.body);
    if (text !== null) return retryHttp(http1Attempt(target.http1, text), options);
  }
  return retryHttp(undiciAttempt(url, init), options);
}

/**
 * An answer whose body is read as it arrives (server-sent events), from either transport:
 * `undiciStreamRequest` or `fetchStreamedAnswer`.
 */
export interface StreamedAnswer {
  status: number;
  headers: ResponseHeaders;
  /**
   * The next chunk of the body, `null` at its end. Rejects when the connection fails, and
   * with the signal's reason once the signal given to the request aborts.
   */
  read(): Promise<Uint8Array | null>;
  /** The rest of the body as text (an error answer's message). */
  text(): Promise<string>;
}

/** Unread chunks past which undici stops reading the socket until the reader catches up. */
const PAUSE_AFTER_CHUNKS = 64;

/**
 * Sends `init` once (no retries: a stream cannot be re-sent once read) and resolves with the
 * answer as soon as its headers arrive; its body is read with `read()`. Aborting `signal`
 * rejects the pending call (the request while waiting for headers, `read()` after) with its
 * reason at once, and closes the connection, which tells the server to stop generating. The
 * streamed twin of `undiciAttempt`: no WHATWG `Response` and no web streams per chunk, which
 * a profile of the router relaying streams put at about 15 % of its CPU (ADR 0021).
 */
export function undiciStreamRequest(
  url: string | URL,
  init: UndiciRequestInit,
  signal: CancelSignal,
): Promise<StreamedAnswer> {
  const options = dispatchOptions(url, init);
  return new Promise<StreamedAnswer>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    let controller: Dispatcher.DispatchController | undefined;
    let started = false;
    let ended = false;
    let failure: { error: unknown } | undefined;
    let paused = false;
    const queue: Buffer[] = [];
    /** The pending `read()`, if any. */
    let waiter:
      | { resolve: (chunk: Buffer | null) => void; reject: (error: unknown) => void }
      | undefined;

    const take = (): Buffer => {
      const chunk = queue.shift() as Buffer;
      if (paused && queue.length <= PAUSE_AFTER_CHUNKS / 2) {
        paused = false;
        controller?.resume();
      }
      return chunk;
    };
    const wake = () => {
      const pending = waiter;
      if (pending === undefined) return;
      if (queue.length > 0) {
        waiter = undefined;
        pending.resolve(take());
      } else if (failure !== undefined) {
        waiter = undefined;
        pending.reject(failure.error);
      } else if (ended) {
        waiter = undefined;
        pending.resolve(null);
      }
    };
    const fail = (error: unknown) => {
      if (failure !== undefined || ended) return;
      failure = { error };
      signal.removeEventListener("abort", onAbort);
      if (!started) reject(error);
      wake();
    };
    const onAbort = () => {
      const reason: unknown = signal.reason;
      fail(reason);
      controller?.abort(reason instanceof Error ? reason : new Error(String(reason)));
    };
    signal.addEventListener("abort", onAbort, { once: true });

    const read = (): Promise<Buffer | null> => {
      if (queue.length > 0) return Promise.resolve(take());
      if (failure !== undefined) return Promise.reject(failure.error);
      if (ended) return Promise.resolve(null);
      return new Promise((resolveRead, rejectRead) => {
        waiter = { resolve: resolveRead, reject: rejectRead };
      });
    };
    const text = async (): Promise<string> => {
      const chunks: Buffer[] = [];
      for (let chunk = await read(); chunk !== null; chunk = await read()) chunks.push(chunk);
      return Buffer.concat(chunks).toString("utf8");
    };

    AGENT.dispatch(options, {
      onRequestStart(started) {
        controller = started;
        // Aborted while queued: do not send it at all.
        if (failure !== undefined) {
          const reason = failure.error;
          started.abort(reason instanceof Error ? reason : new Error(String(reason)));
        }
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        started = true;
        resolve({
          status: statusCode,
          headers: new UndiciResponseHeaders(responseHeaders),
          read,
          text,
        });
      },
      onResponseData(current, chunk) {
        queue.push(chunk);
        if (!paused && queue.length >= PAUSE_AFTER_CHUNKS) {
          paused = true;
          current.pause();
        }
        wake();
      },
      onResponseEnd() {
        if (failure !== undefined) return;
        ended = true;
        signal.removeEventListener("abort", onAbort);
        wake();
      },
      onResponseError(_controller, error) {
        fail(error);
      },
    });
  });
}

/** A `fetch` answer as a `StreamedAnswer`, for callers that bring their own `fetch`. */
export async function fetchStreamedAnswer(
  fetchImpl: typeof fetch,
  url: string,
  init: UndiciRequestInit,
  signal: AbortSignal,
): Promise<StreamedAnswer> {
  const response = await fetchImpl(url, {
    method: init.method,
    headers: init.headers,
    ...(init.body !== undefined && { body: init.body }),
    signal,
  });
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return {
    status: response.status,
    headers: response.headers,
    read: async () => {
      if (response.body === null) return null;
      reader ??= response.body.getReader();
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    text: () => response.text(),
  };
}

/**
 * Opens a streamed answer through undici, or through `fetchImpl` when the caller brings one.
 * What stops it before its body, a network failure (one attempt) or an answer that is not
 * 2xx (its body read as text), is thrown as the caller's own error (`failed`). Rejects with
 * the signal's reason when the signal aborts first.
 */
export async function openStreamedAnswer(
  url: string,
  init: UndiciRequestInit,
  signal: CancelSignal,
  failed: (outcome: HttpOutcome<ResponseHeaders>) => Error,
  fetchImpl?: typeof fetch,
): Promise<StreamedAnswer> {
  let answer: StreamedAnswer;
  try {
    answer =
      fetchImpl === undefined
        ? await undiciStreamRequest(url, init, signal)
        : await fetchStreamedAnswer(fetchImpl, url, init, toAbortSignal(signal));
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw failed({ kind: "network", reason: networkReason(error), attempts: 1, cause: error });
  }
  if (answer.status >= 200 && answer.status < 300) return answer;
  const text = await answer.text().catch(() => "");
  throw failed({
    kind: "response",
    status: answer.status,
    headers: answer.headers,
    text,
    attempts: 1,
  });
}
