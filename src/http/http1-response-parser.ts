/**
 * @module
 * Reads one HTTP/1.1 answer off a connection's bytes, for the lean client
 * (`http1-client.ts`): the status line, the headers, and the body framed by
 * `Content-Length`, `Transfer-Encoding: chunked` or the connection's end (RFC 9112, sections
 * 4-7). Interim `1xx` answers are skipped. It is strict where a lenient reading could be
 * steered into taking the wrong bytes for the answer: a folded header line, a header name
 * that is not a token, a `Content-Length` that is not digits or disagrees with another, a
 * bad chunk size, a head over 64 KiB, line ends other than CRLF. Each is an
 * `Http1ProtocolError`, and the connection is not used again.
 */

/** The most bytes an answer's head (status line and headers) may take. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** The most bytes a chunk-size line or a trailer line may take. */
const MAX_LINE_BYTES = 8 * 1024;

const HEAD = 0;
const FIXED = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_DATA_END = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
const DONE = 7;
type Phase = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

const CRLF = Buffer.from("\r\n", "latin1");
const CRLF_CRLF = Buffer.from("\r\n\r\n", "latin1");
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: |$)/;
/** The characters of an HTTP token (RFC 9110, 5.6.2): a header's name. */
const TOKEN_CHARS = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
/** A whole HTTP token: a header name (the client checks the names it writes with it too). */
export const HTTP_TOKEN = new RegExp(`^${TOKEN_CHARS}+$`);
const DIGITS = /^[0-9]{1,15}$/;
const NON_ASCII = /[\x80-\xff]/;
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,13})[ \t]*(?:;.*)?$/;

/** The server's answer could not be read as HTTP/1.1. */
export class Http1ProtocolError extends Error {
  constructor(problem: string) {
    super(`the server's answer is not valid HTTP/1.1: ${problem}`);
    this.name = "Http1ProtocolError";
  }
}

/**
 * A status line (`HTTP/1.x NNN reason`) and header lines (`token:value`), separated by CRLF,
 * where the reason and the values are made of `valueChar`. Linear: each repetition starts at
 * a CRLF, which nothing before it can take.
 */
function headPattern(valueChar: string): RegExp {
  return new RegExp(
    `^HTTP\\/1\\.[01] [1-9][0-9]{2}(?: ${valueChar}*)?(?:\\r\\n${TOKEN_CHARS}+:${valueChar}*)*$`,
  );
}
/** A well-formed head: no CR or LF inside a line. */
const WELL_FORMED_HEAD = headPattern("[^\\r\\n]");
/** `WELL_FORMED_HEAD` in ASCII alone: the usual head, tried first so that it is read once. */
const WELL_FORMED_ASCII_HEAD = headPattern("[^\\r\\n\\x80-\\xff]");

/** What is wrong with a head `WELL_FORMED_HEAD` refused, line by line. */
function headProblem(head: string): Http1ProtocolError {
  const lines = head.split("\r\n");
  const statusLine = lines[0] as string;
  if (!STATUS_LINE.test(statusLine)) {
    return new Http1ProtocolError(`its status line is ${JSON.stringify(statusLine.slice(0, 60))}`);
  }
  if (/[\r\n]/.test(statusLine)) {
    return new Http1ProtocolError("its status line holds a bare CR or LF");
  }
  for (const line of lines.slice(1)) {
    const first = line.charCodeAt(0);
    if (first === 32 || first === 9) {
      return new Http1ProtocolError("a header line is folded onto the next (obs-fold)");
    }
    const colon = line.indexOf(":");
    if (colon <= 0 || !HTTP_TOKEN.test(line.slice(0, colon))) {
      return new Http1ProtocolError(`a header line is ${JSON.stringify(line.slice(0, 60))}`);
    }
    if (/[\r\n]/.test(line)) return new Http1ProtocolError("a header line holds a bare CR or LF");
  }
  return new Http1ProtocolError("its head is malformed");
}

/** Whether header `name` is `lower`, in any case (`usual` is the common spelling). */
function sameName(name: string, lower: string, usual: string): boolean {
  return name === lower || name === usual || name.toLowerCase() === lower;
}

/** `value` without the spaces and tabs around it (not `trim()`: latin1's no-break space stays). */
function trimSpaces(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) {
    start += 1;
  }
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) {
    end -= 1;
  }
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Whether a comma-separated header value holds `token` (case-insensitive). */
function hasToken(value: string, token: string): boolean {
  if (!value.includes(",")) return trimSpaces(value).toLowerCase() === token;
  for (const part of value.split(",")) {
    if (trimSpaces(part).toLowerCase() === token) return true;
  }
  return false;
}

/** Seconds of `Keep-Alive: timeout=N`, or null. */
function keepAliveSeconds(value: string): number | null {
  const match = /(?:^|[,;\s])timeout\s*=\s*([0-9]{1,9})/i.exec(value);
  return match === null ? null : Number(match[1]);
}

