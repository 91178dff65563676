/**
 * @module
 * Versioned schema migrations for the PostgreSQL catalog store. The version lives in the
 * schema's `schema_version` table; all pending migrations run in one transaction under an
 * advisory lock on the schema's name, so processes starting at once apply each exactly once
 * and a process killed mid-migration leaves the previous version intact.
 */
import type { Client } from "pg";
import { ModelScoutError } from "../../errors/modelscout-error.js";

export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
  /**
   * It rewrites existing rows: the store vacuums and analyses the tables once it has applied
   * it, outside the migration's transaction (VACUUM cannot run in one), so the old row
   * versions are reclaimed and the index-only walks need not visit the table.
   */
  vacuumAfter?: boolean;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "models, languages, measured latency, meta",
    sql: `
      CREATE TABLE models (
        row_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        task TEXT,
        license TEXT,
        params DOUBLE PRECISION,
        flops DOUBLE PRECISION,
        downloads BIGINT NOT NULL DEFAULT 0,
        likes BIGINT NOT NULL DEFAULT 0,
        score DOUBLE PRECISION,
        last_modified TEXT,
        record TEXT NOT NULL
      );
      CREATE INDEX models_task_downloads ON models (task, downloads DESC, row_id);
      CREATE INDEX models_downloads ON models (downloads DESC, row_id);
      CREATE INDEX models_task_params ON models (task, params);
      CREATE INDEX models_license_task ON models (license, task);
      CREATE INDEX models_source ON models (source);

      CREATE TABLE model_languages (
        model_row_id BIGINT NOT NULL REFERENCES models (row_id) ON DELETE CASCADE,
        language TEXT NOT NULL,
        PRIMARY KEY (language, model_row_id)
      );
      CREATE INDEX model_languages_model ON model_languages (model_row_id);

      -- One representative per-item latency per (model, hardware) (catalog/measured-latency.ts).
      CREATE TABLE measured_latency (
        model_row_id BIGINT NOT NULL REFERENCES models (row_id) ON DELETE CASCADE,
        hardware TEXT NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (hardware, model_row_id)
      );
      CREATE INDEX measured_latency_model ON measured_latency (model_row_id);

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "an index per sort order, with and without a task, in the searches' order",
    sql: `
      CREATE INDEX models_task_likes ON models (task, likes DESC, row_id);
      CREATE INDEX models_task_score ON models (task, score DESC NULLS LAST, row_id);
      CREATE INDEX models_task_last_modified ON models (task, last_modified DESC NULLS LAST, row_id);
      CREATE INDEX models_likes ON models (likes DESC, row_id);
      CREATE INDEX models_score ON models (score DESC NULLS LAST, row_id);
      CREATE INDEX models_last_modified ON models (last_modified DESC NULLS LAST, row_id);
      CREATE INDEX models_params ON models (params);
      CREATE INDEX model_languages_model_language ON model_languages (model_row_id, language);
    `,
  },
  {
    version: 3,
    description:
      "what latency and language searches walk: params with the row id, fastest measurements, FLOPs per parameter per task, model columns beside each language",
    vacuumAfter: true,
    sql: `
      -- With the FLOPs, so a walk reads the index only (once VACUUM has marked the pages).
      CREATE INDEX models_task_params_row ON models (task, params, row_id) INCLUDE (flops);
      DROP INDEX models_task_params;
      CREATE INDEX models_params_row ON models (params, row_id) INCLUDE (flops);
      DROP INDEX models_params;
      CREATE INDEX measured_latency_fastest ON measured_latency (hardware, latency_ms, model_row_id);

      -- Each language row carries its model's task, licence, params, FLOPs and downloads
      -- (copied from models on every write), so task + language searches walk one index in
      -- order and read the models' wide rows only for the page they return.
      ALTER TABLE model_languages
        ADD COLUMN task TEXT,
        ADD COLUMN license TEXT,
        ADD COLUMN params DOUBLE PRECISION,
        ADD COLUMN flops DOUBLE PRECISION,
        ADD COLUMN downloads BIGINT NOT NULL DEFAULT 0;
      UPDATE model_languages l SET task = m.task, license = m.license, params = m.params,
          flops = m.flops, downloads = m.downloads
        FROM models m WHERE m.row_id = l.model_row_id;
      CREATE INDEX model_languages_params ON model_languages (language, task, params, model_row_id)
        INCLUDE (flops, license);
      CREATE INDEX model_languages_downloads ON model_languages (language, task, downloads DESC, model_row_id)
        INCLUDE (license, params, flops);

      -- Smallest FLOPs-per-parameter ratio ever stored per task ('' = no task): a lower bound
      -- on every latency estimate of the task (postgres-search.ts). It only ever decreases,
      -- so a stale value is still a valid, looser bound.
      CREATE TABLE task_stats (
        task TEXT PRIMARY KEY,
        min_flops_per_param DOUBLE PRECISION NOT NULL
      );
      INSERT INTO task_stats (task, min_flops_per_param)
        SELECT COALESCE(task, ''), MIN(flops / params) FROM models
        WHERE params > 0 AND flops IS NOT NULL GROUP BY COALESCE(task, '');
    `,
  },
  {
    version: 4,
    description:
      "params and FLOPs in each task's sort indexes, for latency-bounded ranked searches",
    sql: `
      -- A ranked search with a latency bound walks its task's sort index and checks each row's
      -- estimate: with params and FLOPs in the index (and the pages marked all-visible) the
      -- check reads no table row, only the page returned does.
      CREATE INDEX models_task_downloads_fit ON models (task, downloads DESC, row_id) INCLUDE (params, flops);
      DROP INDEX models_task_downloads;
      CREATE INDEX models_task_likes_fit ON models (task, likes DESC, row_id) INCLUDE (params, flops);
      DROP INDEX models_task_likes;
      CREATE INDEX models_task_score_fit ON models (task, score DESC NULLS LAST, row_id) INCLUDE (params, flops);
      DROP INDEX models_task_score;
      CREATE INDEX models_task_last_modified_fit ON models (task, last_modified DESC NULLS LAST, row_id) INCLUDE (params, flops);
      DROP INDEX models_task_last_modified;
    `,
  },
  {
    version: 5,
    description:
      "weight sizes records give beyond their parameter count, so a memory bound judges them (and keeps unknown sizes)",
    sql: `
      -- Only figures that are not params x the dtype's bytes (hardware/memory-fit.ts,
      -- recordedWeightBytes): a lexicon's files, MTEB's measured memory, a local folder's
      -- ONNX files. Other sizes are judged from params, which the walks read from their
      -- indexes; this table is read by its key for the rows they keep.
      CREATE TABLE recorded_memory (
        model_row_id BIGINT NOT NULL REFERENCES models (row_id) ON DELETE CASCADE,
        dtype TEXT NOT NULL,
        weight_bytes DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (model_row_id, dtype)
      );
      INSERT INTO recorded_memory (model_row_id, dtype, weight_bytes)
        SELECT m.row_id, e.key, e.value::float8
        FROM models m, json_each_text(m.record::json -> 'memoryBytes') e
        WHERE strpos(m.record, '"memoryBytes":{"') > 0
          AND (m.params IS NULL OR e.value::float8 <> m.params * CASE e.key
            WHEN 'fp32' THEN 4 WHEN 'fp16' THEN 2 WHEN 'bf16' THEN 2 WHEN 'int8' THEN 1 WHEN 'int4' THEN 0.5 END);
    `,
  },
  {
    version: 6,
    description:
      "each model's library in a column, so selection can ask for the task's models a backend here runs, with an index by task and downloads",
    // Filling the column rewrites every row, and the index-only walks need the pages marked.
    vacuumAfter: true,
    sql: `
      ALTER TABLE models ADD COLUMN library TEXT;
      UPDATE models SET library = record::json ->> 'library'
        WHERE strpos(record, '"library":"') > 0;
      CREATE INDEX models_library_task_downloads ON models (library, task, downloads DESC, row_id);
    `,
  },
  {
    version: 7,
    description:
      "whether each model has ONNX weights for transformers.js in a column (its library or tags say so, and its files, when known, hold some), with a partial index by task and downloads, so selection can ask for a task's models of any library that a backend here runs",
    // Filling the column rewrites the rows it sets; the index-only walks need the pages marked.
    vacuumAfter: true,
    sql: `
      -- transformers-js-markers.ts, shipsOnnxWeights: a marker library or tag, unless the
      -- files are known (onnxFiles recorded, filesUnknown not true) and none is under onnx/.
      ALTER TABLE models ADD COLUMN onnx boolean NOT NULL DEFAULT false;
      UPDATE models SET onnx = true
        WHERE (library IN ('transformers.js', 'onnx')
            OR ((strpos(record, '"onnx"') > 0 OR strpos(record, '"transformers.js"') > 0)
              AND EXISTS (SELECT 1 FROM json_array_elements_text(
                CASE WHEN json_typeof(record::json -> 'tags') = 'array' THEN record::json -> 'tags' END) t
                WHERE t IN ('transformers.js', 'onnx'))))
          AND NOT ((record::json #> '{extra,filesUnknown}')::text IS DISTINCT FROM 'true'
            AND CASE WHEN json_typeof(record::json #> '{extra,onnxFiles}') = 'array'
              THEN json_array_length(record::json #> '{extra,onnxFiles}') = 0 ELSE false END);
      CREATE INDEX models_onnx_task_downloads ON models (task, downloads DESC, row_id) WHERE onnx;
    `,
  },
  {
    version: 8,
    description:
      "each measured latency carries its model's task, with an index by hardware, task and latency, so a latency sort reads its task's measurements in order",
    // The index-only walk needs the pages marked, as after every rewrite.
    vacuumAfter: true,
    sql: `
      -- Copied from models on every write, as model_languages' columns are: a changed model's
      -- measurements are deleted and written again. Without it a latency sort with a task
      -- walked every measurement of the hardware in latency order and read each one's model
      -- row to check its task (200 ms on 1,000,000 models for a task with few measurements,
      -- bench/catalog-search.ts --store postgres --slowest 8).
      ALTER TABLE measured_latency ADD COLUMN task TEXT;
      UPDATE measured_latency ml SET task = m.task FROM models m WHERE m.row_id = ml.model_row_id;
      CREATE INDEX measured_latency_task_fastest ON measured_latency (hardware, task, latency_ms, model_row_id);
    `,
  },
];

export const LATEST_POSTGRES_VERSION = POSTGRES_MIGRATIONS.reduce(
  (latest, migration) => Math.max(latest, migration.version),
  0,
);

/** Applies the pending migrations to `schema` (the connection's search path); returns their versions. */
export async function migratePostgres(client: Client, schema: string): Promise<number[]> {
  await client.query("BEGIN");
  try {
    // Held to the end of the transaction: one process migrates, the others then find it done.
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`modelscout:${schema}`]);
    // The caller checked the name (letters, digits, _), so it is safe to put in the statement.
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    );
    const current = await client.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM schema_version",
    );
    const version = current.rows[0]?.version ?? 0;
    if (version > LATEST_POSTGRES_VERSION) {
      throw new ModelScoutError(
        "STORE_UNAVAILABLE",
        `The PostgreSQL catalog schema "${schema}" has version ${version}, newer than this ModelScout understands (${LATEST_POSTGRES_VERSION}). Upgrade ModelScout or use another schema (MODELSCOUT_CATALOG_SCHEMA).`,
        { details: { schema, version } },
      );
    }
    const applied: number[] = [];
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= version) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_version (version) VALUES ($1)", [migration.version]);
      applied.push(migration.version);
    }
    await client.query("COMMIT");
    return applied;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
