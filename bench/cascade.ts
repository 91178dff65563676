/**
 * Benchmark: a labelling target's cascade (`min_confidence`, ADR 0057) through the real
 * router, on English sentences the project's ONNX model was not trained on.
 *
 *   npx tsx bench/cascade.ts [--first npm:sentiment] [--second <id>,...]
 *                            [--thresholds 0.6,0.7,0.8,0.9,0.95]
 *
 * Data: the held-out fifth of the `sentiment` package's 3,000 labelled fixture sentences
 * (Amazon, IMDb, Yelp; UCI Sentiment Labelled Sentences; `loadSentimentFixtures`), 600
 * sentences. The AFINN and VADER backends' logistic calibrations were fitted on all 3,000
 * (two parameters each, ADR 0006), so their scores are in-sample here; the ONNX
 * bag-of-words model (`examples/english-sentiment/models/modelscout/sentiment-en-bow`) was
 * trained on the other four fifths only.
 *
 * For each second model, each threshold routes every sentence once, in order, through
 * `createRouter` with the target `{candidates: [first, second], min_confidence: t}`, and the
 * first and second model alone (policy `fixed`). Per row: accuracy, the share of sentences
 * handed on, the models' time per sentence (the sum of the attempts' latencies the decision
 * records: mean and p95) and, for a cascade, the sentences it got right that the second model
 * alone got wrong and the reverse, with the exact McNemar p-value of that split (paired, on
 * the same sentences). Prints a table and writes bench/results/cascade.json.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadSentimentFixtures } from "../src/onnx-build/offline-training-data.js";
import { pairedComparison } from "../src/route/cascade-math.js";
import { createRouter } from "../src/route/router.js";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { topLabel } from "../src/select/metrics/classification-metrics.js";
import { writeBenchResult } from "./bench-result.js";

const BOW = `local:${fileURLToPath(new URL("../examples/english-sentiment/models/modelscout/sentiment-en-bow", import.meta.url))}`;

const { values } = parseArgs({
  options: {
    first: { type: "string", default: "npm:sentiment" },
    second: { type: "string", default: `npm:vader-sentiment,${BOW}` },
    thresholds: { type: "string", default: "0.6,0.7,0.8,0.9,0.95" },
  },
});
const first = values.first;
const seconds = values.second.split(",");
const thresholds = values.thresholds.split(",").map(Number);
const { heldOut } = await loadSentimentFixtures();
const items = heldOut.texts.map((text, index) => ({ text, label: heldOut.labels[index] }));

interface Row {
  setup: string;
  minConfidence: number | null;
  accuracy: number;
  /**
   * Against the second model alone, on the same sentences (a cascade row): how many it got
   * right that the second alone got wrong, the reverse, and the two-sided exact McNemar
   * p-value of that split.
   */
  versusSecond?: { gained: number; lost: number; p: number };
  handedOn: number;
  meanModelMs: number;
  p95ModelMs: number;
}

const short = (id: string) => (id.startsWith("local:") ? "sentiment-en-bow (ONNX)" : id);

async function run(
  setup: string,
  candidates: string[],
  minConfidence: number | null,
  alone?: readonly boolean[],
) {
  const router = await createRouter({
    config: parseRoutesConfig({
      models: candidates.map((id) => ({ id, kind: "catalog", isolated: false })),
      routes: [
        {
          name: "reviews",
          targets: {
            "text-classification": {
              policy: candidates.length === 1 ? "fixed" : "fallback",
              candidates,
              ...(minConfidence !== null && { min_confidence: minConfidence }),
            },
          },
        },
      ],
    }),
  });
  await router.warmUp();
  // One pass to load and compile what the first calls would (not measured).
  for (const item of items.slice(0, 20)) {
    await router.route({
      task: "text-classification",
      model: "reviews",
      inputs: [item.text],
      text: item.text,
    });
  }
  let correct = 0;
  const right: boolean[] = [];
  let handedOn = 0;
  const times: number[] = [];
  for (const item of items) {
    const result = await router.route({
      task: "text-classification",
      model: "reviews",
      inputs: [item.text],
      text: item.text,
    });
    if (!result.ok) throw new Error(`${setup}: ${result.decision.reason}`);
    const output = result.outputs[0];
    const top = output?.kind === "labels" ? topLabel(output) : null;
    if (top === item.label) correct += 1;
    right.push(top === item.label);
    if (result.decision.attempts.some((attempt) => attempt.outcome === "low-confidence")) {
      handedOn += 1;
    }
    times.push(result.decision.attempts.reduce((sum, attempt) => sum + attempt.latencyMs, 0));
  }
  await router.registry.close();
  times.sort((a, b) => a - b);
  const versus = alone === undefined ? undefined : pairedComparison(right, alone);
  const row: Row = {
    setup,
    minConfidence,
    accuracy: correct / items.length,
    ...(versus !== undefined && { versusSecond: versus }),
    handedOn: handedOn / items.length,
    meanModelMs: times.reduce((sum, t) => sum + t, 0) / times.length,
    p95ModelMs: times[Math.ceil(0.95 * times.length) - 1] ?? 0,
  };
  console.log(
    `${setup.padEnd(58)} ${minConfidence === null ? "   -" : minConfidence.toFixed(2)}  ${(100 * row.accuracy).toFixed(1).padStart(5)}%  ${(100 * row.handedOn).toFixed(1).padStart(5)}%  ${row.meanModelMs.toFixed(3).padStart(8)}  ${row.p95ModelMs.toFixed(3).padStart(8)}  ${versus === undefined ? "" : `+${versus.gained} -${versus.lost} p=${versus.p.toFixed(4)}`}`,
  );
  return { row, right };
}

console.log(
  `Cascade over ${items.length} held-out sentences (sentiment fixtures, every fifth)\n${"setup".padEnd(58)} min_c  accuracy  handed on  mean ms   p95 ms  vs second alone`,
);
const rows: Row[] = [];
rows.push((await run(`${short(first)} alone`, [first], null)).row);
for (const second of seconds) {
  const alone = await run(`${short(second)} alone`, [second], null);
  rows.push(alone.row);
  for (const threshold of thresholds) {
    const setup = `${short(first)} -> ${short(second)}`;
    rows.push((await run(setup, [first, second], threshold, alone.right)).row);
  }
}
writeBenchResult(
  "cascade",
  `npx tsx bench/cascade.ts --first ${values.first} --second ${values.second.replace(BOW, "<sentiment-en-bow>")} --thresholds ${values.thresholds}`,
  { items: items.length, rows },
);
