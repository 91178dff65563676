/**
 * Builds the project's small HF-layout ONNX models into `<out>/modelscout/<name>`:
 *   npx tsx scripts/build-onnx-models.ts --out /tmp/modelscout-models [--only sentimentEnglish,...]
 * Serve them with `modelscout mirror serve <out>`. The Chinese model is trained on data
 * without a licence: never commit or publish the output.
 */
import { parseArgs } from "node:util";
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
