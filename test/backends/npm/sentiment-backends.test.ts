/**
 * The English sentiment lexicons: the backend contract, accuracy on the 3,003 labelled
 * sentences that ship in the `sentiment` package's test fixtures (Amazon, IMDb, Yelp from UCI
 * "Sentiment Labelled Sentences"), and that P(positive) is calibrated on them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ModelBackend } from "../../../src/backends/model-backend.js";
import { createSentimentBackend } from "../../../src/backends/npm/sentiment-backend.js";
import { createVaderSentimentBackend } from "../../../src/backends/npm/vader-sentiment-backend.js";
import { positiveScore } from "../../support/positive-score.js";
import { runModelBackendContract } from "../model-backend.contract.js";

const require = createRequire(import.meta.url);
const fixturesDirectory = path.join(
  path.dirname(require.resolve("sentiment/package.json")),
  "test",
  "fixtures",
);

interface LabelledSentence {
  text: string;
  positive: boolean;
}

const SENTENCES: LabelledSentence[] = ["amazon", "imdb", "yelp"].flatMap((name) =>
  (
    JSON.parse(readFileSync(path.join(fixturesDirectory, `${name}.json`), "utf8")) as {
      text: string;
      class: 0 | 1;
    }[]
  ).map((item) => ({ text: item.text, positive: item.class === 1 })),
);

const CONTRACT_INPUTS = [
  "Great for the jawbone.",
  { text: "I have to jiggle the plug to get it to line up right to get decent volume." },
  "Not bad at all, I would buy it again!",
];

runModelBackendContract({
  name: "npm:sentiment",
  create: () => createSentimentBackend(),
  inputs: CONTRACT_INPUTS,
  expectedKind: "labels",
  local: true,
  artifact: "npm",
});

runModelBackendContract({
  name: "npm:vader-sentiment",
  create: () => createVaderSentimentBackend(),
  inputs: CONTRACT_INPUTS,
  expectedKind: "labels",
  local: true,
  artifact: "npm",
});

/** Accuracy and expected calibration error (10 equal-width bins) over the fixtures. */
async function measure(backend: ModelBackend) {
  const { loadMs } = await backend.load();
  const startedMs = performance.now();
  const outputs = await backend.doRun(SENTENCES.map((sentence) => sentence.text));
  const perItemMs = (performance.now() - startedMs) / SENTENCES.length;
  const scores = outputs.map(positiveScore);
  let correct = 0;
  const bins = Array.from({ length: 10 }, () => ({ count: 0, scoreSum: 0, positives: 0 }));
  scores.forEach((score, index) => {
    const truth = SENTENCES[index]?.positive === true;
    if (score >= 0.5 === truth) correct += 1;
    const bin = bins[Math.min(9, Math.floor(score * 10))];
    if (bin === undefined) return;
    bin.count += 1;
    bin.scoreSum += score;
    if (truth) bin.positives += 1;
  });
  const calibrationError = bins.reduce(
    (sum, bin) =>
      bin.count === 0
        ? sum
        : sum +
          (bin.count / scores.length) *
            Math.abs(bin.scoreSum / bin.count - bin.positives / bin.count),
    0,
  );
  return { accuracy: correct / scores.length, calibrationError, loadMs, perItemMs };
}

describe("English sentiment accuracy on the sentiment package's 3,003 fixture sentences", () => {
  it("has the labelled data it measures on", () => {
    expect(SENTENCES).toHaveLength(3003);
    const positives = SENTENCES.filter((sentence) => sentence.positive).length;
    expect(positives).toBeGreaterThan(1400);
    expect(positives).toBeLessThan(1600);
  });

  it("npm:sentiment (AFINN-165) is right on most sentences and its P(positive) is calibrated", async () => {
    const backend = createSentimentBackend();
    const { accuracy, calibrationError, loadMs, perItemMs } = await measure(backend);
    console.info(
      `npm:sentiment accuracy ${(accuracy * 100).toFixed(1)}%, ECE ${calibrationError.toFixed(3)}, load ${loadMs.toFixed(0)} ms, ${perItemMs.toFixed(3)} ms per item`,
    );
    expect(accuracy).toBeGreaterThan(0.77);
    expect(calibrationError).toBeLessThan(0.08);
    await backend.unload();
  });

  it("npm:vader-sentiment is right on most sentences and its P(positive) is calibrated", async () => {
    const backend = createVaderSentimentBackend();
    const { accuracy, calibrationError, loadMs, perItemMs } = await measure(backend);
    console.info(
      `npm:vader-sentiment accuracy ${(accuracy * 100).toFixed(1)}%, ECE ${calibrationError.toFixed(3)}, load ${loadMs.toFixed(0)} ms, ${perItemMs.toFixed(3)} ms per item`,
    );
    expect(accuracy).toBeGreaterThan(0.79);
    expect(calibrationError).toBeLessThan(0.08);
    await backend.unload();
  });

  it("reads negation and emphasis the way the lexicons do", async () => {
    const vader = createVaderSentimentBackend();
    const [plain, negated] = await vader.doRun(["The food was good.", "The food was not good."]);
    expect(positiveScore(plain)).toBeGreaterThan(0.5);
    expect(positiveScore(negated)).toBeLessThan(0.5);
    const afinn = createSentimentBackend();
    const [good, great] = await afinn.doRun([
      "It is good.",
      "It is amazing, superb and wonderful.",
    ]);
    expect(positiveScore(great)).toBeGreaterThan(positiveScore(good));
  });
});
