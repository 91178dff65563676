/**
 * The PostgreSQL catalog store (ADR 0051) against the machine's real PostgreSQL server: the
 * shared store contract, each run in a schema of its own that is dropped afterwards, and what
 * is PostgreSQL's own: migrating once when processes start together, and errors that say
 * what to do. `MODELSCOUT_TEST_POSTGRES_URL` names the server (default: the local one).
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import type { ModelRecord } from "../../src/catalog/model-record.js";
import {
  LATEST_POSTGRES_VERSION,
  POSTGRES_MIGRATIONS,
} from "../../src/catalog/postgres/postgres-migrations.js";
import { rankedStatement } from "../../src/catalog/postgres/postgres-search.js";
import { openPostgresStore } from "../../src/catalog/postgres/postgres-store.js";
import { memoryBound } from "../../src/hardware/memory-fit.js";
import { makeModel } from "../support/make-model.js";
import { FITTING_1GB_FP32, RECORDED_SIZES, SIZED_MODELS } from "../support/sized-models.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";
import { runCatalogStoreContract } from "./catalog-store.contract.js";
import {
  expectMeasurementsByTask,
  MEASURED_BY_TASK_MODELS,
  TEST_GPU_LATENCY,
} from "./measured-by-task-cases.js";
import { expectOnnxViewAsTheRuleSays, ONNX_WEIGHT_CASES } from "./onnx-weight-cases.js";

const newSchema = newTestSchema;

/**
 * A new schema as version `version` left it: its migrations applied and recorded. The caller
 * writes rows as that version did, then closes `client`.
 */
async function schemaAtVersion(version: number): Promise<{ schema: string; client: pg.Client }> {
  const schema = newSchema();
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  await client.query(
    "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
  );
  for (const migration of POSTGRES_MIGRATIONS.filter((each) => each.version <= version)) {
    await client.query(migration.sql);
    await client.query("INSERT INTO schema_version (version) VALUES ($1)", [migration.version]);
  }
  return { schema, client };
}

/** A model's row as versions 2-7 wrote its searched columns; returns its row id. */
async function insertModelRow(client: pg.Client, model: ModelRecord): Promise<string> {
  const { rows } = await client.query<{ row_id: string }>(
    "INSERT INTO models (id, source, task, params, flops, record) VALUES ($1, $2, $3, $4, $5, $6) RETURNING row_id",
    [model.id, model.source, model.task, model.params, model.flopsPerItem, JSON.stringify(model)],
  );
  return (rows[0] as { row_id: string }).row_id;
}

afterAll(dropTestSchemas);

runCatalogStoreContract("postgres", () =>
  openPostgresStore({ url: TEST_POSTGRES_URL, schema: newSchema() }),
);

