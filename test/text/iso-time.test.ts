import { describe, expect, it } from "vitest";
import { isoFormatter, isoTimeParser } from "../../src/text/iso-time.js";

describe("ISO times, a second at a time", () => {
  it("reads what Date.parse reads, across seconds, back in time and in other layouts", () => {
    const parse = isoTimeParser();
    const base = Date.UTC(2026, 11, 5, 18, 40, 7);
    const texts = [
      ...[0, 1, 9, 10, 99, 100, 999, 1000, 1001, 61_999, 3_600_000, 5, -86_400_000 + 7].map((ms) =>
        new Date(base + ms).toISOString(),
      ),
      // Same second as one parsed before, in layouts whose last digits are not milliseconds.
      "2026-12-05T18:40:07.1234Z",
      "2026-12-05T18:40:07.12Z",
      "2026-12-05T18:40:07.12aZ",
      "2026-12-05T18:40:07.123+01:00",
      "2026-12-05T18:40:07Z",
      "2026-12-05",
      // ISO 8601's end-of-day midnight: the next day's 00:00, as Date.parse reads it.
      "2026-12-05T24:00:00.250Z",
      "2026-12-05T24:00:00.500Z",
      "2026-12-06T00:00:00.750Z",
      "2026-12-05T25:00:00.000Z",
      "2026-02-30T10:00:00.000Z",
      "not a time",
      "",
    ];
    for (const text of texts) {
      expect([text, parse(text)]).toEqual([text, Date.parse(text)]);
    }
    // Twice over, so that every text also meets a second kept from the pass before.
    for (const text of texts) {
      expect([text, parse(text)]).toEqual([text, Date.parse(text)]);
    }
  });

  it("reads back what its formatter writes", () => {
    const format = isoFormatter();
    const parse = isoTimeParser();
    const end = Date.UTC(2027, 0, 1, 0, 0, 1);
    for (let ms = Date.UTC(2026, 11, 31, 23, 59, 58, 990); ms < end; ms += 7) {
      expect(parse(format(ms))).toBe(ms);
    }
  });
});
