import { describe, expect, it } from "vitest";
import { languageName, normaliseLanguage } from "../../src/catalog/languages.js";

describe("normaliseLanguage", () => {
  it.each([
    ["zho-Hans", "zh"],
    ["eng-Latn", "en"],
    ["eng_Latn", "en"],
    ["eng", "en"],
    ["zh-CN", "zh"],
    ["zh-Hant-TW", "zh"],
    ["EN", "en"],
    [" de ", "de"],
    ["yue", "yue"],
    ["fra", "fr"],
    ["fre", "fr"],
    ["chi", "zh"],
    ["cmn-Hans", "zh"],
    ["arb_Arab", "ar"],
    ["nob-Latn", "nb"],
    ["zhs", "zh"],
    ["iw", "he"],
    ["fil", "fil"],
  ])("normalises the code %s to %s", (input, expected) => {
    expect(normaliseLanguage(input)).toBe(expected);
  });

  it.each([
    ["中文", "zh"],
    ["汉语", "zh"],
    ["漢語", "zh"],
    ["普通话", "zh"],
    ["粵語", "yue"],
    ["日本語", "ja"],
    ["한국어", "ko"],
    ["Deutsch", "de"],
    ["Français", "fr"],
    ["Franc\u0327ais", "fr"],
    ["francais", "fr"],
    ["Español", "es"],
    ["Português", "pt"],
    ["Русский", "ru"],
    ["العربية", "ar"],
    ["हिन्दी", "hi"],
    ["Italiano", "it"],
    ["Nederlands", "nl"],
    ["Türkçe", "tr"],
    ["Tiếng Việt", "vi"],
    ["ไทย", "th"],
    ["Bahasa Indonesia", "id"],
  ])("accepts the language's own name %s as %s", (input, expected) => {
    expect(normaliseLanguage(input)).toBe(expected);
    expect(languageName(input)).not.toBeNull();
  });

  it.each([
    ["chinese", "zh"],
    ["English", "en"],
    ["Mandarin", "zh"],
    ["Cantonese", "yue"],
    ["greek", "el"],
    ["Spanish (Castilian)", "es"],
    ["farsi", "fa"],
  ])("accepts the language name %s as %s", (input, expected) => {
    expect(normaliseLanguage(input)).toBe(expected);
  });

  it.each([
    "",
    "xx",
    "qqq",
    "code",
    "python-Code",
    "multilingual",
    "und",
    "mul",
    "en-",
    "english!",
    "e",
  ])("rejects %j", (input) => {
    expect(normaliseLanguage(input)).toBeNull();
  });
});

describe("languageName", () => {
  it("names languages by any of their codes", () => {
    expect(languageName("zh")).toBe("Chinese");
    expect(languageName("zho-Hans")).toBe("Chinese");
    expect(languageName("yue")).toBe("Yue Chinese");
    expect(languageName("fra")).toBe("French");
  });

  it("returns null for codes without a known name and for junk", () => {
    expect(languageName("aaa")).toBeNull();
    expect(languageName("not a language")).toBeNull();
  });
});
