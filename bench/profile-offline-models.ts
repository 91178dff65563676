/**
 * A cold/warm latency and memory table for every model that runs offline, written by the
 * profiler: the ONNX models the project builds (and their q8/fp16 variants), downloaded from
 * a local mirror through transformers.js, and the npm-packaged models. Each model runs in its
 * own child process, so peak memory is that model's alone (a Node process with the runtime
 * loaded: ~100+ MB before any weights).
 *
 *   npx tsx bench/profile-offline-models.ts [--runs 20]
 *
 * Writes bench/results/profile-offline-models.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackend } from "../src/backends/create-backend.js";
import { isolatedProvider } from "../src/backends/isolated/isolated-provider.js";
import { npmBackendProvider } from "../src/backends/npm/npm-backend-provider.js";
import { createTransformersBackendProvider } from "../src/backends/transformers-js/transformers-backend-provider.js";
import { transformersVariants } from "../src/backends/transformers-js/transformers-variants.js";
import { type ModelRecord, toModelRecord } from "../src/catalog/model-record.js";
import { NPM_MODELS } from "../src/catalog/sources/npm-models.js";
import { startMirrorServer } from "../src/mirror/start-mirror-server.js";
import { type ModelProfile, profileModel } from "../src/profile/profile-model.js";
import { sampleInputs } from "../src/profile/sample-inputs.js";
import { prepareOfflineModels } from "../test/support/offline-models.js";

const runsFlag = process.argv.indexOf("--runs");
const RUNS = runsFlag === -1 ? 20 : Number(process.argv[runsFlag + 1]);
const BATCH_SIZES = [1, 8, 32];

const offline = await prepareOfflineModels();
const mirror = await startMirrorServer({ directory: offline.directory });
const cacheDirectory = await mkdtemp(join(tmpdir(), "modelscout-bench-profile-"));
const providers = [
  createTransformersBackendProvider({
    settings: { remoteHost: `${mirror.url}/`, cacheDirectory, offline: false },
    isolated: { runTimeoutMs: 120_000 },
  }),
  isolatedProvider(npmBackendProvider, { runTimeoutMs: 120_000 }),
];

const built: ModelRecord[] = [
  { id: offline.models.sentimentEnglish, task: "text-classification" },
  { id: offline.models.reviewsChinese, task: "text-classification" },
  { id: offline.models.intentEmbeddings, task: "feature-extraction" },
].flatMap(({ id, task }) => {
  const base = toModelRecord({
    id,
    source: "hub",
    task,
    library: "transformers.js",
    tags: ["onnx"],
  });
  return [base, ...transformersVariants(base, ["q8", "fp16"])];
});
const npm = NPM_MODELS.map(toModelRecord).filter((model) => npmBackendProvider.supports(model));

const results: (ModelProfile | { modelId: string; error: string })[] = [];
for (const model of [...built, ...npm]) {
  const backend = createBackend(model, providers);
  try {
    const inputs =
      model.id === offline.models.reviewsChinese ||
      model.id.startsWith(`${offline.models.reviewsChinese}@`)
        ? ["很好吃，送餐也快，下次还点", "太难吃了", "送餐慢，菜都凉了，不会再点了", "一般般"]
        : sampleInputs(model.task);
    const profile = await profileModel({
      backend,
      inputs,
      batchSizes: BATCH_SIZES,
      warmupRuns: 2,
      runs: RUNS,
    });
    results.push(profile);
    process.stderr.write(`profiled ${model.id}\n`);
  } catch (error) {
    results.push({
      modelId: model.id,
      error: error instanceof Error ? error.message : String(error),
    });
    process.stderr.write(`FAILED ${model.id}: ${error instanceof Error ? error.message : error}\n`);
  } finally {
    await backend.unload();
  }
}

const format = (value: number | undefined) =>
  value === undefined
    ? "-"
    : value < 1
      ? value.toFixed(3)
      : value < 100
        ? value.toFixed(2)
        : value.toFixed(0);
console.log(
  `Offline models on ${(results.find((row) => "machine" in row) as ModelProfile | undefined)?.machine.name}; ${RUNS} timed runs per batch size`,
);
console.log(
  "| model | provider | cold load ms | p50 ms/item b1 | p95 ms/item b1 | p50 ms/item b8 | p50 ms/item b32 | items/s b32 | peak RSS MB |",
);
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const row of results) {
  if (!("batches" in row)) {
    console.log(`| ${row.modelId} | failed: ${row.error.slice(0, 80)} |`);
    continue;
  }
  const batch = (size: number) => row.batches.find((entry) => entry.batchSize === size);
  console.log(
    `| ${row.modelId} | ${row.provider} | ${format(row.coldLoadMs)} | ${format(batch(1)?.itemLatencyMs.p50)} | ${format(batch(1)?.itemLatencyMs.p95)} | ${format(batch(8)?.itemLatencyMs.p50)} | ${format(batch(32)?.itemLatencyMs.p50)} | ${format(batch(32)?.throughputPerSecond)} | ${row.peakMemoryBytes === null ? "-" : (row.peakMemoryBytes / 1e6).toFixed(0)} |`,
  );
}

await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(
  new URL("./results/profile-offline-models.json", import.meta.url),
  `${JSON.stringify({ runs: RUNS, batchSizes: BATCH_SIZES, results }, null, 2)}\n`,
);
await mirror.close();
await rm(cacheDirectory, { recursive: true, force: true });
