/**
 * The reference for the examples: every candidate of each `examples/<name>/task.json` run
 * on EVERY row of its data, one item per call, on this machine. Budgeted selection
 * (`modelscout select`) probes fewer rows; its winner and figures can be checked against
 * this table, and the example READMEs quote it.
 *
 *   npx tsx bench/examples-exhaustive.ts [--examples english-sentiment,language-id,chinese-reviews]
 *
 * Candidates resolve as the selection does: `npm:` ids from the bundled npm model list,
 * `local:` ids from their folder (relative to the example). Any other id is a hub model and
 * is run with transformers.js in offline mode (cache only), so a machine without the Hub
 * records it as failed instead of downloading it. A candidate that cannot load is reported
 * with its error code. Writes bench/results/examples-exhaustive.json.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createBackend } from "../src/backends/create-backend.js";
import type { ModelBackend } from "../src/backends/model-backend.js";
import { npmBackendProvider } from "../src/backends/npm/npm-backend-provider.js";
import { createTransformersBackendProvider } from "../src/backends/transformers-js/transformers-backend-provider.js";
import { type ModelRecord, toModelRecord } from "../src/catalog/model-record.js";
import { isLocalModelId, localModelRecordForId } from "../src/catalog/sources/local-models.js";
import { NPM_MODELS } from "../src/catalog/sources/npm-models.js";
import { ModelScoutError } from "../src/errors/modelscout-error.js";
import { summarise } from "../src/profile/profile-model.js";
import { loadSampleData } from "../src/select/sample-data.js";
import { parseTaskSpec } from "../src/select/task-spec.js";

const EXAMPLES = ["english-sentiment", "language-id", "chinese-reviews"];
const repositoryRoot = join(import.meta.dirname, "..");

const { values } = parseArgs({ options: { examples: { type: "string" } } });
const names = values.examples?.split(",").map((name) => name.trim()) ?? EXAMPLES;

const providers = [
  npmBackendProvider,
  createTransformersBackendProvider({ settings: { offline: true } }),
];

async function recordFor(id: string, baseDirectory: string): Promise<ModelRecord> {
  if (isLocalModelId(id)) return localModelRecordForId(id, { baseDirectory });
  const npm = NPM_MODELS.find((model) => model.id === id);
  if (npm !== undefined) return toModelRecord(npm);
  return toModelRecord({
    id,
    source: "hub",
    task: "text-classification",
    library: "transformers.js",
    tags: ["onnx"],
  });
}

interface CandidateResult {
  id: string;
  status: "ok" | "failed";
  error?: { code: string; message: string };
  loadMs?: number;
  accuracy?: number;
  macroF1?: number;
  correct?: number;
  items?: number;
  latencyMsP50?: number;
  latencyMsP95?: number;
  /** Misses as `gold->predicted` with their counts, most frequent first. */
  misses?: Record<string, number>;
}

function macroF1(golds: readonly string[], predictions: readonly string[]): number {
  const labels = [...new Set(golds)];
  let total = 0;
  for (const label of labels) {
    let truePositive = 0;
    let falsePositive = 0;
    let falseNegative = 0;
    golds.forEach((gold, index) => {
      const predicted = predictions[index];
      if (predicted === label && gold === label) truePositive++;
      else if (predicted === label) falsePositive++;
      else if (gold === label) falseNegative++;
    });
    const denominator = 2 * truePositive + falsePositive + falseNegative;
    total += denominator === 0 ? 0 : (2 * truePositive) / denominator;
  }
  return total / labels.length;
}

const results: Record<string, CandidateResult[]> = {};
for (const name of names) {
  const folder = join(repositoryRoot, "examples", name);
  const spec = parseTaskSpec(JSON.parse(await readFile(join(folder, "task.json"), "utf8")));
  const data = await loadSampleData(spec.data, { baseDirectory: folder });
  const golds = data.items.map((item) => item.label ?? "");
  results[name] = [];
  for (const id of spec.candidates.ids) {
    let backend: ModelBackend | undefined;
    try {
      backend = createBackend(await recordFor(id, folder), providers);
      const { loadMs } = await backend.load();
      // Warm-up outside the timings: the first calls pay for lazy initialisation.
      await backend.doRun(data.items.slice(0, 5).map((item) => item.input));
      const latencies: number[] = [];
      const predictions: string[] = [];
      for (const item of data.items) {
        const started = performance.now();
        const [output] = await backend.doRun([item.input]);
        latencies.push(performance.now() - started);
        predictions.push(output?.kind === "labels" ? (output.labels[0]?.label ?? "") : "");
      }
      const correct = predictions.filter((label, index) => label === golds[index]).length;
      const misses = new Map<string, number>();
      predictions.forEach((label, index) => {
        if (label === golds[index]) return;
        const key = `${golds[index]}->${label}`;
        misses.set(key, (misses.get(key) ?? 0) + 1);
      });
      const timing = summarise(latencies);
      results[name].push({
        id,
        status: "ok",
        loadMs: Number(loadMs.toFixed(1)),
        accuracy: correct / data.items.length,
        macroF1: macroF1(golds, predictions),
        correct,
        items: data.items.length,
        latencyMsP50: Number(timing.p50.toFixed(4)),
        latencyMsP95: Number(timing.p95.toFixed(4)),
        misses: Object.fromEntries(
          [...misses].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0])),
        ),
      });
    } catch (error) {
      const code = ModelScoutError.isInstance(error) ? error.code : "ERROR";
      const message = error instanceof Error ? error.message : String(error);
      results[name].push({ id, status: "failed", error: { code, message } });
    } finally {
      await backend?.unload();
    }
  }
}

for (const [name, candidates] of Object.entries(results)) {
  process.stdout.write(`\n${name}\n`);
  process.stdout.write(
    `${"candidate".padEnd(62)} ${"accuracy".padStart(14)} ${"macro-F1".padStart(8)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"load ms".padStart(8)}\n`,
  );
  for (const candidate of candidates) {
    if (candidate.status === "failed") {
      process.stdout.write(
        `${candidate.id.padEnd(62)} failed: ${candidate.error?.code} ${candidate.error?.message.slice(0, 80)}\n`,
      );
      continue;
    }
    const accuracy = `${((candidate.accuracy ?? 0) * 100).toFixed(1)}% ${candidate.correct}/${candidate.items}`;
    process.stdout.write(
      `${candidate.id.padEnd(62)} ${accuracy.padStart(14)} ${((candidate.macroF1 ?? 0) * 100).toFixed(1).padStart(8)} ${candidate.latencyMsP50?.toFixed(3).padStart(8)} ${candidate.latencyMsP95?.toFixed(3).padStart(8)} ${candidate.loadMs?.toFixed(0).padStart(8)}\n`,
    );
  }
}

await writeFile(
  join(repositoryRoot, "bench", "results", "examples-exhaustive.json"),
  `${JSON.stringify(
    {
      command: `npx tsx bench/examples-exhaustive.ts${values.examples === undefined ? "" : ` --examples ${values.examples}`}`,
      measuredAt: new Date().toISOString(),
      node: process.version,
      // Local candidates are stored relative to the example so the file is the same on every machine.
      results: Object.fromEntries(
        Object.entries(results).map(([name, candidates]) => [
          name,
          candidates.map((candidate) => ({
            ...candidate,
            ...(candidate.error !== undefined && {
              error: {
                ...candidate.error,
                message: candidate.error.message.replaceAll(repositoryRoot, "<repo>"),
              },
            }),
          })),
        ]),
      ),
    },
    null,
    2,
  )}\n`,
);
