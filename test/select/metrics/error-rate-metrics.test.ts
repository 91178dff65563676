import { distance } from "fastest-levenshtein";
import { describe, expect, it } from "vitest";
import {
  characterErrorRate,
  editDistance,
  errorRateMetrics,
  rateQuality,
  wordErrorRate,
} from "../../../src/select/metrics/error-rate-metrics.js";
import { thrownError } from "./thrown-error.js";

describe("editDistance", () => {
  it("counts substitutions, deletions and insertions over any sequence", () => {
    expect(editDistance([..."kitten"], [..."sitting"])).toBe(3);
    expect(editDistance(["a", "b", "c"], ["a", "c", "d"])).toBe(2);
    expect(editDistance([], ["x", "y"])).toBe(2);
    expect(editDistance(["x"], [])).toBe(1);
  });

  it("agrees with fastest-levenshtein on strings", () => {
    const pairs = [
      ["intention", "execution"],
      ["我爱北京天安门", "我爱天安门广场"],
      ["", "abc"],
      ["flaw", "lawn"],
    ] as const;
    for (const [a, b] of pairs) expect(editDistance([...a], [...b])).toBe(distance(a, b));
  });
});

describe("characterErrorRate", () => {
  it("divides edits by the reference length after normalisation", () => {
    expect(characterErrorRate("kitten", "sitting")).toBeCloseTo(3 / 7, 12);
    expect(characterErrorRate("Hello World", "hello  world")).toBe(0);
    // Punctuation is content for OCR: two missing characters out of 13.
    expect(characterErrorRate("hello world", "Hello, world.")).toBeCloseTo(2 / 13, 12);
  });

  it("works per character on Chinese", () => {
    expect(characterErrorRate("我爱北京天门", "我爱北京天安门")).toBeCloseTo(1 / 7, 12);
    expect(characterErrorRate("我爱北京天安门", "我爱北京天安门")).toBe(0);
  });

  it("counts code points, not UTF-16 units, for characters beyond the BMP", () => {
    // 𠀋 is one character (a surrogate pair): one substitution in two characters.
    expect(characterErrorRate("𠀋a", "𠀋b")).toBe(0.5);
    expect(characterErrorRate("😀", "😃")).toBe(1);
  });

  it("can exceed 1 and treats an empty reference as length 1", () => {
    expect(characterErrorRate("abcdef", "ab")).toBe(2);
    expect(rateQuality(characterErrorRate("abcdef", "ab"))).toBe(0);
    expect(characterErrorRate("abc", "")).toBe(3);
    expect(characterErrorRate("", "")).toBe(0);
  });
});

describe("wordErrorRate", () => {
  it("counts word edits and ignores punctuation and case", () => {
    expect(wordErrorRate("Hello, world.", "hello world")).toBe(0);
    expect(wordErrorRate("the cat sat on mat", "the cat sat on the mat")).toBeCloseTo(1 / 6, 12);
    expect(wordErrorRate("a b c", "x y")).toBe(1.5);
  });

  it("falls back to characters for CJK text", () => {
    // One missing character of seven; the full stop is not a word.
    expect(wordErrorRate("我爱北京天门。", "我爱北京天安门")).toBeCloseTo(1 / 7, 12);
    // Spaces an ASR model puts between characters do not count as errors.
    expect(wordErrorRate("我 爱 北 京", "我爱北京")).toBe(0);
  });
});

describe("errorRateMetrics", () => {
  it("computes corpus rates as total edits over total reference length", () => {
    const result = errorRateMetrics(
      ["sitting", "abc", null],
      [
        { kind: "text", text: "kitten" },
        { kind: "text", text: "ABC" },
        { kind: "text", text: "ignored" },
      ],
    );
    expect(result.items).toBe(2);
    expect(result.unlabelledItems).toBe(1);
    // 3 + 0 character edits over 7 + 3 characters (the mean of per-item rates would be 0.214).
    expect(result.cer).toBeCloseTo(0.3, 12);
    expect(result.cerQuality).toBeCloseTo(0.7, 12);
    // 1 + 0 word edits over 1 + 1 words.
    expect(result.wer).toBe(0.5);
    expect(result.werQuality).toBe(0.5);
    expect(result.perItem).toEqual([
      { characterEdits: 3, referenceCharacters: 7, wordEdits: 1, referenceWords: 1 },
      { characterEdits: 0, referenceCharacters: 3, wordEdits: 0, referenceWords: 1 },
    ]);
  });

  it("rejects empty input and items without any reference", () => {
    expect(thrownError(() => errorRateMetrics([], []))).toMatch(/^INVALID_ARGUMENT: cer: no items/);
    expect(thrownError(() => errorRateMetrics([null], [{ kind: "text", text: "x" }]))).toMatch(
      /no items with a reference text/,
    );
  });
});
