/**
 * @module
 * The embedded SQLite catalog store, the default: zero set-up, one file under
 * `MODELSCOUT_HOME`. WAL mode and a busy timeout let several CLI processes read and write at
 * once; every write is one transaction, so a killed process leaves the file consistent.
 * Searchable fields live in columns and side tables with indexes; the full record is kept
 * as JSON beside them and is the source of truth when read back.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { effectiveFlopsPerItem } from "../../hardware/estimate-latency.js";
import { recordedWeightBytes } from "../../hardware/memory-fit.js";
import type {
  CatalogStore,
  StoreSearchHit,
  StoreSearchQuery,
  StoreSearchResult,
  UpsertResult,
} from "../catalog-store.js";
import { smallestFlopsPerParam } from "../latency-floor.js";
import { measuredHardwareIds, measuredLatency } from "../measured-latency.js";
import { DTYPES, type ModelRecord, type ModelSource, modelRecordSchema } from "../model-record.js";
import { shipsOnnxWeights } from "../transformers-js-markers.js";
import { LATEST_SCHEMA_VERSION, migrateSqlite } from "./sqlite-migrations.js";
import { DEFAULT_SEARCH_TUNING, type SearchTuning, sqliteSearch } from "./sqlite-search.js";
import { useWalJournal } from "./wal-journal.js";

export interface SqliteStoreOptions {
  /** File path, or `:memory:` for a private in-memory catalog (tests). */
  path: string;
  /** How long a write waits for another process's lock before failing with STORE_LOCKED. */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /** Plan thresholds for searches (tests only; the defaults suit catalogs of any size). */
  searchTuning?: SearchTuning;
}

const SQLITE_PARAMETER_CHUNK = 500;

/** Maps SQLite's errors to ones that say what happened and what to do. */
export function toStoreError(error: unknown, path: string, what = "catalog database"): unknown {
  if (ModelScoutError.isInstance(error)) return error;
  const code = (error as { code?: unknown })?.code;
  const message = errorMessage(error);
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code === "SQLITE_CORRUPT_VTAB") {
    return new ModelScoutError(
      "STORE_CORRUPT",
      `The ${what} ${path} is not a valid SQLite database or is damaged (${message}). Move it aside (mv "${path}" "${path}.broken") and run the command again${what === "catalog database" ? ": the offline catalog is rebuilt automatically, synced models must be synced again" : ""}.`,
      { cause: error, details: { path } },
    );
  }
  if (
    typeof code === "string" &&
    (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
  ) {
    return new ModelScoutError(
      "STORE_LOCKED",
      `The ${what} ${path} is locked by another process (${message}). Wait for the other ModelScout command to finish and try again.`,
      { cause: error, isRetryable: true, details: { path } },
    );
  }
  if (
    typeof code === "string" &&
    (code.startsWith("SQLITE_CANTOPEN") ||
      code.startsWith("SQLITE_READONLY") ||
      code.startsWith("SQLITE_IOERR"))
  ) {
    return new ModelScoutError(
      "STORE_UNAVAILABLE",
      `Cannot open or write the ${what} ${path} (${message}). Check that MODELSCOUT_HOME is a writable directory with free space.`,
      { cause: error, details: { path } },
    );
  }
  return error;
}

interface ModelRow {
  record: string;
}

class SqliteCatalogStore implements CatalogStore {
  readonly kind = "sqlite" as const;
  private readonly database: Database.Database;
  private readonly path: string;
  /** Serialises async transactions on the one connection (see `transaction`). */
  private lock: Promise<void> = Promise.resolve();
  private readonly bypassLock: boolean;

  private readonly tuning: SearchTuning;

  constructor(
    database: Database.Database,
    path: string,
    bypassLock = false,
    tuning: SearchTuning = DEFAULT_SEARCH_TUNING,
  ) {
    this.tuning = tuning;
    this.database = database;
    this.path = path;
    this.bypassLock = bypassLock;
  }

