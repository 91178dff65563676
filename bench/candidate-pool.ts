/**
 * Benchmark: what selection's catalog pool costs on a large catalog, view by view: the
 * searches `catalogPoolQueries` makes for a spec with no listed ids (the most downloaded, the
 * best scored, the npm models, and the Hub models with ONNX weights, which transformers.js runs,
 * ADR 0010), timed on
 * the store as `buildCandidatePool` runs them.
 *
 *   npx tsx bench/candidate-pool.ts [--models 300000] [--runnable-share 0.01] [--repeats 30]
 *       [--store sqlite|postgres] [--postgres-url postgres://postgres@127.0.0.1:5432/test]
 *       [--rebuild]
 *
 * The synthetic catalog is one task's models (`text-classification`, as many as the Hub's
 * largest tasks hold), a `--runnable-share` of them with ONNX weights: half conversions
 * (`library: transformers.js`) with a tenth of the downloads of the others, so the downloads
 * view reaches few of them, and half originals of other libraries tagged `onnx` (generator
 * version 2; version 1 had conversions only). It is cached in the OS temp folder (SQLite) or in a schema of its own
 * (PostgreSQL). Prints p50 and p95 per view and writes bench/results/candidate-pool[-postgres].json.
 */
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CatalogStore, StoreSearchQuery } from "../src/catalog/catalog-store.js";
import { type ModelRecord, toModelRecord } from "../src/catalog/model-record.js";
import { openPostgresStore } from "../src/catalog/postgres/postgres-store.js";
import { openSqliteStore } from "../src/catalog/sqlite/sqlite-store.js";
import { catalogPoolQueries } from "../src/select/candidate-pool.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";
import { parseTaskSpec } from "../src/select/task-spec.js";
import { writeBenchResult } from "./bench-result.js";

const GENERATOR_VERSION = 2;
const BUILT_META_KEY = "bench.pool.built";
const TASK = "text-classification";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "300000" },
    "runnable-share": { type: "string", default: "0.01" },
    repeats: { type: "string", default: "30" },
    store: { type: "string", default: "sqlite" },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    rebuild: { type: "boolean", default: false },
  },
});
if (values.store !== "sqlite" && values.store !== "postgres") {
  throw new Error(`--store must be sqlite or postgres (got ${values.store})`);
}
const modelCount = Number(values.models);
const runnableShare = Number(values["runnable-share"]);
const repeats = Number(values.repeats);
const builtValue = `${modelCount}:${runnableShare}:v${GENERATOR_VERSION}`;

function syntheticModel(index: number, next: () => number): ModelRecord {
  const runnable = next() < runnableShare;
  const conversion = runnable && next() < 0.5;
  // Hub downloads are heavy-tailed; a conversion has a fraction of its original's.
  const downloads = Math.floor(10 ** (next() * 7) * next() * (conversion ? 0.1 : 1));
  return toModelRecord({
    id: `${conversion ? "Xenova" : `org${index % 5000}`}/model-${index}`,
    source: "hub",
    task: TASK,
    library: conversion ? "transformers.js" : next() < 0.8 ? "transformers" : "setfit",
    languages: ["en"],
    params: Math.round(10 ** (6 + next() * 3)),
    downloads,
    score: next() < 0.2 ? Math.round(next() * 1000) / 10 : null,
    tags: runnable ? [TASK, "onnx"] : [TASK],
  });
}

async function fill(store: CatalogStore): Promise<void> {
  const next = seededRandom(7).next;
  const started = performance.now();
  for (let start = 0; start < modelCount; start += 5000) {
    const batch: ModelRecord[] = [];
    for (let index = start; index < Math.min(modelCount, start + 5000); index += 1) {
      batch.push(syntheticModel(index, next));
    }
    await store.upsertModels(batch);
    process.stderr.write(`  built ${start + batch.length} models\r`);
  }
  process.stderr.write(
    `\nBuilt ${modelCount} models in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  await store.setMeta(BUILT_META_KEY, builtValue);
}

async function openCatalog(): Promise<CatalogStore> {
  if (values.store === "postgres") {
    const schema = `ms_bench_pool_${modelCount}_${Math.round(runnableShare * 1000)}_v${GENERATOR_VERSION}`;
    const url = values["postgres-url"];
    if (values.rebuild) {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    const store = await openPostgresStore({ url, schema });
    if ((await store.getMeta(BUILT_META_KEY)) !== builtValue) await fill(store);
    return store;
  }
  const path = join(
    tmpdir(),
    `modelscout-bench-pool-${modelCount}-${runnableShare}-v${GENERATOR_VERSION}.db`,
  );
  if (values.rebuild)
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  const existed = existsSync(path);
  const store = await openSqliteStore({ path });
  if (!existed || (await store.getMeta(BUILT_META_KEY)) !== builtValue) await fill(store);
  return store;
}

function viewName(query: StoreSearchQuery): string {
  if (query.onnx === true) return "ONNX weights, by downloads";
  if (query.source === "npm") return "npm models";
  return query.sort === "score" ? "best scored" : "most downloaded";
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

const store = await openCatalog();
const queries = catalogPoolQueries(parseTaskSpec({ task_type: TASK }), [TASK]);
const timings = new Map<string, number[]>(queries.map((query) => [viewName(query), []]));
const totals: number[] = [];
const found = new Map<string, number>();
// One untimed pass warms the page cache, as a selection after a catalog sync would find it.
for (const query of queries) await store.searchModels(query);
for (let repeat = 0; repeat < repeats; repeat += 1) {
  let total = 0;
  for (const query of queries) {
    const started = performance.now();
    const page = await store.searchModels(query);
    const ms = performance.now() - started;
    total += ms;
    timings.get(viewName(query))?.push(ms);
    found.set(viewName(query), page.hits.length);
  }
  totals.push(total);
}
await store.close();

const rows = [...timings].map(([view, ms]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    view,
    hits: found.get(view) ?? 0,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
  };
});
const sortedTotals = [...totals].sort((a, b) => a - b);
process.stdout.write(
  `${modelCount} ${TASK} models (${(runnableShare * 100).toFixed(1)} % with ONNX weights), ${values.store}, ${repeats} repeats\n`,
);
for (const row of rows) {
  process.stdout.write(
    `${row.view.padEnd(42)} ${String(row.hits).padStart(4)} hits  p50 ${row.p50Ms.toFixed(2)} ms  p95 ${row.p95Ms.toFixed(2)} ms\n`,
  );
}
process.stdout.write(
  `${"whole pool".padEnd(42)}             p50 ${percentile(sortedTotals, 0.5).toFixed(2)} ms  p95 ${percentile(sortedTotals, 0.95).toFixed(2)} ms\n`,
);
writeBenchResult(
  values.store === "postgres" ? "candidate-pool-postgres" : "candidate-pool",
  `npx tsx bench/candidate-pool.ts --models ${modelCount} --runnable-share ${runnableShare} --repeats ${repeats} --store ${values.store}`,
  {
    models: modelCount,
    runnableShare,
    store: values.store,
    repeats,
    views: rows,
    wholePool: { p50Ms: percentile(sortedTotals, 0.5), p95Ms: percentile(sortedTotals, 0.95) },
  },
);
