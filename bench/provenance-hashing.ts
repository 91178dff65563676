/**
 * What recording a decision's provenance costs (ADR 0082): hashing a `local:` model folder's
 * files the first time (cold, nothing cached under MODELSCOUT_HOME) and on later loads (warm,
 * one `stat` per file), for the bundled example's folder and for a synthetic folder holding
 * weights of `--mb` megabytes; and hashing a sample data file.
 *
 *   npx tsx bench/provenance-hashing.ts [--mb 400] [--runs 3]
 *
 * Prints one row per case: milliseconds per load (median of `--runs`), and MB/s for the cold
 * hash of the large folder. Writes bench/results/provenance-hashing.json.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { hashLocalModelFiles } from "../src/backends/transformers-js/hash-local-model-files.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: { mb: { type: "string", default: "400" }, runs: { type: "string", default: "3" } },
});
const megabytes = Number(values.mb);
const runs = Number(values.runs);

const EXAMPLE_FOLDER = fileURLToPath(
  new URL("../examples/english-sentiment/models/modelscout/sentiment-en-bow", import.meta.url),
);
const EXAMPLE_DATA = fileURLToPath(
  new URL("../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);
const FILES = ["config.json", "onnx/model.onnx", "tokenizer.json", "tokenizer_config.json"];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function measureFolder(folder: string, files: readonly string[]) {
  const scratch = await mkdtemp(join(tmpdir(), "modelscout-bench-hash-"));
  try {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let run = 0; run < runs; run++) {
      const cachePath = join(scratch, `cache-${run}.json`);
      cold.push(await timeMs(() => hashLocalModelFiles({ folder, files, cachePath })));
      warm.push(await timeMs(() => hashLocalModelFiles({ folder, files, cachePath })));
    }
    return { coldMs: median(cold), warmMs: median(warm) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

const example = await measureFolder(EXAMPLE_FOLDER, FILES);

const large = await mkdtemp(join(tmpdir(), "modelscout-bench-model-"));
let largeResult: { coldMs: number; warmMs: number };
try {
  await mkdir(join(large, "onnx"));
  for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
    await writeFile(join(large, file), await readFile(join(EXAMPLE_FOLDER, file)));
  }
  // Random bytes in 16 MB pieces: nothing for the page cache to share or compress.
  const piece = randomBytes(16 * 1024 * 1024);
  const pieces = Math.max(1, Math.round(megabytes / 16));
  await writeFile(join(large, "onnx", "model.onnx"), Buffer.concat(Array(pieces).fill(piece)));
  largeResult = await measureFolder(large, FILES);
} finally {
  await rm(large, { recursive: true, force: true });
}
const largeMegabytes = Math.max(1, Math.round(megabytes / 16)) * 16;

const dataBytes = await readFile(EXAMPLE_DATA);
const dataSamples: number[] = [];
for (let run = 0; run < 100; run++) {
  dataSamples.push(await timeMs(async () => createHash("sha256").update(dataBytes).digest("hex")));
}
const dataMs = median(dataSamples);

const rows = [
  ["example folder (4 files, 64 KB), cold", example.coldMs],
  ["example folder, warm (cached)", example.warmMs],
  [`synthetic folder (${largeMegabytes} MB weights), cold`, largeResult.coldMs],
  [`synthetic folder (${largeMegabytes} MB weights), warm`, largeResult.warmMs],
  [`example data file (${dataBytes.length} bytes), sha256`, dataMs],
] as const;
console.log("case                                              ms per load");
for (const [name, ms] of rows) console.log(`${name.padEnd(50)}${ms.toFixed(3).padStart(10)}`);
const coldMegabytesPerSecond = largeMegabytes / (largeResult.coldMs / 1000);
console.log(`cold hashing throughput: ${coldMegabytesPerSecond.toFixed(0)} MB/s`);

writeBenchResult(
  "provenance-hashing",
  `npx tsx bench/provenance-hashing.ts --mb ${megabytes} --runs ${runs}`,
  {
    exampleFolder: example,
    largeFolder: { megabytes: largeMegabytes, ...largeResult, coldMegabytesPerSecond },
    exampleDataSha256Ms: dataMs,
  },
);
