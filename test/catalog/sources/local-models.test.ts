/**
 * Local model folders as catalog records, on the project's built ONNX models (real
 * HF-layout folders written by src/onnx-build).
 */
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { supportsTransformers } from "../../../src/backends/transformers-js/transformers-backend-provider.js";
import {
  isLocalModelId,
  localModelRecord,
  localModelRecordForId,
  resolveLocalModelId,
  splitLocalModelId,
} from "../../../src/catalog/sources/local-models.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { type OfflineModels, prepareOfflineModels } from "../../support/offline-models.js";

let offline: OfflineModels;
let sentimentFolder: string;
const temporaryFolders: string[] = [];

async function scratch(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "modelscout-local-models-"));
  temporaryFolders.push(folder);
  return folder;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}

async function caught(promise: Promise<unknown>): Promise<ModelScoutError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ModelScoutError);
  return error as ModelScoutError;
}

beforeAll(async () => {
  offline = await prepareOfflineModels();
  sentimentFolder = join(offline.directory, offline.models.sentimentEnglish);
}, 120_000);

afterAll(async () => {
  for (const folder of temporaryFolders) await rm(folder, { recursive: true, force: true });
});

describe("localModelRecord", () => {
  it("reads labels, task, card metadata, evaluation and per-format weight sizes from the folder", async () => {
    const record = await localModelRecord(sentimentFolder);
    const report = offline.reports.find((entry) => entry.id === offline.models.sentimentEnglish);
    expect(record).toMatchObject({
      id: `local:${sentimentFolder}`,
      source: "local",
      task: "text-classification",
      library: "transformers.js",
      languages: ["en"],
      license: "mit",
      datasets: ["sentiment-labelled-sentences"],
      contextLength: 512,
      memoryBytes: {
        fp32: await sizeOf(join(sentimentFolder, "onnx/model.onnx")),
        fp16: await sizeOf(join(sentimentFolder, "onnx/model_fp16.onnx")),
        int8: await sizeOf(join(sentimentFolder, "onnx/model_quantized.onnx")),
      },
      extra: {
        path: sentimentFolder,
        labels: ["negative", "positive"],
        architectures: ["BertForSequenceClassification"],
        modelType: "bert",
        onnxVariants: ["q8", "fp16"],
      },
    });
    expect(record.memoryBytes.int4).toBeUndefined();
    expect(record.params).toBe(Math.round((record.memoryBytes.fp32 ?? 0) / 4));
    expect(record.tags).toEqual(expect.arrayContaining(["onnx", "bert", "sentiment"]));
    // The card's model-index is the build report's held-out accuracy.
    expect(record.evalResults).toEqual([
      expect.objectContaining({
        metric: "accuracy",
        value: Number(report?.heldOutAccuracy?.toFixed(4)),
        scale: "fraction",
        source: "model-card",
      }),
    ]);
    expect(supportsTransformers(record)).toBe(true);
  });

  it("resolves a relative folder against baseDirectory, and says which folder is missing", async () => {
    const base = resolve(offline.directory, "modelscout");
    const record = await localModelRecord("./sentiment-en-bow", { baseDirectory: base });
    expect(record.id).toBe(`local:${sentimentFolder}`);

    const error = await caught(localModelRecord("./no-such-model", { baseDirectory: base }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain(join(base, "no-such-model"));
    expect(error.message).toContain("relative to");
  });

  it("takes the task from the architecture and knows less without a model card", async () => {
    const folder = join(await scratch(), "no-card");
    await cp(sentimentFolder, folder, { recursive: true });
    await rm(join(folder, "README.md"));
    const record = await localModelRecord(folder);
    expect(record.task).toBe("text-classification");
    expect(record.license).toBeNull();
    expect(record.languages).toEqual([]);
    expect(record.evalResults).toEqual([]);
    expect(supportsTransformers(record)).toBe(true);
  });

  it("tells speech and audio heads from text ones without a model card", async () => {
    const expected: [string, string][] = [
      ["Wav2Vec2ForSequenceClassification", "audio-classification"],
      ["HubertForSequenceClassification", "audio-classification"],
      ["ASTForAudioClassification", "audio-classification"],
      ["Wav2Vec2ForCTC", "automatic-speech-recognition"],
      ["WhisperForConditionalGeneration", "automatic-speech-recognition"],
      ["RobertaForSequenceClassification", "text-classification"],
      ["T5ForConditionalGeneration", "fallback-task"],
    ];
    for (const [architecture, task] of expected) {
      const folder = join(await scratch(), architecture);
      await mkdir(join(folder, "onnx"), { recursive: true });
      await writeFile(
        join(folder, "config.json"),
        JSON.stringify({ architectures: [architecture] }),
      );
      await writeFile(join(folder, "onnx", "model.onnx"), new Uint8Array(16));
      const record = await localModelRecord(folder, { task: "fallback-task" });
      expect(record.task, architecture).toBe(task);
    }
  });

  it("counts external-data parts and other graphs of the same format, and ignores unknown formats", async () => {
    const folder = join(await scratch(), "seq2seq");
    await mkdir(join(folder, "onnx"), { recursive: true });
    await writeFile(
      join(folder, "config.json"),
      JSON.stringify({ architectures: ["T5ForConditionalGeneration"], model_type: "t5" }),
    );
    const files: Record<string, number> = {
      "encoder_model.onnx": 100,
      "encoder_model.onnx_data": 4000,
      "decoder_model_merged.onnx": 300,
      "encoder_model_quantized.onnx": 30,
      "decoder_model_merged_quantized.onnx": 70,
      "decoder_model_merged_q4f16.onnx": 55,
      "notes.txt": 9,
    };
    for (const [name, size] of Object.entries(files)) {
      await writeFile(join(folder, "onnx", name), Buffer.alloc(size));
    }
    const record = await localModelRecord(folder, { task: "text2text-generation" });
    expect(record.task).toBe("text2text-generation");
    expect(record.memoryBytes).toEqual({ fp32: 4400, int8: 100 });
    expect(record.extra.onnxVariants).toEqual(["q8"]);
  });

  it("refuses folders transformers.js could not load, saying what is missing", async () => {
    const root = await scratch();
    const noConfig = join(root, "no-config");
    await mkdir(join(noConfig, "onnx"), { recursive: true });
    await writeFile(join(noConfig, "onnx", "model.onnx"), "x");
    const missingConfig = await caught(localModelRecord(noConfig));
    expect(missingConfig.code).toBe("INVALID_ARGUMENT");
    expect(missingConfig.message).toContain("config.json is missing");

    const noWeights = join(root, "no-weights");
    await mkdir(noWeights);
    await writeFile(join(noWeights, "config.json"), "{}");
    const missingWeights = await caught(localModelRecord(noWeights));
    expect(missingWeights.code).toBe("INVALID_ARGUMENT");
    expect(missingWeights.message).toContain("no ONNX weights");

    const badConfig = join(root, "bad-config");
    await cp(sentimentFolder, badConfig, { recursive: true });
    await writeFile(join(badConfig, "config.json"), "{ not json");
    expect((await caught(localModelRecord(badConfig))).message).toContain("not valid JSON");

    const file = join(root, "a-file");
    await writeFile(file, "x");
    expect((await caught(localModelRecord(file))).code).toBe("NOT_FOUND");
  });
});

describe("local model ids", () => {
  it("resolves relative ids against the spec's folder and leaves other ids alone", () => {
    expect(resolveLocalModelId("local:./models/x", "/work/examples/a")).toBe(
      "local:/work/examples/a/models/x",
    );
    expect(resolveLocalModelId("local:../models/x@q8", "/work/examples/a")).toBe(
      "local:/work/examples/models/x@q8",
    );
    expect(resolveLocalModelId("local:/srv/models/x", "/work/examples/a")).toBe(
      "local:/srv/models/x",
    );
    expect(resolveLocalModelId("npm:sentiment", "/work")).toBe("npm:sentiment");
    expect(resolveLocalModelId("Xenova/bert@q8", "/work")).toBe("Xenova/bert@q8");
    expect(isLocalModelId("local:/x")).toBe(true);
    expect(isLocalModelId("npm:x")).toBe(false);
    expect(splitLocalModelId("local:./a@b/m@fp16")).toEqual({
      directory: "./a@b/m",
      dtype: "fp16",
    });
    expect(() => splitLocalModelId("local:")).toThrow(/names no folder/);
    expect(() => splitLocalModelId("npm:sentiment")).toThrow(/not a local model id/);
  });

  it("builds a variant's record from an id with a dtype suffix, or names the formats present", async () => {
    const base = offline.directory;
    const id = `local:./${relative(base, sentimentFolder)}@q8`;
    const variant = await localModelRecordForId(id, { baseDirectory: base });
    const quantizedBytes = await sizeOf(join(sentimentFolder, "onnx/model_quantized.onnx"));
    expect(variant.id).toBe(`local:${sentimentFolder}@q8`);
    expect(variant.memoryBytes.int8).toBe(quantizedBytes);
    expect(variant.memoryBytes.fp32).toBe(quantizedBytes);
    expect(variant.extra).toMatchObject({
      transformersDtype: "q8",
      baseModelId: `local:${sentimentFolder}`,
    });

    const plain = await localModelRecordForId(`local:${sentimentFolder}`);
    expect(plain.id).toBe(`local:${sentimentFolder}`);

    const error = await caught(localModelRecordForId(`local:${sentimentFolder}@q4`));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("model_q4.onnx");
    expect(error.message).toContain("fp32, q8, fp16");
  });
});
