import { describe, expect, it } from "vitest";
import {
  containsCjk,
  normaliseText,
  textTokens,
} from "../../../src/select/metrics/normalise-text.js";

describe("normaliseText", () => {
  it("trims, collapses whitespace, case-folds and applies NFKC", () => {
    expect(normaliseText("  Hello\t\n  World  ")).toBe("hello world");
    // Full-width Latin and digits, the ideographic space, full-width comma.
    expect(normaliseText("ＡＢＣ　１２３，")).toBe("abc 123,");
    // Full case folding: ß and SS are the same word.
    expect(normaliseText("Straße")).toBe(normaliseText("STRASSE"));
  });

  it("leaves Chinese text as it is apart from width and spacing", () => {
    expect(normaliseText(" 我爱北京 天安门 ")).toBe("我爱北京 天安门");
    expect(normaliseText("质量很好！")).toBe("质量很好!");
  });
});

describe("textTokens", () => {
  it("splits Latin text on whitespace and CJK text per character", () => {
    expect(textTokens("The cat  sat.", { removePunctuation: false })).toEqual([
      "the",
      "cat",
      "sat.",
    ]);
    expect(textTokens("The cat  sat.", { removePunctuation: true })).toEqual(["the", "cat", "sat"]);
    expect(textTokens("我用iPhone 15拍照。", { removePunctuation: true })).toEqual([
      "我",
      "用",
      "iphone",
      "15",
      "拍",
      "照",
    ]);
    expect(textTokens("東京タワー", { removePunctuation: true })).toEqual([
      "東",
      "京",
      "タ",
      "ワ",
      "ー",
    ]);
    expect(textTokens("안녕 세계", { removePunctuation: true })).toEqual(["안", "녕", "세", "계"]);
  });

  it("returns no tokens for empty or punctuation-only text", () => {
    expect(textTokens("", { removePunctuation: true })).toEqual([]);
    expect(textTokens(" ?!。 ", { removePunctuation: true })).toEqual([]);
  });

  it("detects CJK text", () => {
    expect(containsCjk("hello 世界")).toBe(true);
    expect(containsCjk("hello world")).toBe(false);
  });
});