  private async run<T>(work: () => T): Promise<T> {
    if (!this.bypassLock) await this.lock;
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, this.path);
    }
  }

  upsertModels(models: readonly ModelRecord[]): Promise<UpsertResult> {
    return this.run(() => {
      const select = this.database.prepare<[string], { row_id: number; record: string }>(
        "SELECT row_id, record FROM models WHERE id = ?",
      );
      const insert = this.database.prepare(
        `INSERT INTO models (id, source, task, license, library, onnx, params, flops, downloads, likes, score, last_modified, record)
         VALUES (@id, @source, @task, @license, @library, @onnx, @params, @flops, @downloads, @likes, @score, @lastModified, @record)`,
      );
      const update = this.database.prepare(
        `UPDATE models SET source = @source, task = @task, license = @license, library = @library, onnx = @onnx, params = @params, flops = @flops,
           downloads = @downloads, likes = @likes, score = @score, last_modified = @lastModified, record = @record
         WHERE row_id = @rowId`,
      );
      const deleteLanguages = this.database.prepare(
        "DELETE FROM model_languages WHERE model_row_id = ?",
      );
      const insertLanguage = this.database.prepare(
        "INSERT OR IGNORE INTO model_languages (model_row_id, language, task, downloads) VALUES (?, ?, ?, ?)",
      );
      const deleteMeasured = this.database.prepare(
        "DELETE FROM measured_latency WHERE model_row_id = ?",
      );
      const insertMeasured = this.database.prepare(
        // With the model's task, as written just before (migration 8).
        "INSERT INTO measured_latency (model_row_id, hardware, latency_ms, task) VALUES (?, ?, ?, ?)",
      );
      const deleteRecordedMemory = this.database.prepare(
        "DELETE FROM recorded_memory WHERE model_row_id = ?",
      );
      const insertRecordedMemory = this.database.prepare(
        "INSERT INTO recorded_memory (model_row_id, dtype, weight_bytes) VALUES (?, ?, ?)",
      );
      const lowerRatio = this.database.prepare(
        `INSERT INTO task_stats (task, min_flops_per_param) VALUES (?, ?)
         ON CONFLICT (task) DO UPDATE SET min_flops_per_param = MIN(min_flops_per_param, excluded.min_flops_per_param)`,
      );
      const upsertAll = this.database.transaction((batch: readonly ModelRecord[]) => {
        const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
        const minRatios = smallestFlopsPerParam(batch);
        for (const model of batch) {
          const record = JSON.stringify(model);
          const columns = {
            id: model.id,
            source: model.source,
            task: model.task,
            license: model.license,
            library: model.library,
            onnx: shipsOnnxWeights(model) ? 1 : 0,
            params: model.params,
            flops: effectiveFlopsPerItem(model),
            downloads: model.downloads,
            likes: model.likes,
            score: model.score,
            lastModified: model.lastModified,
            record,
          };
          const existing = select.get(model.id);
          let rowId: number;
          if (existing === undefined) {
            rowId = Number(insert.run(columns).lastInsertRowid);
            result.inserted += 1;
          } else if (existing.record === record) {
            result.unchanged += 1;
            continue;
          } else {
            rowId = existing.row_id;
            update.run({ ...columns, rowId });
            deleteLanguages.run(rowId);
            deleteMeasured.run(rowId);
            deleteRecordedMemory.run(rowId);
            result.updated += 1;
          }
          for (const language of model.languages) {
            insertLanguage.run(rowId, language, model.task, model.downloads);
          }
          for (const hardwareId of measuredHardwareIds(model)) {
            const measured = measuredLatency(model, hardwareId);
            if (measured !== null) {
              insertMeasured.run(rowId, hardwareId, measured.latencyMs, model.task);
            }
          }
          for (const dtype of DTYPES) {
            const bytes = recordedWeightBytes(model, dtype);
            if (bytes !== undefined) insertRecordedMemory.run(rowId, dtype, bytes);
          }
        }
        for (const [task, ratio] of minRatios) lowerRatio.run(task, ratio);
        return result;
      });
      return upsertAll.immediate(models);
    });
  }

  getModel(id: string): Promise<ModelRecord | null> {
    return this.run(() => {
      const row = this.database
        .prepare<[string], ModelRow>("SELECT record FROM models WHERE id = ?")
        .get(id);
      return row === undefined ? null : parseRecord(row.record);
    });
  }

  getModels(ids: readonly string[]): Promise<Map<string, ModelRecord>> {
    return this.run(() => {
      const found = new Map<string, ModelRecord>();
      for (let start = 0; start < ids.length; start += SQLITE_PARAMETER_CHUNK) {
        const chunk = ids.slice(start, start + SQLITE_PARAMETER_CHUNK);
        const rows = this.database
          .prepare<string[], { id: string; record: string }>(
            `SELECT id, record FROM models WHERE id IN (${chunk.map(() => "?").join(",")})`,
          )
          .all(...chunk);
        for (const row of rows) found.set(row.id, parseRecord(row.record));
      }
      return found;
    });
  }

  getLastModified(ids: readonly string[]): Promise<Map<string, string | null>> {
    return this.run(() => {
      const found = new Map<string, string | null>();
      for (let start = 0; start < ids.length; start += SQLITE_PARAMETER_CHUNK) {
        const chunk = ids.slice(start, start + SQLITE_PARAMETER_CHUNK);
        const rows = this.database
          .prepare<string[], { id: string; last_modified: string | null }>(
            `SELECT id, last_modified FROM models WHERE id IN (${chunk.map(() => "?").join(",")})`,
          )
          .all(...chunk);
        for (const row of rows) found.set(row.id, row.last_modified);
      }
      return found;
    });
  }

  searchModels(query: StoreSearchQuery): Promise<StoreSearchResult> {
    return this.run(() => {
      const rows = sqliteSearch(this.database, query, this.tuning);
      const hasMore = rows.length > query.limit;
      const hits: StoreSearchHit[] = rows.slice(0, query.limit).map((row) => {
        const hit: StoreSearchHit = { model: parseRecord(row.record) };
        if (query.latency !== undefined) {
          hit.latencyMs = row.effective_latency_ms ?? null;
          hit.latencyKind = row.measured_ms == null ? "estimated" : "measured";
        }
        return hit;
      });
      return { hits, hasMore };
    });
  }

  countModels(filter: { source?: ModelSource } = {}): Promise<number> {
    return this.run(() => {
      const row =
        filter.source === undefined
          ? this.database.prepare<[], { n: number }>("SELECT count(*) AS n FROM models").get()
          : this.database
              .prepare<[string], { n: number }>("SELECT count(*) AS n FROM models WHERE source = ?")
              .get(filter.source);
      return row?.n ?? 0;
    });
  }

  getMeta(key: string): Promise<string | null> {
    return this.run(() => {
      const row = this.database
        .prepare<[string], { value: string }>("SELECT value FROM meta WHERE key = ?")
        .get(key);
      return row?.value ?? null;
    });
  }

  listMeta(prefix: string): Promise<Map<string, string>> {
    return this.run(() => {
      const rows = this.database
        .prepare<[string, string], { key: string; value: string }>(
          "SELECT key, value FROM meta WHERE substr(key, 1, length(?)) = ? ORDER BY key",
        )
        .all(prefix, prefix);
      return new Map(rows.map((row) => [row.key, row.value]));
    });
  }

  setMeta(key: string, value: string | null): Promise<void> {
    return this.run(() => {
      if (value === null) this.database.prepare("DELETE FROM meta WHERE key = ?").run(key);
      else
        this.database
          .prepare(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          )
          .run(key, value);
    });
  }

  /**
   * better-sqlite3's own transactions cannot span an `await`, so an async unit of work opens
   * `BEGIN IMMEDIATE` by hand and holds an in-process lock until it commits or rolls back;
   * other callers of this store wait for it. Nested calls run inside the outer transaction.
   */
  async transaction<T>(work: (store: CatalogStore) => Promise<T>): Promise<T> {
    if (this.bypassLock) return work(this);
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      try {
        this.database.exec("BEGIN IMMEDIATE");
      } catch (error) {
        throw toStoreError(error, this.path);
      }
      try {
        const result = await work(
          new SqliteCatalogStore(this.database, this.path, true, this.tuning),
        );
        this.database.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.database.inTransaction) this.database.exec("ROLLBACK");
        throw toStoreError(error, this.path);
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    await this.lock;
    if (!this.database.open) return;
    // Keeps the planner's statistics current after bulk loads (SQLite's advice for
    // short-lived connections); bounded so it costs milliseconds.
    if (!this.database.readonly && this.database.name !== ":memory:") {
      try {
        this.database.pragma("analysis_limit = 400");
        this.database.pragma("optimize");
      } catch {
        // Statistics are an optimisation; a busy or read-only file must not fail close().
      }
    }
    this.database.close();
  }
}

