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
 * A record is a row's values: a JSON array (`head`) and one more value (`tail`), a text
 * passed through as is or null. The tail is there for a column that already holds JSON
 * (the request log's decision): embedded in the array it would be escaped and parsed again.
 * Layout: u32 head bytes, u32 tail bytes + 1 (0: null), the head, the tail, both UTF-8.
 * The worker runs `readRecords` from its source (`READ_RECORDS_SOURCE`).
 */

/** A value of a request-log column. */
export type ColumnValue = string | number | null;

const HEADER_BYTES = 8;
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

  /** Appends a row: `head` is the JSON array of all values but the last, `tail` the last. */
  append(head: string, tail: string | null): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    const most = HEADER_BYTES + 3 * (head.length + (tail === null ? 0 : tail.length));
    if (this.#used + most > this.#bytes.length) this.#grow(this.#used + most);
    const bytes = this.#bytes;
    const start = this.#used;
    const headBytes = bytes.write(head, start + HEADER_BYTES);
    const tailBytes = tail === null ? 0 : bytes.write(tail, start + HEADER_BYTES + headBytes);
    bytes.writeUInt32LE(headBytes, start);
    bytes.writeUInt32LE(tail === null ? 0 : tailBytes + 1, start + 4);
    this.#used = start + HEADER_BYTES + headBytes + tailBytes;
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

/** The rows of a batch, each as its values (the head's, then the tail). */
export function readRecords(memory: SharedArrayBuffer, byteLength: number): ColumnValue[][] {
  const bytes = Buffer.from(memory, 0, byteLength);
  const rows: ColumnValue[][] = [];
  let at = 0;
  while (at < byteLength) {
    const headBytes = bytes.readUInt32LE(at);
    const tailField = bytes.readUInt32LE(at + 4);
    at += HEADER_BYTES;
    const values = JSON.parse(bytes.toString("utf8", at, at + headBytes)) as ColumnValue[];
    at += headBytes;
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
 * compiled function itself, with the one constant it reads from this module.
 */
export const READ_RECORDS_SOURCE = `const HEADER_BYTES = ${HEADER_BYTES};
${readRecords.toString()}
`;
