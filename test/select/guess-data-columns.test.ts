import { describe, expect, it } from "vitest";
import { guessDataColumns } from "../../src/select/guess-data-columns.js";

const DEFAULTED = {
  inputColumn: "text",
  inputColumnDefaulted: true,
  labelColumn: "label",
  labelColumnDefaulted: true,
};

/** Columns with their values, as a CSV's header and rows give them. */
function guess(table: Record<string, unknown[]>, spec = DEFAULTED) {
  return guessDataColumns(Object.keys(table), (column) => table[column] ?? [], spec);
}

describe("guessDataColumns", () => {
  it("keeps text and label when the file has them", () => {
    expect(guess({ id: [1], text: ["good"], label: ["1"], review: ["x"] })).toEqual({
      inputColumn: "text",
      labelColumn: "label",
    });
  });

  it("reads columns named as inputs and labels usually are, in Chinese too", () => {
    expect(guess({ 标签: ["正面"], 评论: ["很好吃"] })).toEqual({
      inputColumn: "评论",
      labelColumn: "标签",
    });
    expect(guess({ idx: [0], sentence: ["a fine film"], label: [1] })).toEqual({
      inputColumn: "sentence",
      labelColumn: "label",
    });
    // Case, spaces, hyphens and underscores do not change a name.
    expect(guess({ "Review Text": ["great"], Sentiment: ["pos"], id: [7] })).toEqual({
      inputColumn: "Review Text",
      labelColumn: "Sentiment",
    });
  });

  it("guesses nothing when two columns claim the same role", () => {
    expect(guess({ question: ["why?"], content: ["because"], label: ["a"] })).toEqual({
      inputColumn: "text",
      labelColumn: "label",
    });
    expect(guess({ text: ["x"], category: ["a"], class: ["b"] })).toEqual({
      inputColumn: "text",
      labelColumn: "label",
    });
  });

  it("takes the one other text column, never a column of numbers", () => {
    expect(guess({ label: ["1"], remarks: ["nice"] }).inputColumn).toBe("remarks");
    expect(guess({ label: ["1"], id: ["17"] }).inputColumn).toBe("text");
    // A named input column holding only numbers is no input either.
    expect(guess({ label: ["1"], content: [3, 4] }).inputColumn).toBe("text");
  });

  it("never replaces a column the spec names", () => {
    const named = { ...DEFAULTED, inputColumnDefaulted: false, labelColumnDefaulted: false };
    expect(guess({ 标签: ["正面"], 评论: ["很好吃"] }, named)).toEqual({
      inputColumn: "text",
      labelColumn: "label",
    });
  });
});
