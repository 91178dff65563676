import { describe, expect, it } from "vitest";
import { newRequestId, requestIdTimeMs } from "../../src/route/router.js";

describe("newRequestId", () => {
  it("is req_ and 32 hex digits, time first, so ids sort by when they were made", () => {
    const earlier = newRequestId(Date.UTC(2026, 10, 29, 12, 0, 0, 0));
    const later = newRequestId(Date.UTC(2026, 10, 29, 12, 0, 0, 1));
    for (const id of [earlier, later, newRequestId()]) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(earlier < later).toBe(true);
    expect(earlier.slice(4, 16)).toBe(
      Date.UTC(2026, 10, 29, 12, 0, 0, 0).toString(16).padStart(12, "0"),
    );
    // The time prefix is formatted once per millisecond: going back to an earlier time
    // formats it again.
    const again = newRequestId(Date.UTC(2026, 10, 29, 12, 0, 0, 0));
    expect(again.slice(0, 16)).toBe(earlier.slice(0, 16));
    expect(again).not.toBe(earlier);
  });

  it("writes the time as 12 hex digits, across every 4.096 s turn of its upper digits", () => {
    const base = Date.UTC(2026, 11, 1, 4, 30);
    const start = base - (base % 4096) - 3;
    const times = [
      ...Array.from({ length: 5000 }, (_, step) => start + step), // two turns of the upper digits
      start - 86_400_000, // back a day
      0,
      1,
      4095,
      4096,
      16 ** 12 - 1, // the last time that fits 12 digits
    ];
    for (const now of times) {
      expect(newRequestId(now).slice(0, 16)).toBe(`req_${now.toString(16).padStart(12, "0")}`);
    }
  });

  it("keeps 80 random bits after the time: ids made in the same millisecond differ", () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => newRequestId(now)));
    expect(ids.size).toBe(10_000);
    // The random part is not the UUID's fixed version digit: all 16 hex digits occur at each place.
    const digits = new Set([...ids].map((id) => id[16]));
    expect(digits.size).toBe(16);
  });
});

describe("requestIdTimeMs", () => {
  it("reads back the time an id was made with, and nothing from other strings", () => {
    const ms = Date.UTC(2026, 11, 2, 15, 4, 5, 678);
    expect(requestIdTimeMs(newRequestId(ms))).toBe(ms);
    for (const other of ["req_made_up", `${newRequestId(ms)}0`, newRequestId(ms).toUpperCase()]) {
      expect(requestIdTimeMs(other)).toBeNull();
    }
  });
});
