/**
 * Benchmark: loading the bundled offline snapshot into a new PostgreSQL catalog (ADR 0051),
 * as the first `modelscout` command with `MODELSCOUT_CATALOG_URL` does, against the same load
 * into an in-memory SQLite catalog; and what the two ways of passing a batch's records to
 * PostgreSQL cost in JavaScript: node-postgres's own `text[]` encoding (`prepareValue`, which
 * escapes each element) against one `JSON.stringify` of the batch's rows (what the store does,
 * read by `json_to_recordset`; timed here with each row's position and record, the bulk of
 * it, without the few searchable columns the store adds).
 *
 *   npx tsx bench/postgres-catalog-load.ts [--runs 3] [--postgres-url postgres://postgres@127.0.0.1:5432/test]
 *
 * Each run loads into a schema of its own, dropped afterwards. Prints a table and writes
 * bench/results/postgres-catalog-load.json.
 */
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import pg from "pg";
import { openPostgresStore } from "../src/catalog/postgres/postgres-store.js";
import { ensureSnapshotLoaded, readSnapshot } from "../src/catalog/snapshot/load-snapshot.js";
import { openSqliteStore } from "../src/catalog/sqlite/sqlite-store.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
  },
});
const runs = Number(values.runs);
const url = values["postgres-url"];

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

const loads: { store: string; run: number; seconds: number; models: number }[] = [];
for (let run = 1; run <= runs; run += 1) {
  const sqlite = await openSqliteStore({ path: ":memory:" });
  let started = performance.now();
  await ensureSnapshotLoaded(sqlite);
  loads.push({
    store: "sqlite (memory)",
    run,
    seconds: (performance.now() - started) / 1000,
    models: await sqlite.countModels(),
  });
  await sqlite.close();

  const schema = `ms_bench_load_${process.pid}_${run}`;
  await dropSchema(schema);
  const postgres = await openPostgresStore({ url, schema });
  started = performance.now();
  await ensureSnapshotLoaded(postgres);
  loads.push({
    store: "postgres",
    run,
    seconds: (performance.now() - started) / 1000,
    models: await postgres.countModels(),
  });
  await postgres.close();
  await dropSchema(schema);
}

// One snapshot batch (500 records), encoded both ways.
const require = createRequire(import.meta.url);
const { prepareValue } = require("pg/lib/utils.js") as {
  prepareValue: (value: unknown) => unknown;
};
const first = (await readSnapshot()[Symbol.asyncIterator]().next()).value as { id: string }[];
const records = first.map((model) => JSON.stringify(model));
const time = (work: () => unknown) => {
  const times: number[] = [];
  for (let repeat = 0; repeat < 5; repeat += 1) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2] as number;
};
const encodings = {
  batchRecords: records.length,
  batchBytes: records.reduce((sum, record) => sum + Buffer.byteLength(record), 0),
  textArrayMs: time(() => prepareValue(records)),
  jsonRowsMs: time(() => JSON.stringify(records.map((record, position) => ({ position, record })))),
};

console.log("store             run  seconds  models");
for (const load of loads) {
  console.log(
    `${load.store.padEnd(17)} ${String(load.run).padStart(3)} ${load.seconds.toFixed(2).padStart(8)} ${String(load.models).padStart(7)}`,
  );
}
console.log(
  `one batch of ${encodings.batchRecords} records (${(encodings.batchBytes / 1e6).toFixed(1)} MB), median of 5: node-postgres text[] ${encodings.textArrayMs.toFixed(1)} ms, JSON.stringify ${encodings.jsonRowsMs.toFixed(1)} ms`,
);
writeFileSync(
  new URL("./results/postgres-catalog-load.json", import.meta.url),
  `${JSON.stringify({ benchmark: "postgres-catalog-load", node: process.version, date: new Date().toISOString(), command: `npx tsx bench/postgres-catalog-load.ts --runs ${runs}`, loads, encodings }, null, 2)}\n`,
);
