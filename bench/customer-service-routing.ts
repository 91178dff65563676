/**
 * Benchmark: how well the bundled customer-service routes classify requests (issue 5).
 *
 *   npx tsx bench/customer-service-routing.ts
 *
 * English: the CLINC150 `test` split of the intents the routes stand for (240 utterances;
 * the routes' examples come from `train`), and where 300 of CLINC150's out-of-scope test
 * utterances go (the routes have no "other" route, so they should mostly fall to the
 * default). Reports accuracy, which step decided, and the classification time per request.
 * Reads ../shared/data/clinc150 (or $MODELSCOUT_SHARED_DATA). Prints a table and writes
 * bench/results/customer-service-routing.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sharedDataDirectory } from "../src/onnx-build/offline-training-data.js";
import { CLINC150_ROUTE_INTENTS } from "../src/route/bundled/clinc150-examples.js";
import { CUSTOMER_SERVICE_ROUTES } from "../src/route/bundled/customer-service-routes.js";
import { ThompsonRouteLearner } from "../src/route/learning/thompson-route-learner.js";
import { createRouter } from "../src/route/router.js";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { openStateDatabase } from "../src/state/state-database.js";

const config = parseRoutesConfig(CUSTOMER_SERVICE_ROUTES);
const router = await createRouter({
  config,
  learner: new ThompsonRouteLearner({ database: openStateDatabase({ path: ":memory:" }) }),
});
const warmStartedAt = performance.now();
await router.warmUp();
const warmUpMs = performance.now() - warmStartedAt;
const data = JSON.parse(
  readFileSync(join(sharedDataDirectory(), "clinc150", "data_full.json"), "utf8"),
) as { test: [string, string][]; oos_test: [string, string][] };
const routeOf = new Map<string, string>();
for (const [route, intents] of Object.entries(CLINC150_ROUTE_INTENTS)) {
  for (const intent of intents) routeOf.set(intent, route);
}
const eligible = new Set(config.routes.map((route) => route.name));

async function classifyAll(items: readonly [string, string][]) {
  const results: {
    expected: string | undefined;
    route: string;
    step: string;
    ms: number;
    /** The rules step's own time (the first step, run for every request). */
    rulesMs: number;
    /** The nearest-neighbour step's own time (embedding the request), when it ran. */
    encoderMs: number | null;
  }[] = [];
  for (const [text, intent] of items) {
    const startedAt = performance.now();
    const trace = await router.classifier.classify(text, eligible);
    results.push({
      expected: routeOf.get(intent),
      route: trace.route,
      step: trace.usedDefault
        ? "default"
        : `${trace.steps.at(-1)?.kind}#${trace.steps.at(-1)?.step}`,
      ms: performance.now() - startedAt,
      rulesMs: trace.steps.find((step) => step.kind === "rules")?.elapsedMs ?? 0,
      encoderMs: trace.steps.find((step) => step.kind === "nearest-neighbour")?.elapsedMs ?? null,
    });
  }
  return results;
}

const count = (values: readonly string[]) =>
  Object.fromEntries(
    [...new Set(values)].map((value) => [value, values.filter((v) => v === value).length]),
  );
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const inScope = await classifyAll(data.test.filter(([, intent]) => routeOf.has(intent)));
const outOfScope = await classifyAll(data.oos_test.slice(0, 300));
await router.registry.close();

const correct = inScope.filter((item) => item.route === item.expected).length;
const perRoute = Object.fromEntries(
  [...eligible].map((route) => {
    const items = inScope.filter((item) => item.expected === route);
    return [
      route,
      { items: items.length, correct: items.filter((item) => item.route === route).length },
    ];
  }),
);
console.log("| set | items | correct | decided by | routed to | median ms |");
console.log("|---|---:|---:|---|---|---:|");
console.log(
  `| CLINC150 test, 8 intents | ${inScope.length} | ${correct} (${((correct / inScope.length) * 100).toFixed(1)} %) | ${JSON.stringify(count(inScope.map((item) => item.step)))} | | ${median(inScope.map((item) => item.ms)).toFixed(1)} |`,
);
console.log(
  `| CLINC150 out-of-scope test (first 300) | ${outOfScope.length} | | ${JSON.stringify(count(outOfScope.map((item) => item.step)))} | ${JSON.stringify(count(outOfScope.map((item) => item.route)))} | ${median(outOfScope.map((item) => item.ms)).toFixed(1)} |`,
);
// The first requests after warm-up pay for anything it left cold (the rules' expressions were,
// until 2026-11-30: about 15 ms on each of the first two requests).
const firstRulesMs = inScope.slice(0, 3).map((item) => item.rulesMs);
const medianRulesMs = median(inScope.map((item) => item.rulesMs));
console.log(
  `\nrules step: ${firstRulesMs.map((ms) => ms.toFixed(3)).join(", ")} ms on the first three requests, median ${medianRulesMs.toFixed(3)} ms`,
);
// The nearest-neighbour step embeds each request: its first runs after warm-up, by tens.
const encoderMs = inScope.flatMap((item) => (item.encoderMs === null ? [] : [item.encoderMs]));
const encoderByTens = Array.from(
  { length: Math.min(5, Math.ceil(encoderMs.length / 10)) },
  (_, tens) => median(encoderMs.slice(tens * 10, tens * 10 + 10)),
);
const medianEncoderMs = median(encoderMs);
console.log(
  `nearest-neighbour step: median ${encoderByTens.map((ms) => ms.toFixed(1)).join(", ")} ms over its first five tens of requests, ${medianEncoderMs.toFixed(1)} ms over all ${encoderMs.length}`,
);
writeFileSync(
  fileURLToPath(new URL("./results/customer-service-routing.json", import.meta.url)),
  `${JSON.stringify(
    {
      benchmark: "customer-service-routing",
      command: "npx tsx bench/customer-service-routing.ts",
      date: new Date().toISOString(),
      warmUpMs,
      inScope: {
        items: inScope.length,
        correct,
        accuracy: correct / inScope.length,
        perRoute,
        decidedBy: count(inScope.map((item) => item.step)),
        medianClassifyMs: median(inScope.map((item) => item.ms)),
        firstRulesMs,
        medianRulesMs,
        encoderMsByTens: encoderByTens,
        medianEncoderMs,
      },
      outOfScope: {
        items: outOfScope.length,
        decidedBy: count(outOfScope.map((item) => item.step)),
        routedTo: count(outOfScope.map((item) => item.route)),
        medianClassifyMs: median(outOfScope.map((item) => item.ms)),
      },
    },
    null,
    2,
  )}\n`,
);
