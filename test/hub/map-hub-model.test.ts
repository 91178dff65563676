import { describe, expect, it } from "vitest";
import { onnxFilesState } from "../../src/catalog/resolve-onnx-variants.js";
import { type ApiModelInfo, apiModelInfoSchema } from "../../src/hub/api-model-info.js";
import { mapHubModel, mapModelIndex } from "../../src/hub/map-hub-model.js";
import { loadHubFixtures } from "../support/fake-hub-server.js";

function fixture(idPrefix: string): ApiModelInfo {
  const entry = loadHubFixtures().find((model) => model.id.startsWith(idPrefix));
  if (entry === undefined) throw new Error(`no fixture ${idPrefix}`);
  return apiModelInfoSchema.parse(entry);
}

describe("mapHubModel", () => {
  it("maps a text classifier with safetensors and a verified model-index", () => {
    const model = mapHubModel(fixture("distilbert/"));
    expect(model).toMatchObject({
      id: "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
      source: "hub",
      task: "text-classification",
      library: "transformers",
      languages: ["en"],
      license: "apache-2.0",
      datasets: ["sst2", "glue"],
      params: 66955010,
      contextLength: null,
      downloads: 4581323,
      likes: 798,
      lastModified: "2023-12-19T16:29:37.000Z",
      score: null,
      extra: { storedDtype: "fp32" },
    });
    expect(model.memoryBytes).toEqual({
      fp32: 66955010 * 4,
      fp16: 66955010 * 2,
      bf16: 66955010 * 2,
      int8: 66955010,
      int4: 66955010 / 2,
    });
    expect(model.evalResults).toHaveLength(5);
    expect(model.evalResults[0]).toEqual({
      benchmark: "glue",
      metric: "accuracy",
      value: 0.9105504587155964,
      scale: "fraction",
      source: "model-card",
      verified: true,
      dataset: "sst2/validation",
    });
    expect(model.evalResults.find((result) => result.metric === "loss")?.verified).toBe(false);
  });

  it("sums mixed-dtype tensors exactly for the stored dtype", () => {
    const model = mapHubModel(fixture("sentence-transformers/"));
    expect(model.task).toBe("sentence-similarity");
    expect(model.library).toBe("sentence-transformers");
    expect(model.params).toBe(22713728);
    // 512 I64 position ids (8 bytes) plus F32 weights (4 bytes).
    expect(model.memoryBytes.fp32).toBe(512 * 8 + 22713216 * 4);
    expect(model.memoryBytes.int8).toBe(22713728);
    expect(model.datasets).toContain("embedding-data/WikiAnswers");
    expect(new Set(model.datasets).size).toBe(model.datasets.length);
  });

  it("maps a BF16 LLM with its base model", () => {
    const model = mapHubModel(fixture("Qwen/"));
    expect(model.task).toBe("text-generation");
    expect(model.params).toBe(7615616512);
    expect(model.memoryBytes.bf16).toBe(7615616512 * 2);
    expect(model.memoryBytes.fp32).toBe(7615616512 * 4);
    // The fixture has no `siblings`: its files are unknown, not absent.
    expect(model.extra).toEqual({
      storedDtype: "bf16",
      baseModels: ["Qwen/Qwen2.5-7B"],
      filesUnknown: true,
    });
    expect(model.languages).toEqual(["en"]);
  });

  it("leaves size unknown without safetensors and reads several languages", () => {
    const model = mapHubModel(fixture("Helsinki-NLP/"));
    expect(model.params).toBeNull();
    expect(model.memoryBytes).toEqual({});
    expect(model.languages).toEqual(["en", "de"]);
    expect(model.license).toBe("cc-by-4.0");
    expect(model.evalResults).toEqual([]);
  });

  it("normalises languages, falls back to tags, and survives odd card fields", () => {
    const info = apiModelInfoSchema.parse({
      id: "org/odd",
      tags: ["license:MIT", "dataset:imdb", "zh"],
      cardData: {
        language: ["zh-CN", "English", "multilingual", "eng", "en"],
        datasets: 42,
        "model-index": "not a list",
      },
      config: { max_position_embeddings: 8192, model_type: "llama" },
      safetensors: { parameters: { I32: 10, F16: 20 }, total: 30 },
      downloads: -3,
    });
    const model = mapHubModel(info);
    expect(model.languages).toEqual(["zh", "en"]);
    expect(model.license).toBe("mit");
    expect(model.datasets).toEqual(["imdb"]);
    expect(model.contextLength).toBe(8192);
    expect(model.memoryBytes.fp16).toBe(20 * 2 + 10 * 4);
    expect(model.downloads).toBe(0);
    expect(model.evalResults).toEqual([]);
  });

  it("reads languages and the task from the tags of an entry without a card", () => {
    // The Hub's default listing shape, which a mirror that ignores `expand` sends: no
    // cardData, and here no pipeline_tag either; the tags still carry both.
    const info = apiModelInfoSchema.parse({
      id: "uer/roberta-base-finetuned-jd-binary-chinese",
      tags: [
        "pytorch",
        "onnx",
        "bert",
        "text-classification",
        "zh",
        "tf",
        "vit",
        "zho",
        "license:apache-2.0",
      ],
      downloads: 10,
    });
    const model = mapHubModel(info);
    expect(model.languages).toEqual(["zh"]);
    expect(model.task).toBe("text-classification");
    expect(model.license).toBe("apache-2.0");
    // With a card, the card alone says which languages: tags are not mixed in.
    const carded = mapHubModel(apiModelInfoSchema.parse({ ...info, cardData: { language: "en" } }));
    expect(carded.languages).toEqual(["en"]);
    // Two task tags and no pipeline_tag: no guess.
    const twoTasks = mapHubModel(
      apiModelInfoSchema.parse({ id: "a/b", tags: ["text-classification", "fill-mask"] }),
    );
    expect(twoTasks.task).toBeNull();
  });

  it("marks an entry without siblings as files unknown, and an empty list as no ONNX files", () => {
    const entry = { id: "Xenova/bert-sst2", pipeline_tag: "text-classification", tags: ["onnx"] };
    // A mirror's listing (or the Hub's without expand) names no files: nothing is known.
    const unlisted = mapHubModel(apiModelInfoSchema.parse(entry));
    expect(unlisted.extra).toEqual({ filesUnknown: true });
    expect(onnxFilesState(unlisted)).toBe("unknown");
    // A listing that names no files: the repository has none.
    const empty = mapHubModel(apiModelInfoSchema.parse({ ...entry, siblings: [] }));
    expect(empty.extra).toEqual({ onnxFiles: [] });
    expect(onnxFilesState(empty)).toBe("none");
    const listed = mapHubModel(
      apiModelInfoSchema.parse({
        ...entry,
        siblings: [
          { rfilename: "config.json" },
          { rfilename: "onnx/model.onnx" },
          { rfilename: "onnx/model_quantized.onnx" },
          { rfilename: "onnx/model_fp16.onnx" },
        ],
      }),
    );
    expect(listed.extra).toEqual({
      onnxFiles: ["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx"],
      onnxVariants: ["q8", "fp16"],
    });
    expect(onnxFilesState(listed)).toBe("present");
  });

  it("uses license_name for custom licences", () => {
    const info = apiModelInfoSchema.parse({
      id: "meta/llm",
      cardData: { license: "other", license_name: "Llama3" },
      gated: "manual",
    });
    const model = mapHubModel(info);
    expect(model.license).toBe("llama3");
    expect(model.extra.gated).toBe("manual");
  });
});

describe("mapModelIndex", () => {
  it("skips metrics without a name or a single numeric value and reads quoted numbers", () => {
    const results = mapModelIndex([
      {
        name: "m",
        results: [
          {
            task: { type: "automatic-speech-recognition", name: "ASR" },
            dataset: { type: "librispeech_asr", name: "LibriSpeech (clean)", split: "test" },
            metrics: [
              { type: "wer", value: "4.2" },
              { type: "wer", value: "20.0 ± 1.2" },
              { value: 3 },
              { type: "cer", value: 1.9, verified: "yes" },
            ],
          },
          { task: { type: "x" }, metrics: "broken" },
        ],
      },
      null,
    ]);
    expect(results).toEqual([
      {
        benchmark: "LibriSpeech (clean)",
        metric: "wer",
        value: 4.2,
        scale: "percent",
        source: "model-card",
        verified: false,
        dataset: "test",
      },
      {
        benchmark: "LibriSpeech (clean)",
        metric: "cer",
        value: 1.9,
        scale: "percent",
        source: "model-card",
        verified: false,
        dataset: "test",
      },
    ]);
  });
});
