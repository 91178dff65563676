import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { requestToSpec } from "../../src/select/request-to-spec.js";
import { parseTaskSpec, type TaskSpecInput } from "../../src/select/task-spec.js";

function noteFor(notes: readonly string[], prefix: string): string {
  const note = notes.find((line) => line.startsWith(prefix));
  if (note === undefined) throw new Error(`no note starting "${prefix}" in:\n${notes.join("\n")}`);
  return note;
}

describe("requestToSpec", () => {
  it("reads the issue's example into a spec that parseTaskSpec accepts", () => {
    const result = requestToSpec(
      "classify Chinese customer reviews as positive or negative on a Raspberry Pi 5",
    );
    expect(result.source).toBe("rules");
    expect(result.spec).toEqual({
      task_type: "text-classification",
      input_constraints: { language: "zh" },
      hardware: "rpi5",
      labels: ["positive", "negative"],
    });
    const parsed = parseTaskSpec(result.spec);
    expect(parsed.task).toBe("text-classification");
    expect(parsed.hardware?.id).toBe("rpi5");
    expect(parsed.language).toBe("zh");
    expect(noteFor(result.notes, "Task:")).toContain('from "classify"');
    expect(noteFor(result.notes, "Language:")).toContain('from "Chinese"');
    expect(noteFor(result.notes, "Hardware:")).toContain('from "Raspberry Pi 5"');
    expect(noteFor(result.notes, "Labels:")).toContain("positive and negative");
    // What was left at a default is said too.
    expect(noteFor(result.notes, "Objectives:")).toContain("default");
    expect(noteFor(result.notes, "Privacy:")).toContain("not mentioned");
    expect(noteFor(result.notes, "No data file named")).toContain("data.path");
  });

  it("reads the same request written in Chinese", () => {
    const result = requestToSpec("把中文评论分为正面或负面，在树莓派5上运行");
    expect(result.spec).toEqual({
      task_type: "text-classification",
      input_constraints: { language: "zh" },
      hardware: "rpi5",
      labels: ["positive", "negative"],
    });
    expect(noteFor(result.notes, "Hardware:")).toContain('"树莓派5"');
    expect(noteFor(result.notes, "Language:")).toContain('"中文"');
  });

  const cases: [string, TaskSpecInput][] = [
    [
      "embed English support tickets for semantic search on a T4, p95 under 50 ms",
      {
        task_type: "feature-extraction",
        input_constraints: { language: "en" },
        hardware: "t4",
        slo: { max_p95_latency_ms: 50 },
      },
    ],
    [
      "transcribe French voice notes on my laptop, data must not leave the machine",
      {
        task_type: "automatic-speech-recognition",
        input_constraints: { language: "fr" },
        hardware: "local",
        privacy: "local-only",
      },
    ],
    [
      "read text from scanned receipts on an NVIDIA A100, as accurate as possible",
      {
        task_type: "image-to-text",
        hardware: "a100-80gb",
        objectives: { quality: 0.9, latency: 0.1 },
      },
    ],
    [
      "OCR for invoices on a Jetson AGX Orin, fast",
      {
        task_type: "image-to-text",
        hardware: "jetson-agx-orin",
        objectives: { quality: 0.4, latency: 0.6 },
      },
    ],
    [
      "summarize German news articles within 2 seconds on CPU, fast and accurate",
      {
        task_type: "summarization",
        input_constraints: { language: "de" },
        hardware: "cpu-laptop",
        objectives: { quality: 0.5, latency: 0.5 },
        slo: { max_p95_latency_ms: 2000 },
      },
    ],
    [
      "translate from Français into English, under 512 MB of memory, on-prem",
      {
        task_type: "translation",
        input_constraints: { language: "fr" },
        slo: { max_memory_gb: 0.512 },
        privacy: "local-only",
      },
    ],
    [
      "a private chatbot answering questions about our docs, up to 300 words, data in ./data/faq.jsonl",
      {
        task_type: "text-generation",
        input_constraints: { max_length: 400 },
        data: { path: "./data/faq.jsonl" },
        privacy: "local-only",
      },
    ],
    [
      "classify search queries by intent using queries.csv on an RTX 4090, budget of 10 minutes, Apache-2.0 licence",
      {
        task_type: "text-classification",
        hardware: "rtx-4090",
        candidates: { query: { license: "apache-2.0" } },
        data: { path: "queries.csv" },
        budget: { max_seconds: 600 },
      },
    ],
    [
      "detect hate speech in Polish comments on a MacBook with an M2 Pro",
      {
        task_type: "text-classification",
        input_constraints: { language: "pl" },
        hardware: "apple-m2-pro",
      },
    ],
    [
      "在笔记本上做语音识别，延迟低于200毫秒，内存不超过１ＧＢ",
      {
        task_type: "automatic-speech-recognition",
        hardware: "cpu-laptop",
        slo: { max_p95_latency_ms: 200, max_memory_gb: 1 },
      },
    ],
    [
      "中文情感分类，要在树莓派上跑，越快越好",
      {
        task_type: "text-classification",
        input_constraints: { language: "zh" },
        hardware: "rpi5",
        objectives: { quality: 0.4, latency: 0.6 },
      },
    ],
    [
      "在A100上把中文新闻做摘要，越准越好",
      {
        task_type: "summarization",
        input_constraints: { language: "zh" },
        hardware: "a100-80gb",
        objectives: { quality: 0.9, latency: 0.1 },
      },
    ],
    [
      "用 data/zh.jsonl 做中文文本相似度检索，轻量模型",
      {
        task_type: "feature-extraction",
        input_constraints: { language: "zh" },
        objectives: { quality: 0.7, latency: 0.3, memory: 0.2 },
        data: { path: "data/zh.jsonl" },
      },
    ],
  ];

  it.each(cases)("%s", (request, expected) => {
    const result = requestToSpec(request);
    expect(result.spec).toEqual(expected);
    expect(() => parseTaskSpec(result.spec)).not.toThrow();
  });

  it("treats language identification as classification over languages, not an input language", () => {
    const result = requestToSpec(
      "detect the language of user messages in English, French and German",
    );
    expect(result.spec).toEqual({
      task_type: "language-identification",
      labels: ["en", "fr", "de"],
    });
    expect(noteFor(result.notes, "Task:")).toContain("language-identification models only");
    expect(noteFor(result.notes, "Labels:")).toContain("English, French, German");
    expect(parseTaskSpec(result.spec)).toMatchObject({
      task: "text-classification",
      modelTag: "language-identification",
    });
    expect(requestToSpec("识别用户消息的语种，数据不能离开内网").spec).toEqual({
      task_type: "language-identification",
      privacy: "local-only",
    });
  });

  it("prefers specific phrases and the first task verb, and names the others", () => {
    const embeddings = requestToSpec("generate embeddings for similar product lookup");
    expect(embeddings.spec.task_type).toBe("feature-extraction");
    expect(noteFor(embeddings.notes, "Also mentioned:")).toContain('text-generation ("generate")');
    expect(requestToSpec("classify search queries").spec.task_type).toBe("text-classification");
    expect(requestToSpec("search similar reviews and classify them").spec.task_type).toBe(
      "feature-extraction",
    );
    expect(requestToSpec("read aloud English news with text to speech").spec.task_type).toBe(
      "text-to-speech",
    );
    expect(requestToSpec("classify product photos into 10 categories").spec.task_type).toBe(
      "image-classification",
    );
  });

  it("does not read everyday words as languages or devices", () => {
    const result = requestToSpec("write and polish English emails for my team");
    expect(result.spec).toEqual({
      task_type: "text-generation",
      input_constraints: { language: "en" },
    });
    const several = requestToSpec("classify English and Spanish tweets");
    expect(several.spec.input_constraints).toBeUndefined();
    expect(noteFor(several.notes, "Several languages named")).toContain("English, Spanish");
    const gpu = requestToSpec("classify tickets on a GPU");
    expect(gpu.spec.hardware).toBeUndefined();
    expect(gpu.notes.join("\n")).toContain("A GPU is mentioned but not which one");
  });

  it("says what it guessed for vague hardware and converted units", () => {
    const pi = requestToSpec("sentiment of tweets on a raspberry pi, 400 characters max");
    expect(pi.spec.hardware).toBe("rpi5");
    expect(noteFor(pi.notes, "Hardware:")).toContain("no model number given");
    expect(pi.spec.input_constraints?.max_length).toBe(100);
    expect(noteFor(pi.notes, "Max input length:")).toContain("4 characters per token");
    const a100 = requestToSpec("chat on an A100 40GB");
    expect(a100.spec.hardware).toBe("a100-40gb");
  });

  it("refuses a request without a task, saying what it understood and how to phrase one", () => {
    let caught: unknown;
    try {
      requestToSpec("something for Chinese text on a Raspberry Pi 5 under 50 ms");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ModelScoutError);
    const error = caught as ModelScoutError;
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("Could not tell which task");
    expect(error.message).toContain("language zh, hardware rpi5, p95 latency ≤ 50 ms");
    expect(error.message).toContain('"classify reviews as positive or negative"');
    expect(error.message).toContain("modelscout schema task");
    expect(() => requestToSpec("   ")).toThrow(/Understood: nothing\./);
  });
});
