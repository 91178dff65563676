import { describe, expect, it } from "vitest";
import {
  exactMatch,
  textMatchMetrics,
  tokenF1,
} from "../../../src/select/metrics/text-match-metrics.js";
import { thrownError } from "./thrown-error.js";

describe("exactMatch", () => {
  it("ignores case, spacing and Unicode width but not punctuation", () => {
    expect(exactMatch("  Paris ", "paris")).toBe(1);
    expect(exactMatch("ＡＢＣ１２３", "abc123")).toBe(1);
    expect(exactMatch("STRASSE", "straße")).toBe(1);
    expect(exactMatch("Paris.", "Paris")).toBe(0);
  });

  it("compares Chinese text exactly after normalisation", () => {
    expect(exactMatch(" 北京 ", "北京")).toBe(1);
    expect(exactMatch("北京。", "北京")).toBe(0);
    expect(exactMatch("北京市", "北京")).toBe(0);
  });
});

describe("tokenF1", () => {
  it("scores bag-of-words overlap like SQuAD", () => {
    // 3 predicted tokens, 6 reference tokens, 3 in common: P 1, R 1/2, F1 2/3.
    expect(tokenF1("the cat sat", "the cat sat on the mat")).toBeCloseTo(2 / 3, 12);
    // Repeated tokens count once per occurrence: "the the" shares one "the" with "the cat".
    expect(tokenF1("the the", "the cat")).toBeCloseTo(0.5, 12);
    expect(tokenF1("Paris.", "paris")).toBe(1);
    expect(tokenF1("London", "Paris")).toBe(0);
  });

  it("tokenises Chinese per character", () => {
    // 北京市 vs 北京: 2 common of 3 and 2 -> P 2/3, R 1 -> F1 0.8.
    expect(tokenF1("北京市", "北京")).toBeCloseTo(0.8, 12);
    // 7 vs 4 characters, all 4 shared: P 4/7, R 1 -> F1 8/11.
    expect(tokenF1("我爱北京天安门", "我爱北京")).toBeCloseTo(8 / 11, 12);
    expect(tokenF1("质量很好，推荐！", "质量很好")).toBeCloseTo((2 * (4 / 6)) / (1 + 4 / 6), 12);
  });

  it("scores two empty answers 1 and one empty answer 0", () => {
    expect(tokenF1("", " ")).toBe(1);
    expect(tokenF1("", "Paris")).toBe(0);
    expect(tokenF1("Paris", "")).toBe(0);
  });
});

describe("textMatchMetrics", () => {
  it("averages over items with a reference and skips the others", () => {
    const result = textMatchMetrics(
      ["paris", "the cat sat on the mat", "北京", null],
      [
        { kind: "text", text: "Paris" },
        { kind: "text", text: "the cat sat" },
        { kind: "text", text: "北京市" },
        { kind: "text", text: "anything" },
      ],
    );
    expect(result.items).toBe(3);
    expect(result.unlabelledItems).toBe(1);
    expect(result.exactMatch).toBeCloseTo(1 / 3, 12);
    expect(result.tokenF1).toBeCloseTo((1 + 2 / 3 + 0.8) / 3, 12);
    expect(result.perItem.map((item) => item.exactMatch)).toEqual([1, 0, 0]);
  });

  it("rejects empty input and non-text outputs", () => {
    expect(thrownError(() => textMatchMetrics([], []))).toMatch(/^INVALID_ARGUMENT: .*no items/);
    expect(
      thrownError(() =>
        textMatchMetrics(["a"], [{ kind: "labels", labels: [{ label: "a", score: 1 }] }]),
      ),
    ).toMatch(/reads "text" outputs/);
  });
});
