import { describe, expect, it } from "vitest";
import { formatCount } from "../../src/text/format-table.js";

describe("formatCount", () => {
  it.each([
    [0, "0"],
    [7, "7"],
    [999, "999"],
    [1000, "1k"],
    [1500, "1.5k"],
    [12_345, "12.3k"],
    [100_000, "100k"],
    [120_000, "120k"],
    [999_499, "999k"],
    [1_000_000, "1M"],
    [12_500_000, "12.5M"],
    [100_000_000, "100M"],
    [360_000_000, "360M"],
    [560_000_000, "560M"],
    [1_000_000_000, "1B"],
    [7_241_000_000, "7.24B"],
    [70_000_000_000, "70B"],
    [1e15, "1000T"],
    [-360_000_000, "-360M"],
  ])("shows %d as %s", (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });

  it.each([
    [999.6, "1k"],
    [999_500, "1M"],
    [999_999, "1M"],
    [999_999_999, "1B"],
    [999_950_000_000, "1T"],
  ])("rounds %d up into the next unit (%s)", (value, expected) => {
    expect(formatCount(value)).toBe(expected);
  });

  it("shows an unknown or non-finite count as ?", () => {
    expect(formatCount(null)).toBe("?");
    expect(formatCount(Number.NaN)).toBe("?");
    expect(formatCount(Number.POSITIVE_INFINITY)).toBe("?");
  });
});
