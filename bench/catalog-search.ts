/**
 * Benchmark: filtered catalog search over a synthetic catalog of 1,000,000 models in the
 * SQLite store (or, with `--store postgres`, the PostgreSQL store, ADR 0051), through the same
 * `searchCatalog` core the CLI uses.
 *
 *   npx tsx bench/catalog-search.ts [--models 1000000] [--queries 200] [--rebuild]
 *       [--store sqlite|postgres] [--postgres-url postgres://postgres@127.0.0.1:5432/test]
 *       [--slowest N]
 *
 * With `--store postgres` the catalog is built in the schema `ms_bench_catalog_<models>_v<n>`
 * of that server and kept there between runs (`--rebuild` drops it); results go to
 * bench/results/catalog-search-postgres.json.
 *
 * Target (issue #2): p50 < 20 ms and p99 < 100 ms on a 2-core machine. Prints a table per
 * query shape and writes bench/results/catalog-search.json. `--slowest N` also prints each
 * shape's N slowest queries with their options, to tell what makes a shape's tail. The synthetic catalog is cached
 * in the OS temp folder (keyed by size and generator version) because building it takes a
 * minute; --rebuild forces a new one.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CatalogStore } from "../src/catalog/catalog-store.js";
import { type ModelRecord, toModelRecord } from "../src/catalog/model-record.js";
import { openPostgresStore } from "../src/catalog/postgres/postgres-store.js";
import type { CatalogSearchOptions } from "../src/catalog/search-catalog.js";
import { searchCatalog } from "../src/catalog/search-catalog.js";
import { openSqliteStore } from "../src/catalog/sqlite/sqlite-store.js";
import { seededRandom } from "../src/select/strategies/seeded-random.js";

const GENERATOR_VERSION = 1;
const { values } = parseArgs({
  options: {
    models: { type: "string", default: "1000000" },
    queries: { type: "string", default: "200" },
    rebuild: { type: "boolean", default: false },
    store: { type: "string", default: "sqlite" },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    slowest: { type: "string", default: "0" },
  },
});
if (values.store !== "sqlite" && values.store !== "postgres") {
  throw new Error(`--store must be sqlite or postgres (got ${values.store})`);
}
const onPostgres = values.store === "postgres";
const modelCount = Number(values.models);
const queriesPerShape = Number(values.queries);
const slowestShown = Number(values.slowest);

function pick<T>(next: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = next() * total;
  for (const [value, weight] of weighted) {
    roll -= weight;
    if (roll <= 0) return value;
  }
  const last = weighted[weighted.length - 1];
  if (last === undefined) throw new Error("pick() needs at least one choice");
  return last[0];
}

function oneOf<T>(next: () => number, choices: readonly T[]): T {
  return pick(
    next,
    choices.map((choice) => [choice, 1] as const),
  );
}

// Shares loosely follow the Hub's pipeline-tag and licence distribution.
const TASKS = [
  ["text-generation", 30],
  ["text-classification", 12],
  ["feature-extraction", 5],
  ["sentence-similarity", 5],
  ["token-classification", 5],
  ["image-classification", 8],
  ["automatic-speech-recognition", 4],
  ["text2text-generation", 4],
  ["translation", 3],
  ["summarization", 2],
  ["question-answering", 3],
  ["fill-mask", 4],
  ["object-detection", 3],
  ["text-to-image", 5],
  ["image-to-text", 2],
  ["zero-shot-classification", 1],
  ["audio-classification", 2],
  ["image-segmentation", 2],
] as const;
const LANGUAGES = [
  ["en", 55],
  ["zh", 10],
  ["fr", 4],
  ["de", 4],
  ["es", 4],
  ["ja", 3],
  ["ko", 2],
  ["ru", 3],
  ["ar", 2],
  ["vi", 1],
  ["pt", 2],
  ["it", 2],
] as const;
const LICENSES = [
  ["apache-2.0", 35],
  ["mit", 20],
  ["cc-by-4.0", 8],
  ["cc-by-nc-4.0", 5],
  ["llama3", 4],
  ["openrail", 4],
  ["other", 6],
  [null, 18],
] as const;
const MEASURED_HARDWARE = ["rtx-4090", "cpu-i7-12700h", "t4", "a100-80gb"];

function syntheticModel(index: number, next: () => number): ModelRecord {
  const task = pick(next, TASKS);
  const languageCount = next() < 0.7 ? 1 : next() < 0.8 ? 2 : 5;
  const languages = [
    ...new Set(Array.from({ length: languageCount }, () => pick(next, LANGUAGES))),
  ];
  const params = next() < 0.05 ? null : Math.round(10 ** (6 + next() * 4.9));
  const downloads = Math.floor(10 ** (next() * 7) * next());
  const hardware =
    next() < 0.01 && params !== null
      ? [
          {
            hardware: oneOf(next, MEASURED_HARDWARE),
            kind: "measured" as const,
            latencyMs: (params / 1e8) * (0.5 + next()),
            batchSize: 1,
            source: "synthetic",
          },
        ]
      : [];
  return toModelRecord({
    id: `org${index % 5000}/model-${index}`,
    source: "hub",
    task,
    library: task === "image-classification" ? "timm" : "transformers",
    languages,
    license: pick(next, LICENSES),
    params,
    downloads,
    likes: Math.floor(downloads / (50 + next() * 500)),
    lastModified: new Date(Date.UTC(2022, 0, 1) + Math.floor(next() * 1.5e11)).toISOString(),
    tags: [task, ...languages],
    score: next() < 0.2 ? Math.round(next() * 1000) / 10 : null,
    hardware,
  });
}

const BUILT_META_KEY = "bench.built";

async function buildCatalog(path: string): Promise<void> {
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  await fillCatalog(await openSqliteStore({ path }));
}

async function fillCatalog(store: CatalogStore): Promise<void> {
  const next = seededRandom(42).next;
  const started = performance.now();
  const batchSize = 5000;
  for (let start = 0; start < modelCount; start += batchSize) {
    const batch: ModelRecord[] = [];
    for (let index = start; index < Math.min(modelCount, start + batchSize); index += 1) {
      batch.push(syntheticModel(index, next));
    }
    await store.upsertModels(batch);
    if ((start / batchSize) % 20 === 0)
      process.stderr.write(`  built ${start + batch.length} models\r`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(
    `\nBuilt ${modelCount} models in ${seconds.toFixed(1)} s (${Math.round(modelCount / seconds)} models/s)\n`,
  );
  await store.setMeta(BUILT_META_KEY, String(modelCount));
  await store.close();
}

/** The PostgreSQL catalog of this size, built on first use and kept in its own schema. */
async function openPostgresCatalog(): Promise<CatalogStore> {
  const url = values["postgres-url"];
  const schema = `ms_bench_catalog_${modelCount}_v${GENERATOR_VERSION}`;
  if (values.rebuild) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
  const store = await openPostgresStore({ url, schema });
  if ((await store.getMeta(BUILT_META_KEY)) !== String(modelCount)) {
    await fillCatalog(store);
    return openPostgresStore({ url, schema });
  }
  return store;
}

