/**
 * Benchmark: how long the first open after an upgrade takes, when a catalog's schema
 * migrations run on a large catalog (each fills a column from every stored record, and
 * PostgreSQL then vacuums the table).
 *
 *   npx tsx bench/catalog-upgrade.ts --sqlite <catalog.db>
 *   npx tsx bench/catalog-upgrade.ts --postgres-schema <schema>
 *       [--postgres-url postgres://postgres@127.0.0.1:5432/test]
 *
 * An older catalog comes from the commit before a migration: e.g. `bench/candidate-pool.ts
 * --models 300000` run in a worktree of that commit builds one (in the OS temp folder, or in a
 * schema `ms_bench_pool_...` with `--store postgres`). A SQLite file is copied first and the
 * copy opened, so the run can be repeated (`--runs N`, 3 by default); a PostgreSQL schema
 * is upgraded in place, once. Prints the schema versions before and after and the seconds
 * the open took, and writes bench/results/catalog-upgrade[-postgres].json.
 */
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import type { CatalogStore } from "../src/catalog/catalog-store.js";
import { openPostgresStore } from "../src/catalog/postgres/postgres-store.js";
import { openSqliteStore } from "../src/catalog/sqlite/sqlite-store.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    sqlite: { type: "string" },
    "postgres-schema": { type: "string" },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    runs: { type: "string", default: "3" },
  },
});

async function timedOpen(
  open: () => Promise<CatalogStore>,
): Promise<{ seconds: number; models: number }> {
  const started = performance.now();
  const store = await open();
  const seconds = (performance.now() - started) / 1000;
  const models = await store.countModels();
  await store.close();
  return { seconds, models };
}

if (values.sqlite !== undefined) {
  const source = values.sqlite;
  if (!existsSync(source)) throw new Error(`No catalog file at ${source}`);
  const probe = new Database(source, { readonly: true });
  const from = probe.pragma("user_version", { simple: true }) as number;
  probe.close();
  const copy = join(tmpdir(), `modelscout-bench-upgrade-${process.pid}.db`);
  const runs: number[] = [];
  let models = 0;
  let to = from;
  for (let run = 0; run < Number(values.runs); run += 1) {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${copy}${suffix}`, { force: true });
    copyFileSync(source, copy);
    const result = await timedOpen(() => openSqliteStore({ path: copy }));
    runs.push(result.seconds);
    models = result.models;
    const check = new Database(copy, { readonly: true });
    to = check.pragma("user_version", { simple: true }) as number;
    check.close();
    process.stdout.write(
      `sqlite, ${models} models, version ${from} -> ${to}: opened in ${result.seconds.toFixed(2)} s\n`,
    );
  }
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${copy}${suffix}`, { force: true });
  writeBenchResult(
    "catalog-upgrade",
    `npx tsx bench/catalog-upgrade.ts --sqlite <a version ${from} catalog of ${models} models> --runs ${runs.length}`,
    { store: "sqlite", models, fromVersion: from, toVersion: to, seconds: runs },
  );
} else if (values["postgres-schema"] !== undefined) {
  const schema = values["postgres-schema"];
  const url = values["postgres-url"];
  const { default: pg } = await import("pg");
  const version = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await client.query<{ version: number }>(
        `SELECT max(version) AS version FROM ${schema}.schema_version`,
      );
      return result.rows[0]?.version ?? 0;
    } finally {
      await client.end();
    }
  };
  const from = await version();
  const result = await timedOpen(() => openPostgresStore({ url, schema }));
  const to = await version();
  process.stdout.write(
    `postgres, ${result.models} models, version ${from} -> ${to}: opened in ${result.seconds.toFixed(2)} s\n`,
  );
  writeBenchResult(
    "catalog-upgrade-postgres",
    `npx tsx bench/catalog-upgrade.ts --postgres-schema <a version ${from} schema of ${result.models} models>`,
    {
      store: "postgres",
      models: result.models,
      fromVersion: from,
      toVersion: to,
      seconds: [result.seconds],
    },
  );
} else {
  throw new Error("Name a catalog to upgrade: --sqlite <file> or --postgres-schema <schema>");
}
