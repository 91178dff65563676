/**
 * The pieces of hand-written JSON (`src/server/json-text.ts`): each must be what
 * `JSON.stringify` writes, and the names kept per text must stay few.
 */
import { describe, expect, it } from "vitest";
import {
  jsonName,
  jsonNameOrNull,
  jsonNumber,
  jsonText,
  jsonTextOrNull,
  keptPerText,
} from "../../src/server/json-text.js";

const TEXTS = [
  "",
  "delivery",
  "售后投诉",
  'say "hi"',
  "back\\slash",
  "line\nbreak\ttab\u0000nul\u001f",
  "pair 😀 kept",
  "lone \ud800 high",
  "lone \udc00 low",
  "Xenova/distilbert-base-uncased-finetuned-sst-2-english",
];

describe("json-text", () => {
  it("quotes every text as JSON.stringify does, kept or not", () => {
    for (const text of TEXTS) {
      expect(jsonText(text)).toBe(JSON.stringify(text));
      expect(jsonName(text)).toBe(JSON.stringify(text));
      // A second call answers from what was kept, and the same again.
      expect(jsonName(text)).toBe(JSON.stringify(text));
    }
    expect(jsonTextOrNull(null)).toBe("null");
    expect(jsonNameOrNull(null)).toBe("null");
    expect(jsonNameOrNull("route")).toBe('"route"');
    expect([1.5, -0, Number.NaN, Number.POSITIVE_INFINITY].map(jsonNumber)).toEqual(
      [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY].map((value) => JSON.stringify(value)),
    );
  });

  it("makes each text's form once, and starts again past its bound", () => {
    const made: string[] = [];
    const kept = keptPerText((text) => {
      made.push(text);
      return `<${text}>`;
    }, 3);
    expect(["a", "b", "a", "c", "b", "a"].map(kept)).toEqual([
      "<a>",
      "<b>",
      "<a>",
      "<c>",
      "<b>",
      "<a>",
    ]);
    expect(made).toEqual(["a", "b", "c"]);
    // A fourth text clears the three kept: each is made again once, then kept.
    expect(kept("d")).toBe("<d>");
    expect(kept("a")).toBe("<a>");
    expect(kept("a")).toBe("<a>");
    expect(made).toEqual(["a", "b", "c", "d", "a"]);
  });
});