type Shape = { name: string; make: (next: () => number) => CatalogSearchOptions };
const taskOf = (next: () => number) => pick(next, TASKS);
const languageOf = (next: () => number) => pick(next, LANGUAGES);
const licenseOf = (next: () => number) =>
  pick(
    next,
    LICENSES.filter(([license]) => license !== null),
  ) as string;
const HARDWARE = ["t4", "a100", "rpi5", "cpu-laptop", "rtx-4090", "h100", "jetson-orin-nano"];
const hardwareOf = (next: () => number) => oneOf(next, HARDWARE);

const SHAPES: Shape[] = [
  { name: "task, sort downloads", make: (next) => ({ task: taskOf(next) }) },
  { name: "task + language", make: (next) => ({ task: taskOf(next), language: languageOf(next) }) },
  {
    name: "task + language + licence",
    make: (next) => ({ task: taskOf(next), language: languageOf(next), license: licenseOf(next) }),
  },
  {
    name: "task + hardware fit",
    make: (next) => ({ task: taskOf(next), hardware: hardwareOf(next) }),
  },
  {
    name: "task + hardware + max latency",
    make: (next) => ({
      task: taskOf(next),
      hardware: hardwareOf(next),
      maxLatencyMs: 10 ** (next() * 3),
    }),
  },
  {
    name: "task + language + hardware, sort latency",
    make: (next) => ({
      task: taskOf(next),
      language: languageOf(next),
      hardware: hardwareOf(next),
      sort: "latency",
    }),
  },
  {
    name: "task + max memory, sort score",
    make: (next) => ({ task: taskOf(next), maxMemoryGb: 2 ** (next() * 7), sort: "score" }),
  },
  {
    name: "task + language + licence + hardware + latency + memory",
    make: (next) => ({
      task: taskOf(next),
      language: languageOf(next),
      license: licenseOf(next),
      hardware: hardwareOf(next),
      maxLatencyMs: 10 ** (next() * 3),
      maxMemoryGb: 2 ** (next() * 7),
    }),
  },
  {
    name: "language + licence (no task)",
    make: (next) => ({ language: languageOf(next), license: licenseOf(next) }),
  },
];

