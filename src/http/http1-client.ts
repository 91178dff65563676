/**
 * @module
 * A lean HTTP/1.1 client for the routing server's calls to model servers over plain `http:`
 * (ADR 0087): one keep-alive connection per exchange in flight, taken from a pool per origin,
 * the request written as one string, the answer read by `Http1ResponseParser`. undici's
 * dispatcher ran about 75k of the 168k instructions a bare Node.js proxy's main thread spends
 * per proxied request (`bench/router-instructions.ts`, 2026-12-05); this client about 10k.
 *
 * It sends only what `requestWithRetry` asks of it: a GET, or a POST of text, with headers
 * whose names are tokens and values are printable ASCII. Anything else (`https:`, bytes, a
 * header it would have to judge) goes through undici, as does every streamed answer. Like
 * the undici path it follows no redirects, asks for no compression and retries nothing
 * itself (`retryHttp` does).
 *
 * Connections: idle ones are kept for 4 s, or 1 s less than the server's `Keep-Alive:
 * timeout` when that is shorter (servers close idle connections after 5 s by default: Node.js,
 * uvicorn), and do not keep the process alive. One the server closed, or whose answer was
 * framed by its end, asked to close, or was followed by bytes nobody asked for, is not used
 * again. A request that times out or is cancelled closes its connection, which tells the
 * server to stop.
 */
import { channel } from "node:diagnostics_channel";
import { connect, type Socket } from "node:net";
import type { CancelSignal } from "./cancel-signal.js";
import { type HttpAnswer, type HttpAttempt, HttpAttemptTimeout } from "./fetch-with-retry.js";
import { HTTP_TOKEN, Http1ResponseParser } from "./http1-response-parser.js";
import { RawResponseHeaders } from "./raw-response-headers.js";
import { clearRequestTimer } from "./request-timers.js";

/**
 * Diagnostics channels, as undici has its own (`undici:request:create`, ...), which do not see
 * these calls: `modelscout:http1:request` gets `{ target, text }` as a request is written,
 * `modelscout:http1:answer` gets `{ target, status }` once its answer is read in full.
 * Published only while someone subscribes (`bench/loadgen/path-recorder.mjs` does).
 */
const REQUEST_CHANNEL = channel("modelscout:http1:request");
const ANSWER_CHANNEL = channel("modelscout:http1:answer");

/** How long an idle connection is kept when the server says nothing shorter. */
export const IDLE_CONNECTION_MS = 4_000;
/** Idle connections kept per origin; more are closed as their exchanges end. */
const MAX_IDLE_PER_ORIGIN = 64;

/** Where a lean request goes: parsed once per URL by the caller. */
export interface Http1Target {
  /** `host:port`: the pool's key. */
  origin: string;
  /** For `connect`: a name or an address (IPv6 without brackets). */
  host: string;
  port: number;
  /** The `Host` header: the URL's host, with its port when one is given. */
  hostHeader: string;
  /** Path and query, as the URL encoded them. */
  path: string;
}

/** `url` as an `Http1Target` when it is `http:`; null otherwise. */
export function http1Target(url: URL): Http1Target | null {
  if (url.protocol !== "http:") return null;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? 80 : Number(url.port);
  return {
    origin: `${host}:${port}`,
    host,
    port,
    hostHeader: url.host,
    path: `${url.pathname}${url.search}`,
  };
}

const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;
/** Headers this client writes itself, or that would change how the exchange is framed. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
  "proxy-connection",
]);

/** Header blocks of frozen header objects (a backend's own, built once), by object. */
const HEADER_BLOCKS = new WeakMap<object, string | null>();

/** `name: value\r\n` lines for `headers`, or null when one is not for this client to send. */
function headerBlock(headers: Readonly<Record<string, string>>): string | null {
  const frozen = Object.isFrozen(headers);
  if (frozen) {
    const known = HEADER_BLOCKS.get(headers);
    if (known !== undefined) return known;
  }
  let block: string | null = "";
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (
      !HTTP_TOKEN.test(name) ||
      !PRINTABLE_ASCII.test(value) ||
      RESERVED_HEADERS.has(name.toLowerCase())
    ) {
      block = null;
      break;
    }
    block += `${name}: ${value}\r\n`;
  }
  if (frozen) HEADER_BLOCKS.set(headers, block);
  return block;
}

/**
 * The whole request as one string (head and body), or null when this client should not send
 * it (a header it does not write; see the module's comment).
 */
