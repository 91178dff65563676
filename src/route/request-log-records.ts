/**
 * @module
 * Request-log rows as bytes in shared memory: how the routing server's event loop hands rows
 * to the writer thread (`request-log-writer.ts`) without keeping them as objects.
 *
 * Each row is appended, as it is logged, to the current batch: a `SharedArrayBuffer` the
 * worker reads in place when the batch is posted. Posting rows as objects cost a structured
 * clone of every field of every row in one go: a batch of 100 rows held the event loop for
 * 276-310 us every 20 ms at 5,000 requests/s, and the rows waiting for it were most of what
 * each young-generation GC had to copy (`bench/router-timeline.ts`, docs/benchmarks.md).
 *
 * A record is a row's values (`head`) and one more value (`tail`), a text passed through as
 * is or null. The tail is there for a column that already holds JSON (the request log's
 * decision). The head's texts are not escaped: they are joined and written as UTF-8 in one
 * go, and each value's kind and length (in UTF-16 code units) or number goes in front of
 * them. Until 2026-12-01 the head was a JSON array: `JSON.stringify` of it was about 14k of
 * the roughly 310k instructions the event loop ran per proxied request
 * (`bench/router-instructions.ts`), most of them spent escaping text that needed none.
 *
 * Layout: u32 text bytes, u32 tail bytes + 1 (0: null), u32 value count, then per value a
 * u8 kind and its payload (null: none; text, or text to redact: u32 length in UTF-16 code
 * units; number: f64),
 * then the joined texts and the tail, both UTF-8. UTF-8 cannot hold a lone surrogate: one is
 * written as U+FFFD, which keeps every length right. (SQLite got invalid bytes for it
 * before.) A number that is not finite reads back as null, as it did through JSON.
 * The worker runs `readRecords` from its source (`READ_RECORDS_SOURCE`).
 *
 * A text to redact (`append`'s `redactMask`) is a text the event loop did not redact: the
 * request log's prompts and answers, which the writer thread redacts (ADR 0085). It reads
 * back through the reader's `redact`, or as null without one: never as it was written.
 */

/** A value of a request-log column. */
export type ColumnValue = string | number | null;

const HEADER_BYTES = 12;
const KIND_NULL = 0;
const KIND_TEXT = 1;
const KIND_NUMBER = 2;
const KIND_REDACT = 3;
/** A value's kind byte and payload take at most this many bytes (a number's f64). */
const MAX_VALUE_BYTES = 9;
const MIN_CAPACITY = 16 * 1024;

/** Rows appended one by one into shared memory, posted to the writer as one batch. */
export class RecordBatch {
  #memory: SharedArrayBuffer;
  #bytes: Buffer;
  #used = 0;
  #count = 0;

  /** `capacity` is a first size in bytes; the batch grows as rows need. */
  constructor(capacity = MIN_CAPACITY) {
    this.#memory = new SharedArrayBuffer(Math.max(capacity, MIN_CAPACITY));
    this.#bytes = Buffer.from(this.#memory);
  }