function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

let store: CatalogStore;
if (onPostgres) {
  store = await openPostgresCatalog();
} else {
  const path = join(tmpdir(), `modelscout-bench-catalog-${modelCount}-v${GENERATOR_VERSION}.db`);
  if (values.rebuild || !existsSync(path)) await buildCatalog(path);
  // Opened read-write so a catalog cached by an older version gets the current migrations.
  store = await openSqliteStore({ path });
}
const next = seededRandom(7).next;
const rows: {
  shape: string;
  queries: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanHits: number;
}[] = [];
const all: number[] = [];
for (const shape of SHAPES) {
  // Warm the page cache and statement paths the way a long-lived server would be warm.
  for (let warm = 0; warm < 5; warm += 1) await searchCatalog(store, shape.make(next));
  const times: number[] = [];
  const timed: { ms: number; options: CatalogSearchOptions; hits: number }[] = [];
  let hits = 0;
  for (let query = 0; query < queriesPerShape; query += 1) {
    const options = shape.make(next);
    const started = performance.now();
    const result = await searchCatalog(store, options);
    const ms = performance.now() - started;
    times.push(ms);
    hits += result.models.length;
    if (slowestShown > 0) timed.push({ ms, options, hits: result.models.length });
  }
  times.sort((a, b) => a - b);
  if (slowestShown > 0) {
    console.log(`slowest of ${shape.name}:`);
    for (const { ms, options, hits: found } of timed
      .sort((a, b) => b.ms - a.ms)
      .slice(0, slowestShown)) {
      console.log(`  ${ms.toFixed(2).padStart(8)} ms  ${found} hits  ${JSON.stringify(options)}`);
    }
  }
  all.push(...times);
  rows.push({
    shape: shape.name,
    queries: times.length,
    p50Ms: percentile(times, 0.5),
    p99Ms: percentile(times, 0.99),
    maxMs: times[times.length - 1] ?? Number.NaN,
    meanHits: hits / times.length,
  });
}
await store.close();
all.sort((a, b) => a - b);
const overall = { p50Ms: percentile(all, 0.5), p99Ms: percentile(all, 0.99), queries: all.length };

const pad = (text: string, width: number) => text.padEnd(width);
console.log(
  `Catalog search over ${modelCount.toLocaleString("en")} synthetic models (${onPostgres ? "PostgreSQL" : "SQLite"}, limit 20)`,
);
console.log(
  `${pad("query shape", 58)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"max ms".padStart(8)} ${"hits".padStart(5)}`,
);
for (const row of rows) {
  console.log(
    `${pad(row.shape, 58)} ${row.p50Ms.toFixed(2).padStart(8)} ${row.p99Ms.toFixed(2).padStart(8)} ${row.maxMs.toFixed(2).padStart(8)} ${row.meanHits.toFixed(1).padStart(5)}`,
  );
}
console.log(
  `${pad("all queries", 58)} ${overall.p50Ms.toFixed(2).padStart(8)} ${overall.p99Ms.toFixed(2).padStart(8)}`,
);
const target = overall.p50Ms < 20 && overall.p99Ms < 100;
console.log(`target p50 < 20 ms and p99 < 100 ms: ${target ? "met" : "NOT met"}`);
writeFileSync(
  new URL(`./results/catalog-search${onPostgres ? "-postgres" : ""}.json`, import.meta.url),
  `${JSON.stringify({ benchmark: "catalog-search", store: values.store, models: modelCount, node: process.version, date: new Date().toISOString(), overall, shapes: rows, targetMet: target }, null, 2)}\n`,
);
