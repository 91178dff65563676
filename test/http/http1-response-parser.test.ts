import { describe, expect, it } from "vitest";
import {
  Http1ProtocolError,
  Http1ResponseParser,
  MAX_HEAD_BYTES,
} from "../../src/http/http1-response-parser.js";

interface Read {
  complete: boolean;
  status: number;
  headers: readonly string[];
  body: string;
  reusable: boolean;
  keepAliveSeconds: number | null;
}

/** Feeds `pieces` one after another, then the connection's end when `ends`. */
function read(pieces: readonly Buffer[], ends = false): Read {
  const parser = new Http1ResponseParser();
  parser.reset();
  let complete = false;
  for (const piece of pieces) complete = parser.push(piece);
  if (ends) complete = parser.end();
  return {
    complete,
    status: parser.status,
    headers: parser.headers,
    body: complete ? parser.body().toString("utf8") : "",
    reusable: parser.reusable,
    keepAliveSeconds: parser.keepAliveSeconds,
  };
}

/** Every way to cut `bytes` in two, and byte by byte. */
function splits(bytes: Buffer): Buffer[][] {
  const ways: Buffer[][] = [[bytes]];
  for (let at = 1; at < bytes.length; at += 1)
    ways.push([bytes.subarray(0, at), bytes.subarray(at)]);
  ways.push([...bytes].map((byte) => Buffer.from([byte])));
  return ways;
}

const wire = (text: string) => Buffer.from(text, "utf8");

describe("Http1ResponseParser: answers it reads, however the bytes are cut", () => {
  const cases: { name: string; bytes: Buffer; ends?: boolean; expected: Partial<Read> }[] = [
    {
      name: "a Content-Length body",
      bytes: wire(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"a":"é"}',
      ),
      expected: { status: 200, body: '{"a":"é"}', reusable: true },
    },
    {
      name: "a chunked body with a chunk extension and trailers",
      bytes: wire(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n",
      ),
      expected: { status: 200, body: "hello world", reusable: true },
    },
    {
      name: "an interim 100 Continue before the answer",
      bytes: wire(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok",
      ),
      expected: { status: 201, body: "ok", reusable: true },
    },
    {
      name: "a 204 without a body",
      bytes: wire("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"),
      expected: { status: 204, body: "", reusable: true },
    },
    {
      name: "a body read to the connection's end (HTTP/1.0)",
      bytes: wire("HTTP/1.0 200 OK\r\n\r\nall of it"),
      ends: true,
      expected: { status: 200, body: "all of it", reusable: false },
    },
    {
      name: "an answer that asks to close the connection",
      bytes: wire("HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy"),
      expected: { status: 503, body: "busy", reusable: false },
    },
    {
      name: "both framings: chunked counts, and the connection is not trusted again",
      bytes: wire(
        "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
      ),
      expected: { status: 200, body: "hi", reusable: false },
    },
    {
      name: "a server's keep-alive timeout and repeated header values",
      bytes: wire(
        "HTTP/1.1 429 Too Many Requests\r\nKeep-Alive: timeout=5, max=100\r\nRetry-After:  2 \r\nContent-Length: 0\r\n\r\n",
      ),
      expected: {
        status: 429,
        body: "",
        reusable: true,
        keepAliveSeconds: 5,
        headers: ["Keep-Alive", "timeout=5, max=100", "Retry-After", "2", "Content-Length", "0"],
      },
    },
    {
      name: "a header value in UTF-8",
      bytes: wire("HTTP/1.1 200 OK\r\nX-Text: café\r\nContent-Length: 0\r\n\r\n"),
      expected: { headers: ["X-Text", "café", "Content-Length", "0"] },
    },
  ];
  for (const { name, bytes, ends, expected } of cases) {
    it(name, () => {
      for (const pieces of splits(bytes)) {
        expect(read(pieces, ends)).toMatchObject({ complete: true, ...expected });
      }
    });
  }

  it("is not complete before the last byte, nor when the connection ends early", () => {
    const bytes = wire("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    expect(read([bytes.subarray(0, bytes.length - 1)]).complete).toBe(false);
    expect(read([bytes.subarray(0, bytes.length - 1)], true).complete).toBe(false);
    const chunked = wire("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    expect(read([chunked], true).complete).toBe(false);
  });

  it("does not reuse a connection that sent more than the answer", () => {
    const bytes = wire("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
    expect(read([bytes])).toMatchObject({ complete: true, body: "ok", reusable: false });
  });

  it("takes a reset for the next exchange", () => {
    const parser = new Http1ResponseParser();
    parser.reset();
    expect(parser.push(wire("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"))).toBe(true);
    parser.reset();
    expect(parser.received).toBe(false);
    expect(parser.push(wire("HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nb"))).toBe(true);
    expect(parser.status).toBe(404);
    expect(parser.body().toString()).toBe("b");
  });
});

describe("Http1ResponseParser: answers it refuses", () => {
  const refused: { name: string; bytes: string; problem: RegExp }[] = [
    {
      name: "another protocol",
      bytes: "HTTP/2 200\r\n\r\n",
      problem: /status line is "HTTP\/2 200"/,
    },
    { name: "no status", bytes: "ICY 200 OK\r\n\r\n", problem: /status line/ },
    {
      name: "bare LF line ends",
      bytes: "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
      problem: /bare CR or LF/,
    },
    {
      name: "a folded header",
      bytes: "HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\nContent-Length: 0\r\n\r\n",
      problem: /folded/,
    },
    {
      name: "a header without a colon",
      bytes: "HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n",
      problem: /header line/,
    },
    {
      name: "a space before the colon",
      bytes: "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
      problem: /header line/,
    },
    {
      name: "a Content-Length that is not digits",
      bytes: "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
      problem: /Content-Length is "0x10"/,
    },
    {
      name: "two different Content-Lengths",
      bytes: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      problem: /two different Content-Lengths/,
    },
    {
      name: "a chunk size that is not hexadecimal",
      bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      problem: /chunk size is not hexadecimal/,
    },
    {
      name: "chunk data longer than its size",
      bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n",
      problem: /not followed by CRLF/,
    },
    {
      name: "a switch of protocols",
      bytes: "HTTP/1.1 101 Switching Protocols\r\n\r\n",
      problem: /switches protocols/,
    },
  ];
  for (const { name, bytes, problem } of refused) {
    it(name, () => {
      const parser = new Http1ResponseParser();
      parser.reset();
      let caught: unknown;
      try {
        parser.push(wire(bytes));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(Http1ProtocolError);
      expect((caught as Error).message).toMatch(/^the server's answer is not valid HTTP\/1\.1: /);
      expect((caught as Error).message).toMatch(problem);
    });
  }

  it("a head over the limit, whether or not its end has arrived", () => {
    const long = `HTTP/1.1 200 OK\r\nX-Long: ${"a".repeat(MAX_HEAD_BYTES)}`;
    for (const bytes of [long, `${long}\r\n\r\n`]) {
      const parser = new Http1ResponseParser();
      parser.reset();
      expect(() => parser.push(wire(bytes))).toThrow(`its head is over ${MAX_HEAD_BYTES} bytes`);
    }
  });
});