/**
 * One answer at a time: `push` the bytes as they arrive until it returns true, then read the
 * answer; `reset` before the next exchange on the same connection.
 */
export class Http1ResponseParser {
  #phase: Phase = HEAD;
  /** Bytes received but not yet consumed (a partial line or head). */
  #pending: Buffer | null = null;
  #status = 0;
  #headers: string[] = [];
  #keepAlive = true;
  #keepAliveSeconds: number | null = null;
  /** Bytes left of a fixed-length body or of the current chunk. */
  #remaining = 0;
  #body: Buffer[] = [];
  #bodyBytes = 0;
  #trailerBytes = 0;
  #leftover = 0;
  #received = false;

  /** Starts over for a new exchange (a GET or a POST: the client sends no HEAD). */
  reset(): void {
    this.#phase = HEAD;
    this.#pending = null;
    this.#status = 0;
    this.#headers = [];
    this.#keepAlive = true;
    this.#keepAliveSeconds = null;
    this.#remaining = 0;
    this.#body = [];
    this.#bodyBytes = 0;
    this.#trailerBytes = 0;
    this.#leftover = 0;
    this.#received = false;
  }

  /** Whether any byte of this exchange's answer has arrived. */
  get received(): boolean {
    return this.#received;
  }

  get complete(): boolean {
    return this.#phase === DONE;
  }

  get status(): number {
    return this.#status;
  }

  /** Name, value, name, value, ... as the server sent them (names in their own case). */
  get headers(): readonly string[] {
    return this.#headers;
  }

  /**
   * Whether the connection may carry another exchange: the server did not ask to close it,
   * the body was framed by its length (not by the end of the connection), and nothing
   * followed the answer.
   */
  get reusable(): boolean {
    return this.#phase === DONE && this.#keepAlive && this.#leftover === 0;
  }

  /** What the server's `Keep-Alive: timeout=N` said, in seconds; null when it said nothing. */
  get keepAliveSeconds(): number | null {
    return this.#keepAliveSeconds;
  }