  /**
   * Appends a row: `head` is all values but the last, `tail` the last. Bit `i` of
   * `redactMask` marks `head[i]`, if a text, as one to redact when read (`readRecords`).
   */
  append(head: readonly ColumnValue[], tail: string | null, redactMask = 0): void {
    let text = "";
    for (const value of head) if (typeof value === "string") text += value;
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const most =
      HEADER_BYTES +
      MAX_VALUE_BYTES * head.length +
      3 * (text.length + (tail === null ? 0 : tail.length));
    if (this.#used + most > this.#bytes.length) this.#grow(this.#used + most);
    const bytes = this.#bytes;
    const start = this.#used;
    let at = start + HEADER_BYTES;
    for (let index = 0; index < head.length; index += 1) {
      const value = head[index];
      if (typeof value === "string") {
        bytes[at] = (redactMask >> index) & 1 ? KIND_REDACT : KIND_TEXT;
        bytes.writeUInt32LE(value.length, at + 1);
        at += 5;
      } else if (typeof value === "number" && Number.isFinite(value)) {
        bytes[at] = KIND_NUMBER;
        bytes.writeDoubleLE(value, at + 1);
        at += 9;
      } else {
        bytes[at] = KIND_NULL;
        at += 1;
      }
    }
    const textBytes = text === "" ? 0 : bytes.write(text, at);
    at += textBytes;
    const tailBytes = tail === null || tail === "" ? 0 : bytes.write(tail, at);
    at += tailBytes;
    bytes.writeUInt32LE(textBytes, start);
    bytes.writeUInt32LE(tail === null ? 0 : tailBytes + 1, start + 4);
    bytes.writeUInt32LE(head.length, start + 8);
    this.#used = at;
    this.#count += 1;
  }

  /** Empties the batch for reuse, keeping its memory (once the worker is done with it). */
  reset(): void {
    this.#used = 0;
    this.#count = 0;
  }

  /** Rows appended. */
  get count(): number {
    return this.#count;
  }

  /** Bytes used. */
  get byteLength(): number {
    return this.#used;
  }

  /** The shared memory the rows are in (the first `byteLength` bytes). */
  get memory(): SharedArrayBuffer {
    return this.#memory;
  }

  #grow(needed: number): void {
    const memory = new SharedArrayBuffer(Math.max(needed, 2 * this.#bytes.length));
    const bytes = Buffer.from(memory);
    this.#bytes.copy(bytes, 0, 0, this.#used);
    this.#memory = memory;
    this.#bytes = bytes;
  }
}

/**
 * The rows of a batch, each as its values (the head's, then the tail); a text to redact
 * comes back as `redact` returns it, or null without `redact`.
 */
export function readRecords(
  memory: SharedArrayBuffer,
  byteLength: number,
  redact?: (text: string) => string,
): ColumnValue[][] {
  const bytes = Buffer.from(memory, 0, byteLength);
  const rows: ColumnValue[][] = [];
  let at = 0;
  while (at < byteLength) {
    const textBytes = bytes.readUInt32LE(at);
    const tailField = bytes.readUInt32LE(at + 4);
    const count = bytes.readUInt32LE(at + 8);
    at += HEADER_BYTES;
    const values: ColumnValue[] = [];
    const lengths: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const kind = bytes[at];
      if (kind === KIND_TEXT || kind === KIND_REDACT) {
        // A text to redact counts down from -2 (null, a number: -1).
        const length = bytes.readUInt32LE(at + 1);
        lengths.push(kind === KIND_TEXT ? length : -2 - length);
        values.push("");
        at += 5;
      } else if (kind === KIND_NUMBER) {
        lengths.push(-1);
        values.push(bytes.readDoubleLE(at + 1));
        at += 9;
      } else {
        lengths.push(-1);
        values.push(null);
        at += 1;
      }
    }
    const text = bytes.toString("utf8", at, at + textBytes);
    at += textBytes;
    let offset = 0;
    for (let index = 0; index < count; index += 1) {
      const length = lengths[index] as number;
      if (length >= 0) {
        values[index] = text.slice(offset, offset + length);
        offset += length;
      } else if (length <= -2) {
        const raw = text.slice(offset, offset - 2 - length);
        offset += -2 - length;
        values[index] = redact === undefined ? null : redact(raw);
      }
    }
    if (tailField === 0) {
      values.push(null);
    } else {
      values.push(bytes.toString("utf8", at, at + tailField - 1));
      at += tailField - 1;
    }
    rows.push(values);
  }
  return rows;
}

/**
 * `readRecords` as source for the writer thread, which cannot import this module: the
 * compiled function itself, with the constants it reads from this module.
 */
export const READ_RECORDS_SOURCE = `const HEADER_BYTES = ${HEADER_BYTES};
const KIND_TEXT = ${KIND_TEXT};
const KIND_NUMBER = ${KIND_NUMBER};
const KIND_REDACT = ${KIND_REDACT};
${readRecords.toString()}
`;
