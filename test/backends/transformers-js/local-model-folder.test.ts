/**
 * transformers.js running `local:<folder>` models in place: the backend contract, and proof
 * that nothing is requested from the network (a real HTTP server set as the remote host
 * counts requests) and nothing is copied into the cache or written into the model's folder
 * (the files' hashes, for the load's artifact, are kept beside the cache).
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBackend } from "../../../src/backends/create-backend.js";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { LOCAL_HASH_CACHE_FILE } from "../../../src/backends/transformers-js/hash-local-model-files.js";
import { createTransformersBackend } from "../../../src/backends/transformers-js/transformers-backend.js";
import { createTransformersBackendProvider } from "../../../src/backends/transformers-js/transformers-backend-provider.js";
import type { TransformersSettings } from "../../../src/backends/transformers-js/transformers-settings.js";
import {
  localModelRecord,
  localModelRecordForId,
} from "../../../src/catalog/sources/local-models.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { type OfflineModels, prepareOfflineModels } from "../../support/offline-models.js";
import { runModelBackendContract } from "../model-backend.contract.js";

let offline: OfflineModels;
let sentimentFolder: string;
let reviewsFolder: string;
let hub: Server;
let hubUrl: string;
const hubRequests: string[] = [];
const temporaryFolders: string[] = [];

async function scratch(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "modelscout-local-backend-"));
  temporaryFolders.push(folder);
  return folder;
}

/** Settings that would download from the counting server if the backend ever tried. */
async function onlineSettings(): Promise<TransformersSettings> {
  return {
    remoteHost: `${hubUrl}/`,
    cacheDirectory: await scratch(),
    offline: false,
    revision: "main",
  };
}

async function listTree(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true })).map(String).sort();
}

function topLabel(output: BackendOutput | undefined): string | undefined {
  return output?.kind === "labels" ? output.labels[0]?.label : undefined;
}

beforeAll(async () => {
  offline = await prepareOfflineModels();
  sentimentFolder = join(offline.directory, offline.models.sentimentEnglish);
  reviewsFolder = join(offline.directory, offline.models.reviewsChinese);
  hub = createServer((request, response) => {
    hubRequests.push(`${request.method} ${request.url}`);
    response.statusCode = 404;
    response.end("not here");
  });
  await new Promise<void>((done) => hub.listen(0, "127.0.0.1", done));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await new Promise((done) => hub?.close(done));
  for (const folder of temporaryFolders) await rm(folder, { recursive: true, force: true });
});

runModelBackendContract({
  name: "transformers.js English sentiment from a local folder",
  create: async () =>
    createBackend(await localModelRecord(sentimentFolder), [
      createTransformersBackendProvider({ settings: await onlineSettings() }),
    ]),
  inputs: ["I love this phone, it is great", "Terrible service, I want my money back", "ok"],
  expectedKind: "labels",
  local: true,
  artifact: "local-folder",
});

runModelBackendContract({
  name: "transformers.js Chinese reviews (q8) from a local folder, isolated in a child process",
  create: async () =>
    createTransformersBackendProvider({ settings: await onlineSettings(), isolated: true }).create(
      await localModelRecordForId(`local:${reviewsFolder}@q8`),
    ),
  inputs: ["很好吃，送餐也快", "太难吃了，再也不点了"],
  expectedKind: "labels",
  local: true,
  artifact: "local-folder",
});

describe("transformers.js on a local model folder", () => {
  it("classifies from the folder with no request to the remote host, nothing copied and nothing written into the folder", async () => {
    const settings = await onlineSettings();
    const before = await listTree(sentimentFolder);
    const record = await localModelRecordForId(`local:${sentimentFolder}@q8`);
    const backend = createTransformersBackend({ model: record, settings });
    const requestsBefore = hubRequests.length;
    const outputs = await backend.doRun([
      "This is a great product, I love it",
      "Awful. It broke and support was useless",
    ]);
    expect(outputs.map(topLabel)).toEqual(["positive", "negative"]);
    expect(backend.describe()).toMatchObject({
      modelId: `local:${sentimentFolder}@q8`,
      dtype: "q8",
      labels: ["negative", "positive"],
      local: true,
    });
    expect(hubRequests.slice(requestsBefore)).toEqual([]);
    // Only the files' hashes are kept, under MODELSCOUT_HOME, never beside the user's files.
    expect(await readdir(settings.cacheDirectory)).toEqual([LOCAL_HASH_CACHE_FILE]);
    expect(await listTree(sentimentFolder)).toEqual(before);
    await backend.unload();
  });

  it("reports the files the q8 pipeline read from the folder, with their sizes and SHA-256", async () => {
    const settings = await onlineSettings();
    const record = await localModelRecordForId(`local:${sentimentFolder}@q8`);
    const backend = createTransformersBackend({ model: record, settings });
    const { artifact } = await backend.load();
    await backend.unload();
    expect(artifact?.kind).toBe("local-folder");
    if (artifact?.kind !== "local-folder") return;
    expect(artifact.folder).toBe(sentimentFolder);
    expect(artifact.dtype).toBe("q8");
    const paths = artifact.files.map((file) => file.path);
    expect(paths).toContain("onnx/model_quantized.onnx");
    expect(paths).toContain("tokenizer.json");
    // The fp32 weights sit in the folder but were not read.
    expect(paths).not.toContain("onnx/model.onnx");
    for (const file of artifact.files) {
      const bytes = await readFile(join(sentimentFolder, file.path));
      expect(file.sizeBytes).toBe(bytes.length);
      expect(file.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("says which file is missing from the folder instead of trying a download", async () => {
    const folder = join(await scratch(), "no-quantized");
    await cp(sentimentFolder, folder, { recursive: true });
    await rm(join(folder, "onnx", "model_quantized.onnx"));
    const requestsBefore = hubRequests.length;
    const backend = createTransformersBackend({
      model: { id: `local:${folder}@q8`, task: "text-classification" },
      settings: await onlineSettings(),
    });
    const error = await backend.load().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).code).toBe("NOT_FOUND");
    expect((error as ModelScoutError).message).toContain(folder);
    expect((error as ModelScoutError).message).toContain("model_quantized.onnx");
    expect(hubRequests.slice(requestsBefore)).toEqual([]);
  });

  it("reports a corrupt ONNX file in the folder as MODEL_CORRUPT and leaves the file alone", async () => {
    const folder = join(await scratch(), "corrupt");
    await cp(sentimentFolder, folder, { recursive: true });
    await writeFile(join(folder, "onnx", "model.onnx"), "this is not a protobuf");
    const backend = createTransformersBackend({
      model: await localModelRecord(folder),
      settings: await onlineSettings(),
    });
    const error = await backend.load().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).code).toBe("MODEL_CORRUPT");
    expect((error as ModelScoutError).message).toContain(folder);
    expect(await listTree(folder)).toContain(join("onnx", "model.onnx"));
  });
});