  /** The body, once complete. */
  body(): Buffer {
    return this.#body.length === 1
      ? (this.#body[0] as Buffer)
      : Buffer.concat(this.#body, this.#bodyBytes);
  }

  /** Reads `chunk`; true once the answer is complete. Throws `Http1ProtocolError`. */
  push(chunk: Buffer): boolean {
    if (chunk.length > 0) this.#received = true;
    const data = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    let offset = 0;
    for (;;) {
      if (this.#phase === DONE) {
        this.#leftover += data.length - offset;
        return true;
      }
      if (offset >= data.length) return false;
      switch (this.#phase) {
        case HEAD: {
          const end = data.indexOf(CRLF_CRLF, offset);
          if (end < 0) {
            if (data.length - offset > MAX_HEAD_BYTES) {
              throw new Http1ProtocolError(`its head is over ${MAX_HEAD_BYTES} bytes`);
            }
            this.#pending = data.subarray(offset);
            return false;
          }
          if (end - offset > MAX_HEAD_BYTES) {
            throw new Http1ProtocolError(`its head is over ${MAX_HEAD_BYTES} bytes`);
          }
          this.#readHead(data.toString("latin1", offset, end));
          offset = end + 4;
          break;
        }
        case FIXED:
        case CHUNK_DATA:
        case UNTIL_CLOSE: {
          const available = data.length - offset;
          const take =
            this.#phase === UNTIL_CLOSE ? available : Math.min(this.#remaining, available);
          this.#body.push(
            offset === 0 && take === data.length ? data : data.subarray(offset, offset + take),
          );
          this.#bodyBytes += take;
          offset += take;
          if (this.#phase !== UNTIL_CLOSE) {
            this.#remaining -= take;
            if (this.#remaining === 0) this.#phase = this.#phase === FIXED ? DONE : CHUNK_DATA_END;
          }
          break;
        }
        case CHUNK_DATA_END: {
          if (data.length - offset < 2) {
            this.#pending = data.subarray(offset);
            return false;
          }
          if (data[offset] !== 13 || data[offset + 1] !== 10) {
            throw new Http1ProtocolError("a chunk's data is not followed by CRLF");
          }
          offset += 2;
          this.#phase = CHUNK_SIZE;
          break;
        }
        case CHUNK_SIZE:
        case TRAILERS: {
          const end = data.indexOf(CRLF, offset);
          if (end < 0) {
            if (data.length - offset > MAX_LINE_BYTES) {
              throw new Http1ProtocolError(
                `a chunk-size or trailer line is over ${MAX_LINE_BYTES} bytes`,
              );
            }
            this.#pending = data.subarray(offset);
            return false;
          }
          const line = data.toString("latin1", offset, end);
          offset = end + 2;
          if (this.#phase === TRAILERS) {
            if (line.length === 0) this.#phase = DONE;
            else {
              this.#trailerBytes += line.length;
              if (this.#trailerBytes > MAX_HEAD_BYTES) {
                throw new Http1ProtocolError(`its trailers are over ${MAX_HEAD_BYTES} bytes`);
              }
            }
            break;
          }
          const match = CHUNK_SIZE_LINE.exec(line);
          if (match === null) {
            throw new Http1ProtocolError(
              `a chunk size is not hexadecimal (${JSON.stringify(line.slice(0, 40))})`,
            );
          }
          const size = Number.parseInt(match[1] as string, 16);
          if (size === 0) this.#phase = TRAILERS;
          else {
            this.#remaining = size;
            this.#phase = CHUNK_DATA;
          }
          break;
        }
      }
    }
  }

  /**
   * The connection ended. True when that completes the answer (a body read to the end of the
   * connection); false when the answer was cut short, or had not begun.
   */
  end(): boolean {
    if (this.#phase === UNTIL_CLOSE) {
      this.#phase = DONE;
      this.#keepAlive = false;
    }
    return this.#phase === DONE;
  }

  #readHead(head: string): void {
    // One pass over the whole head checks its shape (status line, then token-named header
    // lines, CRLF only); the lines are then split without checking each again.
    const nonAscii = !WELL_FORMED_ASCII_HEAD.test(head);
    if (nonAscii && !WELL_FORMED_HEAD.test(head)) throw headProblem(head);
    const status = Number(head.slice(9, 12));
    const http10 = head.charCodeAt(7) === 48;
    const headers: string[] = [];
    let contentLength = -1;
    let transferEncoding: string | null = null;
    let connection: string | null = null;
    let keepAlive: string | null = null;
    let start = head.indexOf("\r\n");
    while (start >= 0) {
      const next = head.indexOf("\r\n", start + 2);
      const line = head.slice(start + 2, next < 0 ? head.length : next);
      start = next;
      const colon = line.indexOf(":");
      const name = line.slice(0, colon);
      let value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
      const last = value.charCodeAt(value.length - 1);
      const first = value.charCodeAt(0);
      if (last === 32 || last === 9 || first === 32 || first === 9) value = trimSpaces(value);
      // Read as latin1 above; bytes past ASCII are taken as UTF-8, as undici and fetch do.
      if (nonAscii && NON_ASCII.test(value)) value = Buffer.from(value, "latin1").toString("utf8");
      headers.push(name, value);
      // Only four names matter to framing: compare by length first, then the letters.
      switch (name.length) {
        case 14:
          if (sameName(name, "content-length", "Content-Length")) {
            for (const part of value.split(",")) {
              const length = trimSpaces(part);
              if (!DIGITS.test(length)) {
                throw new Http1ProtocolError(
                  `its Content-Length is ${JSON.stringify(value.slice(0, 40))}`,
                );
              }
              if (contentLength >= 0 && Number(length) !== contentLength) {
                throw new Http1ProtocolError("it gives two different Content-Lengths");
              }
              contentLength = Number(length);
            }
          }
          break;
        case 17:
          if (sameName(name, "transfer-encoding", "Transfer-Encoding")) {
            transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
          }
          break;
        case 10: {
          const initial = name.charCodeAt(0) | 0x20; // lower case
          if (initial === 99 && sameName(name, "connection", "Connection")) {
            connection = connection === null ? value : `${connection}, ${value}`;
          } else if (initial === 107 && sameName(name, "keep-alive", "Keep-Alive")) {
            keepAlive = value;
          }
          break;
        }
      }
    }
    if (status < 200) {
      // An interim answer (100 Continue, 103 Early Hints): the real one follows. 101 would
      // switch protocols, which no request here asks for.
      if (status === 101) throw new Http1ProtocolError("it switches protocols (101)");
      return;
    }
    this.#status = status;
    this.#headers = headers;
    this.#keepAlive =
      connection === null
        ? !http10
        : connection === "keep-alive"
          ? true
          : connection === "close"
            ? false
            : http10
              ? hasToken(connection, "keep-alive")
              : !hasToken(connection, "close");
    if (keepAlive !== null) this.#keepAliveSeconds = keepAliveSeconds(keepAlive);
    if (status === 204 || status === 304) {
      this.#phase = DONE;
      return;
    }
    if (transferEncoding !== null) {
      const codings = transferEncoding === "chunked" ? null : transferEncoding.split(",");
      const last =
        codings === null
          ? "chunked"
          : trimSpaces(codings[codings.length - 1] as string).toLowerCase();
      // Both framings given: the chunked one counts, and the connection is not trusted again
      // (RFC 9112, 6.3).
      if (contentLength >= 0) this.#keepAlive = false;
      if (last === "chunked") {
        this.#phase = CHUNK_SIZE;
      } else {
        this.#phase = UNTIL_CLOSE;
        this.#keepAlive = false;
      }
      return;
    }
    if (contentLength >= 0) {
      this.#phase = contentLength === 0 ? DONE : FIXED;
      this.#remaining = contentLength;
      return;
    }
    this.#phase = UNTIL_CLOSE;
    this.#keepAlive = false;
  }
}
