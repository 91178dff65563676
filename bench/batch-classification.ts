/**
 * Benchmark: how long `Router.route` takes to classify and answer a `/v1/tasks` batch whose
 * items go to different routes (ADR 0081), with the bundled customer-service routes (real
 * Universal Sentence Encoder, echo desks that answer in microseconds, so the time is the
 * classification's).
 *
 *   flock /tmp/bench.lock npx tsx bench/batch-classification.ts [--items 32] [--rounds 15]
 *
 * The batch is the first `--items` CLINC150 in-scope test utterances that reach the
 * nearest-neighbour step alone (no keyword rule decides them): each item's text is embedded.
 * Reports the median and spread of `route` over `--rounds` rounds (after two not counted),
 * its median CPU time (the process's, steadier than wall time on a busy machine), the same
 * for classifying the texts one at a time (`RequestClassifier.classify`, what a batch cost
 * before its texts were embedded together), and whether every item went to the route it gets
 * alone. Reads ../shared/data/clinc150 (or $MODELSCOUT_SHARED_DATA). Prints
 * a table and writes bench/results/batch-classification.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sharedDataDirectory } from "../src/onnx-build/offline-training-data.js";
import { CUSTOMER_SERVICE_ROUTES } from "../src/route/bundled/customer-service-routes.js";
import { ThompsonRouteLearner } from "../src/route/learning/thompson-route-learner.js";
import { createRouter } from "../src/route/router.js";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { openStateDatabase } from "../src/state/state-database.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    items: { type: "string", default: "32" },
    rounds: { type: "string", default: "15" },
  },
});
const itemCount = Number(values.items);
const rounds = Number(values.rounds);

const config = parseRoutesConfig(CUSTOMER_SERVICE_ROUTES);
const router = await createRouter({
  config,
  // The bundled routes' labelling targets are bandits; the batch here never reaches them.
  learner: new ThompsonRouteLearner({ database: openStateDatabase({ path: ":memory:" }) }),
});
await router.warmUp();
const eligible = new Set(config.routes.map((route) => route.name));
const data = JSON.parse(
  readFileSync(join(sharedDataDirectory(), "clinc150", "data_full.json"), "utf8"),
) as { test: [string, string][] };

/** Each text's route and the step that decided it, classified alone. */
const texts: string[] = [];
const aloneRoutes: string[] = [];
for (const [text] of data.test) {
  if (texts.length === itemCount) break;
  const trace = await router.classifier.classify(text, eligible);
  if (!trace.steps.some((step) => step.kind === "nearest-neighbour")) continue;
  texts.push(text);
  aloneRoutes.push(trace.route);
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** CPU time of the process (user and system) since `since`, ms: steadier than wall time on a busy machine. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

const batchMs: number[] = [];
const oneByOneMs: number[] = [];
const batchCpuMs: number[] = [];
const oneByOneCpuMs: number[] = [];
let batchRoutes: string[] = [];
for (let round = 0; round < rounds + 2; round += 1) {
  const startedAt = performance.now();
  const cpuStartedAt = process.cpuUsage();
  const result = await router.route({
    task: "text-generation",
    model: "auto",
    inputs: texts,
    text: texts[0] as string,
    itemTexts: texts,
  });
  const elapsedMs = performance.now() - startedAt;
  const elapsedCpuMs = cpuMs(cpuStartedAt);
  if (!result.ok) throw new Error(`the batch failed: ${result.message}`);
  batchRoutes =
    result.batch === undefined
      ? texts.map(() => result.decision.route as string)
      : result.batch.items.map(
          (item) => result.batch?.groups[item.group]?.result.decision.route as string,
        );
  const oneStartedAt = performance.now();
  const oneCpuStartedAt = process.cpuUsage();
  for (const text of texts) await router.classifier.classify(text, eligible);
  const oneByOne = performance.now() - oneStartedAt;
  const oneByOneCpu = cpuMs(oneCpuStartedAt);
  if (round >= 2) {
    batchMs.push(elapsedMs);
    oneByOneMs.push(oneByOne);
    batchCpuMs.push(elapsedCpuMs);
    oneByOneCpuMs.push(oneByOneCpu);
  }
}
await router.registry.close();

const agreeing = batchRoutes.filter((route, index) => route === aloneRoutes[index]).length;
const sorted = [...batchMs].sort((a, b) => a - b);
console.log(
  `| ${itemCount} texts through the encoder | median ms | min ms | max ms | median CPU ms |`,
);
console.log("|---|---:|---:|---:|---:|");
console.log(
  `| Router.route of the batch | ${median(batchMs).toFixed(1)} | ${(sorted[0] ?? 0).toFixed(1)} | ${(sorted.at(-1) ?? 0).toFixed(1)} | ${median(batchCpuMs).toFixed(1)} |`,
);
console.log(
  `| the texts classified one at a time | ${median(oneByOneMs).toFixed(1)} | ${Math.min(...oneByOneMs).toFixed(1)} | ${Math.max(...oneByOneMs).toFixed(1)} | ${median(oneByOneCpuMs).toFixed(1)} |`,
);
console.log(
  `\nroutes: ${JSON.stringify(Object.fromEntries([...new Set(batchRoutes)].map((route) => [route, batchRoutes.filter((r) => r === route).length])))}; ${agreeing}/${texts.length} items on the route they get alone`,
);
writeBenchResult("batch-classification", "npx tsx bench/batch-classification.ts", {
  items: texts.length,
  rounds,
  medianBatchRouteMs: median(batchMs),
  batchRouteMs: batchMs,
  medianBatchRouteCpuMs: median(batchCpuMs),
  medianOneByOneClassifyMs: median(oneByOneMs),
  medianOneByOneClassifyCpuMs: median(oneByOneCpuMs),
  itemsOnTheirAloneRoute: agreeing,
});
