/**
 * Benchmark: candidates by language (ADR 0058) on a mixed English and Chinese stream of
 * reviews, through the real router.
 *
 *   npx tsx bench/language-routing.ts [--per-language 600] [--detector npm:tinyld]
 *
 * Data: 600 sentences from the held-out fifth of the `sentiment` package's English fixtures
 * and 600 reviews from the held-out fifth of `zh-reviews/waimai_10k.csv` (`../shared/data`),
 * half positive and half negative in each language, evenly spaced over each label's rows,
 * interleaved. Models: AFINN-165 (`npm:sentiment`, English) and the
 * project's Chinese bag-of-characters ONNX model (`reviews-zh-bow`, built here from the other
 * four fifths of waimai_10k into a temporary folder, as the tests build it).
 *
 * Setups: each model alone on every review, and one target with both candidates declaring
 * their language and `language_detector` naming the detector. Per setup: accuracy on the
 * English reviews, on the Chinese ones and overall; for the language target, how often the
 * detector named the review's language, and the time per request (`route()` wall time, the
 * detection included; mean and p95). Prints a table and writes
 * bench/results/language-routing.json.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildOfflineModels, OFFLINE_MODEL_IDS } from "../src/onnx-build/build-offline-models.js";
import {
  loadSentimentFixtures,
  loadWaimaiReviews,
  sharedDataDirectory,
} from "../src/onnx-build/offline-training-data.js";
import { createRouter } from "../src/route/router.js";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { topLabel } from "../src/select/metrics/classification-metrics.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    "per-language": { type: "string", default: "600" },
    detector: { type: "string", default: "npm:tinyld" },
  },
});
const perLanguage = Number(values["per-language"]);
const detector = values.detector;

/**
 * `count` reviews, half of each label, evenly spaced over each label's rows (waimai_10k is
 * sorted by label, so its first rows are all positive), the labels alternating.
 */
function balanced(split: { texts: readonly string[]; labels: readonly string[] }, count: number) {
  const byLabel = ["positive", "negative"].map((label) =>
    split.texts
      .filter((_, index) => split.labels[index] === label)
      .map((text) => ({ text, label })),
  );
  const half = Math.floor(count / 2);
  const picks = byLabel.map((rows) =>
    Array.from({ length: half }, (_, index) => rows[Math.floor((index * rows.length) / half)]),
  );
  return Array.from({ length: half }, (_, index) => [picks[0]?.[index], picks[1]?.[index]]).flat();
}

const english = balanced((await loadSentimentFixtures()).heldOut, perLanguage);
const chineseReviews = balanced(
  (await loadWaimaiReviews(sharedDataDirectory())).heldOut,
  perLanguage,
);
const items: { text: string; label: string; language: "en" | "zh" }[] = [];
english.forEach((en, index) => {
  const zh = chineseReviews[index];
  if (en === undefined || zh === undefined) return;
  items.push({ ...en, language: "en" });
  items.push({ ...zh, language: "zh" });
});

const folder = await mkdtemp(join(tmpdir(), "modelscout-language-routing-"));
await buildOfflineModels({ directory: folder, only: ["reviewsChinese"] });
const CHINESE = `local:${join(folder, OFFLINE_MODEL_IDS.reviewsChinese)}`;
const AFINN = "npm:sentiment";

interface Row {
  setup: string;
  accuracy: number;
  accuracyEnglish: number;
  accuracyChinese: number;
  /** Share of reviews whose language the detector named right (the language target only). */
  detectedRight?: number;
  meanMs: number;
  p95Ms: number;
}

async function run(setup: string, target: Record<string, unknown>): Promise<Row> {
  const router = await createRouter({
    config: parseRoutesConfig({
      models: [AFINN, CHINESE, detector].map((id) => ({ id, kind: "catalog", isolated: false })),
      routes: [{ name: "reviews", targets: { "text-classification": target } }],
    }),
  });
  await router.warmUp();
  const route = (text: string) =>
    router.route({ task: "text-classification", model: "reviews", inputs: [text], text });
  for (const item of items.slice(0, 40)) await route(item.text);
  const right = { en: 0, zh: 0 };
  let detectedRight = 0;
  const times: number[] = [];
  for (const item of items) {
    const started = performance.now();
    const result = await route(item.text);
    times.push(performance.now() - started);
    if (!result.ok) throw new Error(`${setup}: ${result.decision.reason}`);
    const output = result.outputs[0];
    const top = output?.kind === "labels" ? topLabel(output) : null;
    if (top === item.label) right[item.language] += 1;
    if (result.decision.reason.includes(`language ${item.language} (${detector})`)) {
      detectedRight += 1;
    }
  }
  await router.registry.close();
  times.sort((a, b) => a - b);
  const half = items.length / 2;
  const row: Row = {
    setup,
    accuracy: (right.en + right.zh) / items.length,
    accuracyEnglish: right.en / half,
    accuracyChinese: right.zh / half,
    ...("language_detector" in target && { detectedRight: detectedRight / items.length }),
    meanMs: times.reduce((sum, t) => sum + t, 0) / times.length,
    p95Ms: times[Math.ceil(0.95 * times.length) - 1] ?? 0,
  };
  const pct = (share: number) => `${(100 * share).toFixed(1)}%`.padStart(6);
  console.log(
    `${setup.padEnd(44)} ${pct(row.accuracy)} ${pct(row.accuracyEnglish)} ${pct(row.accuracyChinese)} ${row.detectedRight === undefined ? "     -" : pct(row.detectedRight)} ${row.meanMs.toFixed(3).padStart(8)} ${row.p95Ms.toFixed(3).padStart(8)}`,
  );
  return row;
}

console.log(
  `${items.length} reviews (${items.length / 2} English, ${items.length / 2} Chinese), interleaved\n${"setup".padEnd(44)}    all     en     zh detect  mean ms   p95 ms`,
);
const rows: Row[] = [];
try {
  rows.push(await run("npm:sentiment alone", { policy: "fixed", candidates: [AFINN] }));
  rows.push(await run("reviews-zh-bow alone", { policy: "fixed", candidates: [CHINESE] }));
  rows.push(
    await run(`by language (${detector})`, {
      candidates: [
        { model: AFINN, languages: ["en"] },
        { model: CHINESE, languages: ["zh"] },
      ],
      language_detector: detector,
    }),
  );
} finally {
  await rm(folder, { recursive: true, force: true });
}
writeBenchResult(
  "language-routing",
  `npx tsx bench/language-routing.ts --per-language ${perLanguage} --detector ${detector}`,
  { items: items.length, rows },
);
