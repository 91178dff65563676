/**
 * Backend overhead: the transformers.js backend against calling the transformers.js pipeline
 * directly, same model (the offline English sentiment model, downloaded from a local mirror),
 * same inputs, one item per call, alternating the two so drift hits both alike. Target: our
 * p50 per item within 5% of the direct call's.
 *
 *   npx tsx bench/backend-overhead.ts [--items 3000]
 *
 * Writes bench/results/backend-overhead.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createTransformersBackend } from "../src/backends/transformers-js/transformers-backend.js";
import { withTransformersSettings } from "../src/backends/transformers-js/transformers-settings.js";
import { startMirrorServer } from "../src/mirror/start-mirror-server.js";
import { summarise } from "../src/profile/profile-model.js";
import { sampleInputs } from "../src/profile/sample-inputs.js";
import { prepareOfflineModels } from "../test/support/offline-models.js";

const itemsFlag = process.argv.indexOf("--items");
const ITEMS = itemsFlag === -1 ? 3000 : Number(process.argv[itemsFlag + 1]);
const MODEL = "modelscout/sentiment-en-bow";

const offline = await prepareOfflineModels();
const mirror = await startMirrorServer({ directory: offline.directory });
const cacheDirectory = await mkdtemp(join(tmpdir(), "modelscout-bench-overhead-"));
const settings = { remoteHost: `${mirror.url}/`, cacheDirectory, offline: false, revision: "main" };
const texts = sampleInputs("text-classification") as string[];

const backend = createTransformersBackend({
  model: { id: MODEL, task: "text-classification" },
  settings,
});
await backend.load();
const direct = (await withTransformersSettings(settings, (library) =>
  library.pipeline("text-classification", MODEL, { dtype: "fp32", device: "cpu" }),
)) as unknown as (input: unknown, options?: unknown) => Promise<unknown>;

// Warm both paths.
for (const text of texts) {
  await backend.doRun([text]);
  await direct([text], { top_k: null });
}

const ours: number[] = [];
const library: number[] = [];
for (let index = 0; index < ITEMS; index++) {
  const text = texts[index % texts.length] as string;
  const first = index % 2 === 0;
  for (const which of first ? ["ours", "library"] : ["library", "ours"]) {
    const started = performance.now();
    if (which === "ours") await backend.doRun([text]);
    else await direct([text], { top_k: null });
    (which === "ours" ? ours : library).push(performance.now() - started);
  }
}

const oursSummary = summarise(ours);
const librarySummary = summarise(library);
const overheadPercent = ((oursSummary.p50 - librarySummary.p50) / librarySummary.p50) * 100;
const rows = [
  { path: "transformers.js pipeline directly", ...librarySummary },
  { path: "ModelScout transformers-js backend", ...oursSummary },
];
console.log(
  `Backend overhead, ${MODEL}, ${ITEMS} single-item calls each, ${texts.length} distinct sentences`,
);
console.log("path                                  p50 ms   p95 ms   mean ms");
for (const row of rows) {
  console.log(
    `${row.path.padEnd(36)} ${row.p50.toFixed(4).padStart(8)} ${row.p95.toFixed(4).padStart(8)} ${row.mean.toFixed(4).padStart(9)}`,
  );
}
console.log(`overhead at p50: ${overheadPercent.toFixed(1)}% (target < 5%)`);

await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(
  new URL("./results/backend-overhead.json", import.meta.url),
  `${JSON.stringify({ model: MODEL, items: ITEMS, rows, overheadPercent, measuredAt: new Date().toISOString() }, null, 2)}\n`,
);
await backend.unload();
await mirror.close();
await rm(cacheDirectory, { recursive: true, force: true });
