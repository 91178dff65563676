import { afterEach, describe, expect, it, vi } from "vitest";
import { requestClockFrom, systemRequestClock } from "../../src/server/request-clock.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("request clock", () => {
  it("writes what Date#toISOString writes, across seconds, with the clock set back, and past year 9999", () => {
    const clock = systemRequestClock();
    const base = Date.UTC(2026, 10, 30, 9, 8, 20);
    const times = [
      ...[0, 1, 9, 10, 99, 100, 999, 1000, 1001, 61_999, 3_600_000].map((ms) => base + ms),
      base + 5, // back in time, within a second seen before
      base - 86_400_000 + 7, // back a day
      Date.UTC(2028, 1, 29, 23, 59, 59, 999),
      Date.UTC(2028, 2, 1, 0, 0, 0, 0),
      0,
      Date.UTC(10_000, 0, 1, 0, 0, 0, 42), // an extended year: +010000-01-01T00:00:00.042Z
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    const now = vi.spyOn(Date, "now");
    for (const ms of times) {
      now.mockReturnValue(ms);
      expect(clock.iso()).toBe(new Date(ms).toISOString());
      expect(clock.epochSeconds()).toBe(Math.floor(ms / 1000));
    }
  });

  it("reads an injected time as given", () => {
    const clock = requestClockFrom(() => new Date("2026-01-02T03:04:05.678Z"));
    expect(clock.iso()).toBe("2026-01-02T03:04:05.678Z");
    expect(clock.epochSeconds()).toBe(Math.floor(Date.parse("2026-01-02T03:04:05.678Z") / 1000));
  });
});