export function http1RequestText(
  target: Http1Target,
  method: "GET" | "POST",
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
): string | null {
  const block = headerBlock(headers);
  if (block === null) return null;
  const head = `${method} ${target.path} HTTP/1.1\r\nhost: ${target.hostHeader}\r\n${block}`;
  return body === undefined
    ? `${head}\r\n`
    : `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The connection ended before the answer did (or before it began). */
export class Http1ConnectionClosed extends Error {
  constructor(received: boolean) {
    super(
      received
        ? "the server closed the connection before its answer was complete"
        : "the server closed the connection without answering",
    );
    this.name = "Http1ConnectionClosed";
  }
}

interface Exchange {
  resolve(answer: HttpAnswer<RawResponseHeaders>): void;
  reject(error: unknown): void;
}

/** One keep-alive connection; at most one exchange on it at a time. */
class Http1Connection {
  readonly socket: Socket;
  readonly #parser = new Http1ResponseParser();
  readonly #pool: Http1Pool;
  readonly #target: Http1Target;
  #exchange: Exchange | null = null;
  #error: Error | undefined;
  #idleMs = IDLE_CONNECTION_MS;

  constructor(pool: Http1Pool, target: Http1Target) {
    this.#pool = pool;
    this.#target = target;
    const socket = connect({
      host: target.host,
      port: target.port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 60_000,
    });
    this.socket = socket;
    // Refreshed by every read and write; it matters only while the connection is idle (an
    // exchange has its own timer).
    socket.setTimeout(IDLE_CONNECTION_MS);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("timeout", () => {
      if (this.#exchange === null) socket.destroy();
    });
    socket.on("error", (error) => {
      this.#error = error;
    });
    socket.on("end", () => this.#onEnd());
    socket.on("close", () => this.#onClose());
  }

  /** Whether the connection can still take an exchange. */
  get open(): boolean {
    return !this.socket.destroyed && this.socket.writable && !this.socket.readableEnded;
  }

  send(text: string, exchange: Exchange): void {
    this.#exchange = exchange;
    this.#parser.reset();
    this.socket.ref();
    if (REQUEST_CHANNEL.hasSubscribers) REQUEST_CHANNEL.publish({ target: this.#target, text });
    this.socket.write(text);
  }

  /** Gives up the exchange in flight (timed out or cancelled): closing tells the server. */
  abandon(): void {
    this.#exchange = null;
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    const exchange = this.#exchange;
    if (exchange === null) {
      // Bytes nobody asked for: whatever the server meant, this connection is done.
      this.socket.destroy();
      return;
    }
    let complete: boolean;
    try {
      complete = this.#parser.push(chunk);
    } catch (error) {
      this.#exchange = null;
      this.socket.destroy();
      exchange.reject(error);
      return;
    }
    if (complete) this.#finish(exchange);
  }

  #finish(exchange: Exchange): void {
    this.#exchange = null;
    const parser = this.#parser;
    if (ANSWER_CHANNEL.hasSubscribers) {
      ANSWER_CHANNEL.publish({ target: this.#target, status: parser.status });
    }
    const body = parser.body();
    const answer = {
      status: parser.status,
      headers: new RawResponseHeaders(parser.headers),
      text: body.length === 0 ? "" : body.toString("utf8"),
    };
    if (parser.reusable && this.open && this.socket.writableLength === 0 && this.#keepFor(parser)) {
      this.socket.unref();
      this.#pool.release(this);
    } else {
      this.socket.destroy();
    }
    exchange.resolve(answer);
  }

  /** Applies the server's `Keep-Alive: timeout`; false when it leaves no time to reuse. */
  #keepFor(parser: Http1ResponseParser): boolean {
    const seconds = parser.keepAliveSeconds;
    if (seconds === null) return true;
    const ms = Math.min(IDLE_CONNECTION_MS, seconds * 1000 - 1000);
    if (ms <= 0) return false;
    if (ms !== this.#idleMs) {
      this.#idleMs = ms;
      this.socket.setTimeout(ms);
    }
    return true;
  }

  #onEnd(): void {
    const exchange = this.#exchange;
    // A body framed by the connection's end is complete now.
    if (exchange !== null && this.#parser.end()) this.#finish(exchange);
  }

  #onClose(): void {
    this.#pool.forget(this);
    const exchange = this.#exchange;
    if (exchange === null) return;
    if (this.#parser.end()) {
      this.#finish(exchange);
      return;
    }
    this.#exchange = null;
    exchange.reject(this.#error ?? new Http1ConnectionClosed(this.#parser.received));
  }
}

/** The idle connections to one origin, the most recently used last. */
class Http1Pool {
  readonly #idle: Http1Connection[] = [];

  acquire(target: Http1Target): Http1Connection {
    for (
      let connection = this.#idle.pop();
      connection !== undefined;
      connection = this.#idle.pop()
    ) {
      if (connection.open) return connection;
      connection.socket.destroy();
    }
    return new Http1Connection(this, target);
  }

  release(connection: Http1Connection): void {
    if (this.#idle.length >= MAX_IDLE_PER_ORIGIN) connection.socket.destroy();
    else this.#idle.push(connection);
  }

  forget(connection: Http1Connection): void {
    const index = this.#idle.lastIndexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  get idleCount(): number {
    return this.#idle.length;
  }
}

const POOLS = new Map<string, Http1Pool>();

function poolFor(target: Http1Target): Http1Pool {
  let pool = POOLS.get(target.origin);
  if (pool === undefined) {
    pool = new Http1Pool();
    POOLS.set(target.origin, pool);
  }
  return pool;
}

/** Idle connections kept to `target`'s origin (tests). */
export function idleConnections(target: Http1Target): number {
  return POOLS.get(target.origin)?.idleCount ?? 0;
}

/**
 * An attempt's exchange: settled once, by the answer, a failure, its timer or the caller's
 * signal. One object with its methods on the prototype, and a timer that takes it as its
 * argument, rather than a closure for each way it can end.
 */
class Http1Exchange implements Exchange {
  #settled = false;
  readonly #timer: NodeJS.Timeout;
  #onAbort: (() => void) | undefined;

  constructor(
    readonly connection: Http1Connection,
    readonly timeoutMs: number,
    readonly signal: CancelSignal | undefined,
    readonly settleAnswer: (answer: HttpAnswer<RawResponseHeaders>) => void,
    readonly settleError: (error: unknown) => void,
  ) {
    this.#timer = setTimeout(exchangeTimedOut, timeoutMs, this);
  }

  /** Listens for the caller's abort with `onAbort` (made by the caller: see `http1Attempt`). */
  listen(onAbort: () => void): void {
    this.#onAbort = onAbort;
    this.signal?.addEventListener("abort", onAbort, { once: true });
  }

  resolve(answer: HttpAnswer<RawResponseHeaders>): void {
    if (this.#settle()) this.settleAnswer(answer);
  }

  reject(error: unknown): void {
    if (this.#settle()) this.settleError(error);
  }

  /** Gives up (timed out or cancelled): the connection is closed, which tells the server. */
  stop(reason: unknown): void {
    if (!this.#settle()) return;
    this.connection.abandon();
    this.settleError(reason);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    clearRequestTimer(this.#timer);
    if (this.#onAbort !== undefined) this.signal?.removeEventListener("abort", this.#onAbort);
    return true;
  }
}

function exchangeTimedOut(exchange: Http1Exchange): void {
  exchange.stop(new HttpAttemptTimeout(exchange.timeoutMs));
}

/**
 * One attempt of the request `text` (`http1RequestText`) to `target` (see `HttpAttempt`):
 * resolves with the answer, whatever its status; rejects with `HttpAttemptTimeout` after
 * `timeoutMs`, with the signal's reason when it aborts first, and with the connection's error
 * (`ECONNREFUSED`, `Http1ConnectionClosed`, `Http1ProtocolError`) otherwise.
 */
export function http1Attempt(target: Http1Target, text: string): HttpAttempt<RawResponseHeaders> {
  return (timeoutMs: number, signal: CancelSignal | undefined) =>
    new Promise<HttpAnswer<RawResponseHeaders>>((resolve, reject) => {
      const connection = poolFor(target).acquire(target);
      const exchange = new Http1Exchange(connection, timeoutMs, signal, resolve, reject);
      // The listener is made here, not in the exchange's constructor: made there, it kept
      // every request's objects alive through the router's scavenges (`bench/router-gc.ts`:
      // 750 kB survived each one, against 25 kB made here; 2026-12-05).
      if (signal !== undefined) exchange.listen(() => exchange.stop(signal.reason));
      connection.send(text, exchange);
    });
}
