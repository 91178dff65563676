/**
 * Benchmark: `syncCatalog` from a local fake Hub into a temp-file SQLite store, or with
 * `--store postgres` into a new schema of the machine's PostgreSQL (ADR 0051), dropped after.
 *
 *   npx tsx bench/hub-sync.ts [--models 20000] [--runs 3] [--page-sizes 1000,100]
 *       [--store sqlite|postgres] [--postgres-url postgres://postgres@127.0.0.1:5432/test]
 *
 * The fake Hub (test/support/fake-hub-server.ts) runs in a child process so its JSON
 * serving does not share the event loop with the client being measured. Each run starts
 * from an empty store (a first, full sync); the best run per page size is reported, plus
 * the time of an incremental re-sync that finds the catalog up to date. Prints a table and
 * writes bench/results/hub-sync.json (hub-sync-postgres.json with `--store postgres`).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { CatalogStore } from "../src/catalog/catalog-store.js";
import { openPostgresStore } from "../src/catalog/postgres/postgres-store.js";
import { openSqliteStore } from "../src/catalog/sqlite/sqlite-store.js";
import { syncCatalog } from "../src/catalog/sync-catalog.js";
import { generateHubModels, startFakeHubServer } from "../test/support/fake-hub-server.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "20000" },
    runs: { type: "string", default: "3" },
    "page-sizes": { type: "string", default: "1000,100" },
    store: { type: "string", default: "sqlite" },
    "postgres-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    serve: { type: "string" },
  },
});

const onPostgres = values.store === "postgres";
if (!onPostgres && values.store !== "sqlite") {
  throw new Error(`--store must be sqlite or postgres (got ${values.store})`);
}
const schemas: string[] = [];

if (values.serve !== undefined) {
  // Child mode: serve the models until the parent closes our stdin.
  const hub = await startFakeHubServer({ models: generateHubModels(Number(values.serve)) });
  process.stdout.write(`${hub.url}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void hub.close().then(() => process.exit(0)));
} else {
  await runBenchmark();
}

async function startHubProcess(models: number) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--serve", String(models)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake hub exited with ${code}`)));
  });
  return { url, stop: () => child.stdin.end() };
}

interface RunResult {
  pageSize: number;
  durationMs: number;
  modelsPerSecond: number;
  pages: number;
}

async function runBenchmark(): Promise<void> {
  const modelCount = Number(values.models);
  const runs = Number(values.runs);
  const pageSizes = (values["page-sizes"] ?? "1000").split(",").map(Number);
  const hub = await startHubProcess(modelCount);
  const directory = mkdtempSync(join(tmpdir(), "modelscout-bench-sync-"));
  /** An empty store for one run: a SQLite file, or a PostgreSQL schema of its own. */
  const openStore = async (name: string): Promise<CatalogStore> => {
    if (!onPostgres) return openSqliteStore({ path: join(directory, `catalog-${name}.db`) });
    const schema = `ms_bench_sync_${process.pid}_${name}`;
    schemas.push(schema);
    return openPostgresStore({ url: values["postgres-url"] as string, schema });
  };
  const results: { pageSize: number; best: RunResult; all: RunResult[]; incrementalMs: number }[] =
    [];
  try {
    for (const pageSize of pageSizes) {
      const all: RunResult[] = [];
      let incrementalMs = Number.NaN;
      for (let run = 0; run < runs; run += 1) {
        const store = await openStore(`${pageSize}_${run}`);
        const started = performance.now();
        const summary = await syncCatalog({ store, endpoint: hub.url, pageSize });
        const durationMs = performance.now() - started;
        if (summary.fetched !== modelCount || (await store.countModels()) !== modelCount) {
          throw new Error(`run stored ${summary.fetched} models, expected ${modelCount}`);
        }
        all.push({
          pageSize,
          durationMs: Math.round(durationMs),
          modelsPerSecond: Math.round(modelCount / (durationMs / 1000)),
          pages: summary.pages,
        });
        const incrementalStarted = performance.now();
        const again = await syncCatalog({ store, endpoint: hub.url, pageSize });
        if (!again.stoppedEarly) throw new Error("the re-sync did not stop early");
        incrementalMs = Math.round(performance.now() - incrementalStarted);
        await store.close();
      }
      const best = all.reduce((left, right) =>
        right.modelsPerSecond > left.modelsPerSecond ? right : left,
      );
      results.push({ pageSize, best, all, incrementalMs });
    }
  } finally {
    hub.stop();
    rmSync(directory, { recursive: true, force: true });
    if (schemas.length > 0) {
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: values["postgres-url"] });
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  }

  console.log(
    `hub sync into ${onPostgres ? "PostgreSQL" : "SQLite"}: ${modelCount.toLocaleString("en-US")} models, best of ${runs} runs`,
  );
  console.log("page size | pages | time (ms) | models/s | up-to-date re-sync (ms)");
  for (const result of results) {
    console.log(
      `${String(result.pageSize).padStart(9)} | ${String(result.best.pages).padStart(5)} | ${String(result.best.durationMs).padStart(9)} | ${String(result.best.modelsPerSecond).padStart(8)} | ${String(result.incrementalMs).padStart(7)}`,
    );
  }
  writeFileSync(
    new URL(`./results/hub-sync${onPostgres ? "-postgres" : ""}.json`, import.meta.url),
    `${JSON.stringify(
      {
        benchmark: "hub-sync",
        command: `npx tsx bench/hub-sync.ts${onPostgres ? " --store postgres" : ""}`,
        store: onPostgres ? "postgres" : "sqlite",
        models: modelCount,
        runs,
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        measuredAt: new Date().toISOString(),
        results,
      },
      null,
      2,
    )}\n`,
  );
}
