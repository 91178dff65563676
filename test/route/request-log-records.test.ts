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
) => ColumnValue[][];

const ROWS: { head: ColumnValue[]; tail: string | null }[] = [
  { head: ["req_1", 200, 1.25, null], tail: '{"route":"local"}' },
  { head: ["req_2", 502, 0.1 + 0.2, "where is my parcel"], tail: null },
  // Chinese, an emoji (a surrogate pair), a lone surrogate, control characters, quotes.
  { head: ["我的包裹在哪里？ 📦", "a\u0000b\u001e\nc", '"quoted" \\ back', "\ud800"], tail: "" },
  { head: [], tail: "the tail may hold anything, even\nnewlines and 退货" },
];

function batchOf(rows: typeof ROWS, capacity?: number): RecordBatch {
  const batch = new RecordBatch(capacity);
  for (const row of rows) batch.append(JSON.stringify(row.head), row.tail);
  return batch;
}

const expected = (rows: typeof ROWS) => rows.map((row) => [...row.head, row.tail]);

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

  it("an empty batch has no rows", () => {
    const batch = new RecordBatch();
    expect(batch.count).toBe(0);
    expect(readRecords(batch.memory, batch.byteLength)).toEqual([]);
  });
});
