import { describe, expect, it } from "vitest";
import { matchLabels } from "../../src/select/match-labels.js";

describe("matchLabels", () => {
  it("maps 1/0 onto POSITIVE/NEGATIVE by meaning and says so", () => {
    const result = matchLabels(["0", "1"], ["NEGATIVE", "POSITIVE"]);
    expect(result.mapping).toEqual({ "0": "NEGATIVE", "1": "POSITIVE" });
    expect(result.unmatched).toEqual([]);
    expect(result.explanation).toContain("Mapped 2 of 2 data labels");
    expect(result.explanation).toContain("1 -> POSITIVE (same meaning)");
  });

  it("prefers exact and case-insensitive matches", () => {
    const result = matchLabels(
      ["positive", "NEGATIVE", "neutral"],
      ["positive", "negative", "Neutral"],
    );
    expect(result.mapping).toEqual({
      positive: "positive",
      NEGATIVE: "negative",
      neutral: "Neutral",
    });
    expect(result.explanation).toContain("positive -> positive (same label)");
    expect(result.explanation).toContain("NEGATIVE -> negative (same label, different case)");
  });

  it("maps class indices onto LABEL_N before guessing meanings", () => {
    const result = matchLabels(["0", "1", "2"], ["LABEL_0", "LABEL_1", "LABEL_2"]);
    expect(result.mapping).toEqual({ "0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2" });
    expect(result.explanation).toContain("(same class index)");
  });

  it("maps pos/neg, true/false and positive/negative onto LABEL_1/LABEL_0", () => {
    expect(matchLabels(["pos", "neg"], ["LABEL_0", "LABEL_1"]).mapping).toEqual({
      pos: "LABEL_1",
      neg: "LABEL_0",
    });
    expect(matchLabels(["true", "false"], ["LABEL_0", "LABEL_1"]).mapping).toEqual({
      true: "LABEL_1",
      false: "LABEL_0",
    });
    expect(matchLabels(["Positive", "Negative"], ["pos", "neg"]).mapping).toEqual({
      Positive: "pos",
      Negative: "neg",
    });
  });

  it("maps Chinese sentiment labels onto English ones and 1/0 onto Chinese ones", () => {
    expect(matchLabels(["正面", "负面"], ["negative", "positive"]).mapping).toEqual({
      正面: "positive",
      负面: "negative",
    });
    expect(matchLabels(["1", "0"], ["负面", "正面"]).mapping).toEqual({ "1": "正面", "0": "负面" });
    expect(
      matchLabels(["好評", "差評", "中性"], ["POSITIVE", "NEGATIVE", "NEUTRAL"]).mapping,
    ).toEqual({
      好評: "POSITIVE",
      差評: "NEGATIVE",
      中性: "NEUTRAL",
    });
    expect(matchLabels(["positive", "negative"], ["积极", "消极"]).unmatched).toEqual([]);
  });

  it("explains labels it cannot map, listing the model's labels", () => {
    const result = matchLabels(["positive", "sarcastic"], ["NEGATIVE", "POSITIVE"]);
    expect(result.mapping).toEqual({ positive: "POSITIVE" });
    expect(result.unmatched).toEqual(["sarcastic"]);
    expect(result.explanation).toContain(
      'Could not map "sarcastic" onto the model\'s labels (NEGATIVE, POSITIVE)',
    );
    expect(result.explanation).toContain("data.label_map");
  });

  it("refuses to guess between two model labels of the same meaning", () => {
    const result = matchLabels(["1"], ["positive", "POS", "negative"]);
    expect(result.unmatched).toEqual(["1"]);
    expect(result.explanation).toContain('"1" (could be positive or POS)');
  });

  it("says when there is nothing to map", () => {
    const result = matchLabels([], ["POSITIVE"]);
    expect(result).toEqual({
      mapping: {},
      unmatched: [],
      explanation: "The data has no labels to map.",
    });
  });
});
