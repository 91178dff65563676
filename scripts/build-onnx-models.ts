/**
 * Builds the project's small HF-layout ONNX models into `<out>/modelscout/<name>`:
 *   npx tsx scripts/build-onnx-models.ts --out /tmp/modelscout-models [--only sentimentEnglish,...] [--measure]
 * `--measure` then serves the folder with the mirror and loads every model and variant through
 * transformers.js's download path into a fresh cache, printing load time and latency per item.
 * Serve them with `modelscout mirror serve <out>`. The Chinese model is trained on data
 * without a licence: never commit or publish the output.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMirrorServer } from "../src/mirror/start-mirror-server.js";
import {
  buildOfflineModels,
  OFFLINE_MODEL_IDS,
  type OfflineModelName,
} from "../src/onnx-build/build-offline-models.js";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    only: { type: "string" },
    json: { type: "boolean", default: false },
    measure: { type: "boolean", default: false },
  },
});
if (values.out === undefined) {
  process.stderr.write(
    "Usage: npx tsx scripts/build-onnx-models.ts --out <dir> [--only a,b] [--json]\n",
  );
  process.exit(2);
}
const known = Object.keys(OFFLINE_MODEL_IDS) as OfflineModelName[];
const only = values.only?.split(",").map((name) => name.trim()) as OfflineModelName[] | undefined;
const unknown = only?.filter((name) => !known.includes(name)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown model(s) ${unknown.join(", ")}; choose from ${known.join(", ")}.\n`,
  );
  process.exit(2);
}
const reports = await buildOfflineModels({
  directory: values.out,
  ...(only !== undefined && { only }),
  onBuilt(report) {
    if (values.json) return;
    const accuracy =
      report.heldOutAccuracy === null ? "-" : `${(report.heldOutAccuracy * 100).toFixed(1)}%`;
    const bytes = Object.values(report.fileBytes).reduce((sum, size) => sum + size, 0);
    process.stdout.write(
      `${report.id.padEnd(36)} vocab ${String(report.vocabularySize).padStart(6)}  train ${String(report.trainingExamples).padStart(6)}  held-out ${String(report.heldOutExamples).padStart(5)} acc ${accuracy.padStart(6)}  ${(bytes / 1e6).toFixed(2)} MB  ${report.buildMs.toFixed(0)} ms\n`,
    );
  },
});
if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);

if (values.measure) {
  const { env, pipeline } = await import("@huggingface/transformers");
  const { loadSentimentFixtures } = await import("../src/onnx-build/offline-training-data.js");
  const mirror = await startMirrorServer({ directory: values.out });
  const cacheDirectory = await mkdtemp(join(tmpdir(), "modelscout-measure-cache-"));
  env.remoteHost = `${mirror.url}/`;
  env.allowRemoteModels = true;
  env.allowLocalModels = false;
  env.cacheDir = cacheDirectory;
  const texts = (await loadSentimentFixtures()).heldOut.texts.slice(0, 256);
  process.stdout.write(
    "\nmodel                                dtype  load ms  batch 1 ms/item  batch 32 ms/item\n",
  );
  for (const report of reports) {
    for (const dtype of ["fp32", "fp16", "q8"] as const) {
      const task =
        report.pipelineTag === "feature-extraction" ? "feature-extraction" : "text-classification";
      const loadStartedMs = performance.now();
      const run = (await pipeline(task, report.id, { dtype })) as unknown as (
        input: string | string[],
        options?: Record<string, unknown>,
      ) => Promise<unknown>;
      const loadMs = performance.now() - loadStartedMs;
      const runOptions = task === "feature-extraction" ? { pooling: "mean", normalize: true } : {};
      await run(texts.slice(0, 8), runOptions); // warm-up
      let startedMs = performance.now();
      for (const text of texts) await run(text, runOptions);
      const singleMs = (performance.now() - startedMs) / texts.length;
      startedMs = performance.now();
      for (let start = 0; start < texts.length; start += 32)
        await run(texts.slice(start, start + 32), runOptions);
      const batchMs = (performance.now() - startedMs) / texts.length;
      process.stdout.write(
        `${report.id.padEnd(36)} ${dtype.padEnd(5)} ${loadMs.toFixed(0).padStart(8)} ${singleMs.toFixed(3).padStart(16)} ${batchMs.toFixed(3).padStart(17)}\n`,
      );
    }
  }
  await mirror.close();
  await rm(cacheDirectory, { recursive: true, force: true });
}
