/**
 * @module
 * Versioned schema migrations for the SQLite catalog store. The schema version lives in
 * `PRAGMA user_version`; each migration runs inside one `BEGIN IMMEDIATE` transaction with
 * the version bump, so concurrent CLI processes starting at once apply it exactly once, and
 * a process killed mid-migration leaves the previous version intact.
 */
import type Database from "better-sqlite3";

export interface SqliteMigration {
  version: number;
  description: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: "models, languages, measured latency, meta",
    sql: `
      CREATE TABLE models (
        row_id INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        task TEXT,
        license TEXT,
        params REAL,
        flops REAL,
        downloads INTEGER NOT NULL DEFAULT 0,
        likes INTEGER NOT NULL DEFAULT 0,
        score REAL,
        last_modified TEXT,
        record TEXT NOT NULL
      );
      CREATE INDEX models_task_downloads ON models (task, downloads DESC);
      CREATE INDEX models_task_likes ON models (task, likes DESC);
      CREATE INDEX models_task_score ON models (task, score DESC);
      CREATE INDEX models_task_params ON models (task, params);
      CREATE INDEX models_task_last_modified ON models (task, last_modified DESC);
      CREATE INDEX models_downloads ON models (downloads DESC);
      CREATE INDEX models_source ON models (source);

      CREATE TABLE model_languages (
        model_row_id INTEGER NOT NULL REFERENCES models (row_id) ON DELETE CASCADE,
        language TEXT NOT NULL,
        PRIMARY KEY (language, model_row_id)
      ) WITHOUT ROWID;
      CREATE INDEX model_languages_model ON model_languages (model_row_id);

      -- One representative per-item latency per (model, hardware), derived from the
      -- model's measured hardware annotations so searches can filter and sort on it.
      CREATE TABLE measured_latency (
        model_row_id INTEGER NOT NULL REFERENCES models (row_id) ON DELETE CASCADE,
        hardware TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        PRIMARY KEY (hardware, model_row_id)
      ) WITHOUT ROWID;
      CREATE INDEX measured_latency_model ON measured_latency (model_row_id);

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: "indexes for latency-ordered and task-less ranked searches",
    sql: `
      CREATE INDEX measured_latency_fastest ON measured_latency (hardware, latency_ms);
      CREATE INDEX models_params ON models (params);
      CREATE INDEX models_score ON models (score DESC);
      CREATE INDEX models_likes ON models (likes DESC);
      CREATE INDEX models_last_modified ON models (last_modified DESC);

