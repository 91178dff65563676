import { describe, expect, it } from "vitest";
import { compatibleTasks, resolveTask, TASK_IDS } from "../../src/tasks/resolve-task.js";

describe("resolveTask", () => {
  it("accepts pipeline tags in any case and with underscores", () => {
    expect(resolveTask("text-classification")).toBe("text-classification");
    expect(resolveTask("text_generation")).toBe("text-generation");
    expect(resolveTask(" Text-Generation ")).toBe("text-generation");
    expect(resolveTask("AUTOMATIC_SPEECH_RECOGNITION")).toBe("automatic-speech-recognition");
  });

  it("maps everyday aliases", () => {
    expect(resolveTask("sentiment")).toBe("text-classification");
    expect(resolveTask("embeddings")).toBe("feature-extraction");
    expect(resolveTask("sentence embeddings")).toBe("feature-extraction");
    expect(resolveTask("Text_Embeddings")).toBe("feature-extraction");
    expect(resolveTask("asr")).toBe("automatic-speech-recognition");
    expect(resolveTask("ocr")).toBe("image-to-text");
    expect(resolveTask("NER")).toBe("token-classification");
  });

  it("maps the Chinese names of common tasks", () => {
    expect(resolveTask("情感分析")).toBe("text-classification");
    expect(resolveTask(" 文本生成 ")).toBe("text-generation");
    expect(resolveTask("文本分類")).toBe("text-classification");
    expect(resolveTask("语音识别")).toBe("automatic-speech-recognition");
    expect(resolveTask("句向量")).toBe("feature-extraction");
    expect(resolveTask("翻译")).toBe("translation");
  });

  it("rejects an unknown task and suggests the closest", () => {
    expect(() => resolveTask("text-clasification")).toThrow(/Did you mean "text-classification"/);
    expect(() => resolveTask("zzzz")).toThrow(/Unknown task "zzzz"/);
    try {
      resolveTask("image-clasify");
    } catch (error) {
      expect(error).toMatchObject({ code: "UNKNOWN_TASK" });
    }
  });

  it("knows every pipeline tag of @huggingface/tasks and widens embedding searches", () => {
    expect(TASK_IDS.length).toBeGreaterThanOrEqual(50);
    expect(compatibleTasks("feature-extraction")).toEqual([
      "feature-extraction",
      "sentence-similarity",
    ]);
    expect(compatibleTasks("image-classification")).toEqual(["image-classification"]);
  });
});
