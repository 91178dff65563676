import { describe, expect, it } from "vitest";
import {
  type ColumnValue,
  READ_RECORDS_SOURCE,
  RecordBatch,
  readRecords,
} from "../../src/route/request-log-records.js";

/**
 * `readRecords` as the writer thread gets it: compiled from its source, outside this module
 * (a reference to anything else in the module would fail here, as in the worker).
 */
const workerReadRecords = new Function(`${READ_RECORDS_SOURCE}\nreturn readRecords;`)() as (
  memory: SharedArrayBuffer,
  byteLength: number,
  redact?: (text: string) => string,
) => ColumnValue[][];

const ROWS: { head: ColumnValue[]; tail: string | null }[] = [
  { head: ["req_1", 200, 1.25, null], tail: '{"route":"local"}' },
  { head: ["req_2", 502, 0.1 + 0.2, "where is my parcel"], tail: null },
  // Chinese, an emoji (a surrogate pair), control characters, quotes, empty texts.
  {
    head: ["我的包裹在哪里？ 📦", "a\u0000b\u001e\nc", '"quoted" \\ back', "", "", 0],
    tail: "",
  },
  // Texts that need escaping in JSON next to one another, and a number between them.
  { head: ["\\", '"', -1.5e-7, "\u2028\u2029", 1e300, "]"], tail: "[" },
  { head: [], tail: "the tail may hold anything, even\nnewlines and 退货" },
];

function batchOf(rows: typeof ROWS, capacity?: number): RecordBatch {
  const batch = new RecordBatch(capacity);
  for (const row of rows) batch.append(row.head, row.tail);
  return batch;
}

const expected = (rows: typeof ROWS) => rows.map((row) => [...row.head, row.tail]);

/** Both readers' rows. */
function readBoth(batch: RecordBatch): ColumnValue[][][] {
  return [
    readRecords(batch.memory, batch.byteLength),
    workerReadRecords(batch.memory, batch.byteLength),
  ];
}

describe("request-log records", () => {
  it("reads back every row's values, the tail last, on the main thread and from the worker's source", () => {
    const batch = batchOf(ROWS);
    expect(batch.count).toBe(ROWS.length);
    expect(readRecords(batch.memory, batch.byteLength)).toEqual(expected(ROWS));
    expect(workerReadRecords(batch.memory, batch.byteLength)).toEqual(expected(ROWS));
  });

  it("grows past its first size without losing the rows already in it", () => {
    const many = Array.from({ length: 500 }, (_, index) => ({
      head: [`req_${index}`, "退货".repeat(index % 50)] as ColumnValue[],
      tail: index % 3 === 0 ? null : "x".repeat(index),
    }));
    const batch = batchOf(many, 1);
    expect(batch.memory.byteLength).toBeGreaterThan(16 * 1024);
    expect(batch.byteLength).toBeLessThanOrEqual(batch.memory.byteLength);
    expect(readRecords(batch.memory, batch.byteLength)).toEqual(expected(many));
    expect(workerReadRecords(batch.memory, batch.byteLength)).toEqual(expected(many));
  });

  it("reads a number that is not finite as null, as JSON did, and a lone surrogate as U+FFFD", () => {
    // UTF-8 cannot hold a lone surrogate; the lengths of the texts after it stay right.
    const batch = new RecordBatch();
    batch.append([Number.NaN, Number.POSITIVE_INFINITY, "a\ud800b", "退货", "x\udc00"], "\ud800");
    for (const rows of readBoth(batch)) {
      expect(rows).toEqual([[null, null, "a\ufffdb", "退货", "x\ufffd", "\ufffd"]]);
    }
  });

  it("reads a text marked to redact through the reader's redaction, or as null without one", () => {
    const batch = new RecordBatch();
    // Bits 1 and 3: the second and fourth values; a null or a number there stays as it is.
    const mask = (1 << 1) | (1 << 3);
    batch.append(["req_1", "mail ann@example.com", "kept as is", "退货 📦"], "{}", mask);
    batch.append(["req_2", null, "kept", 7], null, mask);
    const redact = (text: string) => `<${text.length}:${text.replace(/\S+@\S+/, "[EMAIL]")}>`;
    for (const read of [readRecords, workerReadRecords]) {
      expect(read(batch.memory, batch.byteLength, redact)).toEqual([
        ["req_1", "<20:mail [EMAIL]>", "kept as is", "<5:退货 📦>", "{}"],
        ["req_2", null, "kept", 7, null],
      ]);
      // Never as written: without a redaction the marked texts are dropped.
      expect(read(batch.memory, batch.byteLength)).toEqual([
        ["req_1", null, "kept as is", null, "{}"],
        ["req_2", null, "kept", 7, null],
      ]);
    }
  });

  it("an empty batch has no rows", () => {
    const batch = new RecordBatch();
    expect(batch.count).toBe(0);
    expect(readRecords(batch.memory, batch.byteLength)).toEqual([]);
  });
});