function parseRecord(json: string): ModelRecord {
  return modelRecordSchema.parse(JSON.parse(json));
}

/** Opens (creating if needed) and migrates a SQLite catalog. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<CatalogStore> {
  const { path } = options;
  let database: Database.Database | undefined;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    database = new Database(path, {
      timeout: options.busyTimeoutMs ?? 5000,
      readonly: options.readonly ?? false,
    });
    const version = database.pragma("user_version", { simple: true }) as number;
    if (version > LATEST_SCHEMA_VERSION) {
      throw new ModelScoutError(
        "STORE_UNAVAILABLE",
        `The catalog database ${path} has schema version ${version}, newer than this ModelScout understands (${LATEST_SCHEMA_VERSION}). Upgrade ModelScout or point MODELSCOUT_HOME elsewhere.`,
        { details: { path, version } },
      );
    }
    if (path !== ":memory:" && !options.readonly) useWalJournal(database);
    database.pragma("foreign_keys = ON");
    database.pragma("synchronous = NORMAL");
    if (!options.readonly) migrateSqlite(database);
    return new SqliteCatalogStore(database, path, false, options.searchTuning);
  } catch (error) {
    database?.close();
    const code = (error as { code?: unknown } | undefined)?.code;
    if (code === "ENOTDIR" || code === "EEXIST" || code === "EACCES" || code === "EROFS") {
      throw new ModelScoutError(
        "STORE_UNAVAILABLE",
        `Cannot create the catalog database at ${path} (${(error as Error).message}). Set MODELSCOUT_HOME to a writable directory.`,
        { cause: error, details: { path } },
      );
    }
    throw toStoreError(error, path);
  }
}