describe("PostgreSQL catalog store", () => {
  it("migrates a schema once when processes open it together, and reopens it as it was", async () => {
    const schema = newSchema();
    const stores: CatalogStore[] = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore({ url: TEST_POSTGRES_URL, schema })),
    );
    await stores[0]?.upsertModels([makeModel({ id: "org/kept" })]);
    for (const store of stores) await store.close();
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    const versions = await client.query<{ version: number }>(
      `SELECT version FROM ${schema}.schema_version ORDER BY version`,
    );
    await client.end();
    expect(versions.rows.map((row) => row.version)).toEqual(
      Array.from({ length: LATEST_POSTGRES_VERSION }, (_, index) => index + 1),
    );
    const reopened = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    expect(await reopened.getModel("org/kept")).not.toBeNull();
    expect(reopened.kind).toBe("postgres");
    await reopened.close();
  });

  it("upgrades a version 2 schema with models in it: latency searches find them", async () => {
    const { schema, client } = await schemaAtVersion(2);
    // Rows as version 2 wrote them: 300 slow models and one with far fewer FLOPs per parameter.
    const models = [
      ...Array.from({ length: 300 }, (_, index) =>
        makeModel({
          id: `slow/${index}`,
          task: "text-classification",
          params: (index + 1) * 1e6,
          flopsPerItem: (index + 1) * 1e11,
        }),
      ),
      makeModel({ id: "old/fast", task: "text-classification", params: 5e8, flopsPerItem: 5e8 }),
    ];
    for (const model of models) await insertModelRow(client, model);
    await client.end();

    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    const latency = TEST_GPU_LATENCY;
    const fastest = await store.searchModels({
      tasks: ["text-classification"],
      latency,
      sort: "latency",
      limit: 2,
    });
    expect(fastest.hits.map((hit) => [hit.model.id, hit.latencyMs])).toEqual([
      ["old/fast", expect.closeTo(11, 9)],
      ["slow/0", expect.closeTo(101, 9)],
    ]);
    await store.close();
    const check = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await check.connect();
    // The bound the walks use was derived from the rows already there.
    const stats = await check.query(`SELECT task, min_flops_per_param FROM ${schema}.task_stats`);
    // The rows migration 3 rewrote were vacuumed once it was applied.
    const vacuumed = await check.query<{ relname: string; vacuumed: boolean }>(
      `SELECT relname, last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables
       WHERE schemaname = $1 AND relname IN ('models', 'model_languages') ORDER BY relname`,
      [schema],
    );
    await check.end();
    expect(stats.rows).toEqual([{ task: "text-classification", min_flops_per_param: 1 }]);
    expect(vacuumed.rows).toEqual([
      { relname: "model_languages", vacuumed: true },
      { relname: "models", vacuumed: true },
    ]);
  });

  it("upgrades a version 5 schema with models in it: a library search finds them", async () => {
    const { schema, client } = await schemaAtVersion(5);
    for (const model of [
      makeModel({ id: "Xenova/vit", task: "image-classification", library: "transformers.js" }),
      makeModel({ id: "timm/vit", task: "image-classification", library: "timm", downloads: 9 }),
      makeModel({ id: "no/library", task: "image-classification", library: null }),
    ]) {
      await client.query(
        "INSERT INTO models (id, source, task, downloads, record) VALUES ($1, $2, $3, $4, $5)",
        [model.id, model.source, model.task, model.downloads, JSON.stringify(model)],
      );
    }
    await client.end();
    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    const found = await store.searchModels({
      tasks: ["image-classification"],
      libraries: ["transformers.js", "onnx"],
      sort: "downloads",
      limit: 10,
    });
    await store.close();
    expect(found.hits.map((hit) => hit.model.id)).toEqual(["Xenova/vit"]);
    // Filling the column rewrote every row: the upgrade vacuumed the table.
    const check = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await check.connect();
    const vacuumed = await check.query<{ vacuumed: boolean }>(
      `SELECT last_vacuum IS NOT NULL AS vacuumed FROM pg_stat_user_tables
       WHERE schemaname = $1 AND relname = 'models'`,
      [schema],
    );
    await check.end();
    expect(vacuumed.rows).toEqual([{ vacuumed: true }]);
  });

  it("upgrades a version 6 schema with models in it: the ONNX view finds those shipsOnnxWeights names", async () => {
    const { schema, client } = await schemaAtVersion(6);
    for (const model of ONNX_WEIGHT_CASES) {
      await client.query(
        "INSERT INTO models (id, source, task, library, downloads, record) VALUES ($1, $2, $3, $4, $5, $6)",
        [model.id, model.source, model.task, model.library, model.downloads, JSON.stringify(model)],
      );
    }
    await client.end();
    await expectOnnxViewAsTheRuleSays(await openPostgresStore({ url: TEST_POSTGRES_URL, schema }));
  });

  it("upgrades a version 7 schema with measurements in it: searches by task read them", async () => {
    const { schema, client } = await schemaAtVersion(7);
    for (const model of MEASURED_BY_TASK_MODELS) {
      const rowId = await insertModelRow(client, model);
      const measured = model.hardware[0];
      if (measured?.latencyMs !== undefined) {
        // As version 7 wrote a measurement: no task beside it.
        await client.query(
          "INSERT INTO measured_latency (model_row_id, hardware, latency_ms) VALUES ($1, $2, $3)",
          [rowId, measured.hardware, measured.latencyMs],
        );
      }
    }
    await client.end();
    await expectMeasurementsByTask(await openPostgresStore({ url: TEST_POSTGRES_URL, schema }));
  });

  it("upgrades a version 4 schema with models in it: their recorded weight sizes count under a memory bound", async () => {
    const { schema, client } = await schemaAtVersion(4);
    for (const model of SIZED_MODELS) {
      await client.query(
        "INSERT INTO models (id, source, task, params, downloads, record) VALUES ($1, $2, $3, $4, $5, $6)",
        [model.id, model.source, model.task, model.params, model.downloads, JSON.stringify(model)],
      );
    }
    await client.end();

    const store = await openPostgresStore({ url: TEST_POSTGRES_URL, schema });
    const result = await store.searchModels({
      memory: memoryBound(1e9, "fp32"),
      sort: "downloads",
      limit: 10,
    });
    await store.close();
    expect(result.hits.map((hit) => hit.model.id)).toEqual(FITTING_1GB_FP32);
    const check = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await check.connect();
    const recorded = await check.query(
      `SELECT m.id, r.dtype, r.weight_bytes FROM ${schema}.recorded_memory r
       JOIN ${schema}.models m ON m.row_id = r.model_row_id ORDER BY m.id COLLATE "C", r.dtype`,
    );
    await check.end();
    expect(recorded.rows).toEqual(RECORDED_SIZES);
  });

  it("gathers the planner's statistics when it closes after a bulk load, not after a few writes", async () => {
    const lastAnalyze = async (schema: string) => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      const result = await client.query<{ analyzed: boolean }>(
        `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables
         WHERE schemaname = $1 AND relname = 'models'`,
        [schema],
      );
      await client.end();
      return result.rows[0]?.analyzed;
    };
    const few = newSchema();
    const small = await openPostgresStore({ url: TEST_POSTGRES_URL, schema: few });
    await small.upsertModels([makeModel({ id: "org/one" })]);
    await small.close();
    expect(await lastAnalyze(few)).toBe(false);

    const bulk = newSchema();
    const large = await openPostgresStore({ url: TEST_POSTGRES_URL, schema: bulk });
    await large.transaction(async (tx) => {
      await tx.upsertModels(
        Array.from({ length: 1000 }, (_, index) => makeModel({ id: `bulk/${index}` })),
      );
    });
    await large.close();
    expect(await lastAnalyze(bulk)).toBe(true);
  });

  it("reconnects after the server drops its connection, and says so while it cannot", async () => {
    // A database of its own, so that refusing its connections touches no other test.
    const database = `ms_reconnect_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${database}`;
    const drop = async () => {
      const result = await admin.query<{ done: boolean }>(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
        [database, "modelscout catalog catalog"],
      );
      // The client learns of it asynchronously, as it would of a server restart.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return result.rows.map((row) => row.done);
    };
    try {
      const store = await openPostgresStore({ url: url.toString(), schema: "catalog" });
      await store.upsertModels([makeModel({ id: "org/a" })]);
      expect(await drop()).toEqual([true]);
      // Still here (an unhandled 'error' event would have ended the test process), and the
      // next call runs on a new connection.
      expect((await store.getModel("org/a"))?.id).toBe("org/a");

      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      expect(await drop()).toEqual([true]);
      await expect(store.getModel("org/a")).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
        isRetryable: true,
        message: expect.stringContaining("Lost the connection to the PostgreSQL catalog"),
      });
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      expect(
        (await store.searchModels({ sort: "downloads", limit: 5 })).hits.map((hit) => hit.model.id),
      ).toEqual(["org/a"]);
      await store.close();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });

  it("says what to do when the server cannot be reached, without the password", async () => {
    await expect(
      openPostgresStore({ url: "postgres://user:s3cret@127.0.0.1:1/catalog", schema: "x" }),
    ).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      message: expect.stringMatching(
        /^Cannot use the PostgreSQL catalog at postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/catalog .*MODELSCOUT_CATALOG_URL/,
      ),
    });
    await expect(
      openPostgresStore({ url: TEST_POSTGRES_URL, schema: "Robert'); DROP TABLE" }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("passes every value as a parameter, never in the statement", () => {
    const { sql, parameters } = rankedStatement({
      tasks: ["text-classification'; --"],
      language: "zh",
      license: "mit",
      sort: "downloads",
      limit: 5,
    });
    expect(sql).not.toContain("text-classification");
    expect(sql).not.toContain("mit");
    expect(parameters).toEqual(["text-classification'; --", "zh", "mit", 6, 0]);
  });
});