      -- Smallest FLOPs-per-parameter ratio ever stored per task ('' = no task): a lower
      -- bound that lets a latency-ordered walk stop early. It only ever decreases, so a
      -- stale value is still a valid (looser) bound.
      CREATE TABLE task_stats (
        task TEXT PRIMARY KEY,
        min_flops_per_param REAL NOT NULL
      );
      INSERT INTO task_stats (task, min_flops_per_param)
        SELECT COALESCE(task, ''), MIN(flops / params) FROM models
        WHERE params > 0 AND flops IS NOT NULL GROUP BY COALESCE(task, '');
    `,
  },
  {
    version: 3,
    description: "licence index for searches whose licence filter is the selective one",
    sql: "CREATE INDEX models_license_task ON models (license, task);",
  },
  {
    version: 4,
    description:
      "task and downloads beside each language, so task + language searches walk one index in downloads order",
    sql: `
      ALTER TABLE model_languages ADD COLUMN task TEXT;
      ALTER TABLE model_languages ADD COLUMN downloads INTEGER NOT NULL DEFAULT 0;
      UPDATE model_languages SET
        task = (SELECT m.task FROM models m WHERE m.row_id = model_languages.model_row_id),
        downloads = (SELECT m.downloads FROM models m WHERE m.row_id = model_languages.model_row_id);
      CREATE INDEX model_languages_ranked ON model_languages (language, task, downloads DESC, model_row_id);
    `,
  },
  {
    version: 5,
    description:
      "weight sizes records give beyond their parameter count, so a memory bound judges them (and keeps unknown sizes)",
    sql: `
      -- Only figures that are not params x the dtype's bytes (hardware/memory-fit.ts,
      -- recordedWeightBytes): a lexicon's files, MTEB's measured memory, a local folder's
      -- ONNX files. Other sizes are judged from models.params.
      CREATE TABLE recorded_memory (
        model_row_id INTEGER NOT NULL REFERENCES models (row_id) ON DELETE CASCADE,
        dtype TEXT NOT NULL,
        weight_bytes REAL NOT NULL,
        PRIMARY KEY (model_row_id, dtype)
      ) WITHOUT ROWID;
      INSERT INTO recorded_memory (model_row_id, dtype, weight_bytes)
        SELECT m.row_id, e.key, e.value FROM models m, json_each(m.record, '$.memoryBytes') e
        WHERE instr(m.record, '"memoryBytes":{"') > 0
          AND (m.params IS NULL OR e.value <> m.params * CASE e.key
            WHEN 'fp32' THEN 4 WHEN 'fp16' THEN 2 WHEN 'bf16' THEN 2 WHEN 'int8' THEN 1 WHEN 'int4' THEN 0.5 END);
    `,
  },
  {
    version: 6,
    description:
      "each model's library in a column, so selection can ask for the task's models a backend here runs; source and library indexes by task, which drive a search for a few of a task's many models",
    sql: `
      ALTER TABLE models ADD COLUMN library TEXT;
      UPDATE models SET library = json_extract(record, '$.library')
        WHERE json_extract(record, '$.library') IS NOT NULL;
      -- (source, task) serves what (source) did, and a task's few models of one source.
      DROP INDEX models_source;
      CREATE INDEX models_source_task ON models (source, task);
      CREATE INDEX models_library_task ON models (library, task);
    `,
  },
  {
    version: 7,
    description:
      "whether each model has ONNX weights for transformers.js in a column (its library or tags say so, and its files, when known, hold some), so selection can ask for a task's models of any library that a backend here runs",
    sql: `
      -- transformers-js-markers.ts, shipsOnnxWeights: a marker library or tag, unless the
      -- files are known (onnxFiles recorded, not filesUnknown) and none is under onnx/.
      ALTER TABLE models ADD COLUMN onnx INTEGER NOT NULL DEFAULT 0;
      UPDATE models SET onnx = 1
        WHERE (library IN ('transformers.js', 'onnx')
            OR ((instr(record, '"onnx"') > 0 OR instr(record, '"transformers.js"') > 0) AND EXISTS (
              SELECT 1 FROM json_each(record, '$.tags') WHERE value IN ('transformers.js', 'onnx'))))
          AND NOT (json_type(record, '$.extra.filesUnknown') IS NOT 'true'
            AND json_type(record, '$.extra.onnxFiles') IS 'array'
            AND json_array_length(record, '$.extra.onnxFiles') = 0);
      -- Partial: the few models with ONNX weights only, so a write of any other costs nothing.
      CREATE INDEX models_onnx_task ON models (task) WHERE onnx = 1;
    `,
  },
  {
    version: 8,
    description:
      "each measured latency carries its model's task, with an index by hardware, task and latency, so a search by task reads its task's measurements in order",
    sql: `
      -- Copied from models on every write (a changed model's measurements are deleted and
      -- written again), as model_languages' task is. Without it a search by task walked every
      -- measurement of the hardware in latency order and read each one's model row (ADR 0092).
      ALTER TABLE measured_latency ADD COLUMN task TEXT;
      UPDATE measured_latency
        SET task = (SELECT m.task FROM models m WHERE m.row_id = measured_latency.model_row_id);
      CREATE INDEX measured_latency_task_fastest ON measured_latency (hardware, task, latency_ms);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = SQLITE_MIGRATIONS.reduce(
  (latest, migration) => Math.max(latest, migration.version),
  0,
);

/** Applies pending migrations; returns the versions applied. */
export function migrateSqlite(database: Database.Database): number[] {
  const applied: number[] = [];
  for (const migration of SQLITE_MIGRATIONS) {
    const run = database.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const current = database.pragma("user_version", { simple: true }) as number;
      if (current >= migration.version) return false;
      database.exec(migration.sql);
      database.pragma(`user_version = ${migration.version}`);
      return true;
    });
    if (run.immediate()) applied.push(migration.version);
  }
  return applied;
}
