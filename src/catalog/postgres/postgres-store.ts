/**
 * @module
 * The PostgreSQL catalog store, for deployments that outgrow one machine: several servers
 * and CLI runs share one catalog (`MODELSCOUT_CATALOG_URL=postgres://...`, ADR 0051). Same
 * contract as the SQLite store (`test/catalog/catalog-store.contract.ts`), same layout:
 * searchable fields in columns and side tables with indexes, the whole record as JSON text
 * beside them, which is what is read back.
 *
 * One connection per store (replaced when the server drops it), used by one operation at a
 * time (`run`), so a transaction (`transaction`) holds it and other callers of the store wait,
 * as with SQLite. Every write is
 * one transaction; a batch that fails part-way leaves nothing behind. Migrations run under an
 * advisory lock, so processes starting at once apply each exactly once. Searches are in
 * `postgres-search.ts`.
 */
import type { Client } from "pg";
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
import { migratePostgres, POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
import { postgresSearch } from "./postgres-search.js";
import { DEFAULT_POSTGRES_SCHEMA, shownUrl } from "./postgres-url.js";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (libpq's URL form). */
  url: string;
  /** The schema the catalog's tables live in, created if needed. Default `modelscout`. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Models written by one store before its `close()` vacuums and analyses the tables. */
const VACUUM_AFTER_MODELS = 1000;
const VACUUM_TABLES = "VACUUM (ANALYZE) models, model_languages, measured_latency, recorded_memory";

/** Maps the driver's errors to ones that say what happened and what to do. */
function toStoreError(error: unknown, url: string): unknown {
  if (ModelScoutError.isInstance(error)) return error;
  const code = (error as { code?: unknown })?.code;
  const message = errorMessage(error);
  if (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "ETIMEDOUT" ||
    code === "EAI_AGAIN" ||
    code === "28P01" || // invalid password
    code === "28000" || // invalid authorization
    code === "3D000" // no such database
  ) {
    return new ModelScoutError(
      "STORE_UNAVAILABLE",
      `Cannot use the PostgreSQL catalog at ${shownUrl(url)} (${message}). Check MODELSCOUT_CATALOG_URL, that the server runs and that the database exists, or unset it to use the SQLite catalog under MODELSCOUT_HOME.`,
      { cause: error, isRetryable: code === "ECONNREFUSED" || code === "ETIMEDOUT" },
    );
  }
  if (code === "40P01" || code === "55P03" || code === "40001") {
    return new ModelScoutError(
      "STORE_LOCKED",
      `The PostgreSQL catalog at ${shownUrl(url)} is busy with another writer (${message}). Try again.`,
      { cause: error, isRetryable: true },
    );
  }
  return error;
}

/**
 * The store's connection. One the server drops (a restart, a failover, an administrator) is
 * replaced on the next call rather than failing every call after it: a long-running server
 * (the dashboard's catalog searches) must outlive its database's restarts. A call that was
 * running when the connection went fails with the driver's reason; nothing is retried, since
 * a write's fate is unknown.
 */
class Connection {
  #client: Client;
  #lost = false;
  readonly #reconnect: (() => Promise<Client>) | null;

  /** `reconnect` null: a transaction's hold on its store's connection, watched by that store's. */
  constructor(client: Client, reconnect: (() => Promise<Client>) | null) {
    this.#reconnect = reconnect;
    this.#client = reconnect === null ? client : this.#watch(client);
  }

  #watch(client: Client): Client {
    const lost = () => {
      if (this.#client === client) this.#lost = true;
    };
    // Also keeps an 'error' event, which with no listener would end the process, from doing so.
    client.on("error", lost);
    client.on("end", lost);
    return client;
  }

  /** The last connection, whatever its state (to end it, or for a transaction that holds it). */
  get client(): Client {
    return this.#client;
  }

  /** A live connection: the last one, or a new one when the server dropped it. */
  async live(url: string): Promise<Client> {
    if (!this.#lost || this.#reconnect === null) return this.#client;
    let fresh: Client;
    try {
      fresh = await this.#reconnect();
    } catch (error) {
      throw new ModelScoutError(
        "STORE_UNAVAILABLE",
        `Lost the connection to the PostgreSQL catalog at ${shownUrl(url)} and could not reconnect (${errorMessage(error)}). It is tried again on the next call.`,
        { cause: error, isRetryable: true },
      );
    }
    this.#lost = false;
    this.#client = this.#watch(fresh);
    return fresh;
  }
}

class PostgresCatalogStore implements CatalogStore {
  readonly kind = "postgres" as const;
  readonly #connection: Connection;
  readonly #url: string;
  /** Held by the operation or transaction using the connection. */
  #lock: Promise<void> = Promise.resolve();
  /** True for the store a transaction hands its work: it already holds the connection. */
  readonly #inTransaction: boolean;
  /** Models inserted or changed through this connection (its transactions' stores share it). */
  readonly #written: { models: number };

  constructor(
    connection: Connection,
    url: string,
    inTransaction = false,
    written: { models: number } = { models: 0 },
  ) {
    this.#connection = connection;
    this.#url = url;
    this.#inTransaction = inTransaction;
    this.#written = written;
  }

  /** Runs `work` once the connection is free (at once inside a transaction). */
  async #run<T>(work: (client: Client) => Promise<T>): Promise<T> {
    if (this.#inTransaction) {
      try {
        return await work(this.#connection.client);
      } catch (error) {
        throw toStoreError(error, this.#url);
      }
    }
    const previous = this.#lock;
    let release = () => {};
    this.#lock = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work(await this.#connection.live(this.#url));
    } catch (error) {
      throw toStoreError(error, this.#url);
    } finally {
      release();
    }
  }

  /** `work` in a transaction of its own, or in the caller's (as a savepoint). */
  async #atomically<T>(client: Client, work: () => Promise<T>): Promise<T> {
    const [begin, commit, rollback] = this.#inTransaction
      ? ["SAVEPOINT write", "RELEASE SAVEPOINT write", "ROLLBACK TO SAVEPOINT write"]
      : ["BEGIN", "COMMIT", "ROLLBACK"];
    await client.query(begin);
    try {
      const result = await work();
      await client.query(commit);
      return result;
    } catch (error) {
      await client.query(rollback).catch(() => {});
      throw error;
    }
  }

  upsertModels(models: readonly ModelRecord[]): Promise<UpsertResult> {
    return this.#run((client) =>
      this.#atomically(client, async () => {
        const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
        // A few statements per run of distinct ids, whatever its size (a Hub page, the
        // snapshot); an id met again starts a new run, so it is written in order, as one by
        // one it would be.
        let run: ModelRecord[] = [];
        const ids = new Set<string>();
        for (const model of models) {
          if (ids.has(model.id)) {
            await upsertRun(client, run, result);
            run = [];
            ids.clear();
          }
          run.push(model);
          ids.add(model.id);
        }
        await upsertRun(client, run, result);
        this.#written.models += result.inserted + result.updated;
        return result;
      }),
    );
  }

  getModel(id: string): Promise<ModelRecord | null> {
    return this.#run(async (client) => {
      const result = await client.query<{ record: string }>(
        "SELECT record FROM models WHERE id = $1",
        [id],
      );
      const row = result.rows[0];
      return row === undefined ? null : parseRecord(row.record);
    });
  }

  getModels(ids: readonly string[]): Promise<Map<string, ModelRecord>> {
    return this.#run(async (client) => {
      const result = await client.query<{ id: string; record: string }>(
        "SELECT id, record FROM models WHERE id = ANY($1::text[])",
        [ids],
      );
      return new Map(result.rows.map((row) => [row.id, parseRecord(row.record)]));
    });
  }

  getLastModified(ids: readonly string[]): Promise<Map<string, string | null>> {
    return this.#run(async (client) => {
      const result = await client.query<{ id: string; last_modified: string | null }>(
        "SELECT id, last_modified FROM models WHERE id = ANY($1::text[])",
        [ids],
      );
      return new Map(result.rows.map((row) => [row.id, row.last_modified]));
    });
  }

  searchModels(query: StoreSearchQuery): Promise<StoreSearchResult> {
    return this.#run(async (client) => {
      const rows = await postgresSearch(client, query, { snapshot: !this.#inTransaction });
      const hasMore = rows.length > query.limit;
      const hits: StoreSearchHit[] = rows.slice(0, query.limit).map((row) => {
        const hit: StoreSearchHit = { model: parseRecord(row.record) };
        if (query.latency !== undefined) {
          hit.latencyMs = row.effective_latency_ms ?? null;
          hit.latencyKind = row.measured_ms === null ? "estimated" : "measured";
        }
        return hit;
      });
      return { hits, hasMore };
    });
  }

  countModels(filter: { source?: ModelSource } = {}): Promise<number> {
    return this.#run(async (client) => {
      const result =
        filter.source === undefined
          ? await client.query<{ n: string }>("SELECT count(*) AS n FROM models")
          : await client.query<{ n: string }>(
              "SELECT count(*) AS n FROM models WHERE source = $1",
              [filter.source],
            );
      return Number(result.rows[0]?.n ?? 0);
    });
  }

  getMeta(key: string): Promise<string | null> {
    return this.#run(async (client) => {
      const result = await client.query<{ value: string }>(
        "SELECT value FROM meta WHERE key = $1",
        [key],
      );
      return result.rows[0]?.value ?? null;
    });
  }

  listMeta(prefix: string): Promise<Map<string, string>> {
    return this.#run(async (client) => {
      const result = await client.query<{ key: string; value: string }>(
        'SELECT key, value FROM meta WHERE starts_with(key, $1) ORDER BY key COLLATE "C"',
        [prefix],
      );
      return new Map(result.rows.map((row) => [row.key, row.value]));
    });
  }

  setMeta(key: string, value: string | null): Promise<void> {
    return this.#run(async (client) => {
      if (value === null) await client.query("DELETE FROM meta WHERE key = $1", [key]);
      else
        await client.query(
          "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
          [key, value],
        );
    });
  }

  /** Holds the connection for `work`: other callers of this store wait until it commits. */
  transaction<T>(work: (store: CatalogStore) => Promise<T>): Promise<T> {
    if (this.#inTransaction) return work(this);
    return this.#run((client) =>
      this.#atomically(client, () =>
        work(
          new PostgresCatalogStore(new Connection(client, null), this.#url, true, this.#written),
        ),
      ),
    );
  }

  /**
   * After a bulk load (the snapshot, a sync: `VACUUM_AFTER_MODELS` models or more written),
   * vacuums and analyses the tables first. The statistics let the planner choose; without
   * them it plans every search blind. The vacuum marks the pages all-visible, which lets the
   * latency walks read their covering index alone (postgres-search.ts). Autovacuum would do
   * both, but may be off or minutes away: it was off on this project's machine, where a
   * million-model catalog went unanalysed. Then disconnects.
   */
  async close(): Promise<void> {
    await this.#lock;
    if (this.#written.models >= VACUUM_AFTER_MODELS) {
      try {
        await this.#connection.client.query(VACUUM_TABLES);
      } catch {
        // An optimisation; a failure must not fail close().
      }
    }
    await this.#connection.client.end().catch(() => {});
  }
}

/** Lowers `task_stats` to the smallest FLOPs-per-parameter ratio among `models` where that is lower. */
async function lowerTaskRatios(client: Client, models: readonly ModelRecord[]): Promise<void> {
  const ratios = smallestFlopsPerParam(models);
  if (ratios.size === 0) return;
  // In the tasks' order, so concurrent writers lock the rows in one order.
  const tasks = [...ratios.keys()].sort();
  await client.query(
    `INSERT INTO task_stats (task, min_flops_per_param)
     SELECT * FROM unnest($1::text[], $2::float8[]) ORDER BY 1
     ON CONFLICT (task) DO UPDATE SET min_flops_per_param = excluded.min_flops_per_param
     WHERE excluded.min_flops_per_param < task_stats.min_flops_per_param`,
    [tasks, tasks.map((task) => ratios.get(task))],
  );
}

/** Upserts models with distinct ids: one read, then one statement per table and kind of change. */
async function upsertRun(
  client: Client,
  models: readonly ModelRecord[],
  result: UpsertResult,
): Promise<void> {
  if (models.length === 0) return;
  const records = models.map((model) => JSON.stringify(model));
  const existing = await client.query<{ id: string; row_id: string; record: string }>(
    "SELECT id, row_id, record FROM models WHERE id = ANY($1::text[])",
    [models.map((model) => model.id)],
  );
  const stored = new Map(existing.rows.map((row) => [row.id, row]));
  const fresh: number[] = [];
  const changed: number[] = [];
  models.forEach((model, index) => {
    const found = stored.get(model.id);
    if (found === undefined) fresh.push(index);
    else if (found.record === records[index]) result.unchanged += 1;
    else changed.push(index);
  });
  /**
   * The rows of the models at `indexes` as one JSON text, which PostgreSQL reads with
   * `json_to_recordset`: node-postgres writes a `text[]` parameter by escaping every element
   * in JavaScript, which took 194 ms for a snapshot batch of 500 records (2.7 MB) against 5 ms
   * for `JSON.stringify` (`bench/postgres-catalog-load.ts`, 2026-12-02).
   */
  const rowsJson = (indexes: readonly number[]) =>
    JSON.stringify(
      indexes.map((index, position) => {
        const model = models[index] as ModelRecord;
        return {
          position,
          id: model.id,
          source: model.source,
          task: model.task,
          license: model.license,
          library: model.library,
          onnx: shipsOnnxWeights(model),
          params: model.params,
          flops: effectiveFlopsPerItem(model),
          downloads: model.downloads,
          likes: model.likes,
          score: model.score,
          last_modified: model.lastModified,
          record: records[index],
        };
      }),
    );
  const ROWS = `json_to_recordset($1::json) AS u (position integer, id text, source text, task text,
      license text, library text, onnx boolean, params float8, flops float8, downloads bigint, likes bigint, score float8,
      last_modified text, record text)`;
  const rowIds = new Map<string, string>();
  if (fresh.length > 0) {
    // In the models' order, so row ids (the tie-break of every sort) follow it.
    const inserted = await client.query<{ id: string; row_id: string }>(
      `INSERT INTO models (id, source, task, license, library, onnx, params, flops, downloads, likes, score, last_modified, record)
       SELECT id, source, task, license, library, onnx, params, flops, downloads, likes, score, last_modified, record
       FROM ${ROWS} ORDER BY position
       RETURNING id, row_id`,
      [rowsJson(fresh)],
    );
    for (const row of inserted.rows) rowIds.set(row.id, row.row_id);
    result.inserted += fresh.length;
  }
  if (changed.length > 0) {
    await client.query(
      `UPDATE models m SET source = u.source, task = u.task, license = u.license, library = u.library, onnx = u.onnx, params = u.params,
         flops = u.flops, downloads = u.downloads, likes = u.likes, score = u.score,
         last_modified = u.last_modified, record = u.record
       FROM ${ROWS} WHERE m.id = u.id`,
      [rowsJson(changed)],
    );
    const changedRows = changed.map((index) => {
      const rowId = (stored.get((models[index] as ModelRecord).id) as { row_id: string }).row_id;
      rowIds.set((models[index] as ModelRecord).id, rowId);
      return rowId;
    });
    await client.query("DELETE FROM model_languages WHERE model_row_id = ANY($1::bigint[])", [
      changedRows,
    ]);
    await client.query("DELETE FROM measured_latency WHERE model_row_id = ANY($1::bigint[])", [
      changedRows,
    ]);
    await client.query("DELETE FROM recorded_memory WHERE model_row_id = ANY($1::bigint[])", [
      changedRows,
    ]);
    result.updated += changed.length;
  }
  await lowerTaskRatios(
    client,
    [...fresh, ...changed].map((index) => models[index] as ModelRecord),
  );
  const languageRows: string[] = [];
  const languages: string[] = [];
  const latencyRows: string[] = [];
  const hardware: string[] = [];
  const latencies: number[] = [];
  const memoryRows: string[] = [];
  const memoryDtypes: string[] = [];
  const memoryBytes: number[] = [];
  for (const index of [...fresh, ...changed]) {
    const model = models[index] as ModelRecord;
    const rowId = rowIds.get(model.id) as string;
    for (const language of model.languages) {
      languageRows.push(rowId);
      languages.push(language);
    }
    for (const hardwareId of measuredHardwareIds(model)) {
      const measured = measuredLatency(model, hardwareId);
      if (measured === null) continue;
      latencyRows.push(rowId);
      hardware.push(hardwareId);
      latencies.push(measured.latencyMs);
    }
    for (const dtype of DTYPES) {
      const bytes = recordedWeightBytes(model, dtype);
      if (bytes === undefined) continue;
      memoryRows.push(rowId);
      memoryDtypes.push(dtype);
      memoryBytes.push(bytes);
    }
  }
  if (languages.length > 0) {
    await client.query(
      // With the columns the language walks read, copied from the rows just written.
      `INSERT INTO model_languages (model_row_id, language, task, license, params, flops, downloads)
       SELECT u.row_id, u.language, m.task, m.license, m.params, m.flops, m.downloads
       FROM unnest($1::bigint[], $2::text[]) AS u (row_id, language)
       JOIN models m ON m.row_id = u.row_id
       ON CONFLICT DO NOTHING`,
      [languageRows, languages],
    );
  }
  if (hardware.length > 0) {
    await client.query(
      // With the model's task, copied from the row just written (migration 8).
      `INSERT INTO measured_latency (model_row_id, hardware, latency_ms, task)
       SELECT u.row_id, u.hardware, u.latency_ms, m.task
       FROM unnest($1::bigint[], $2::text[], $3::float8[]) AS u (row_id, hardware, latency_ms)
       JOIN models m ON m.row_id = u.row_id`,
      [latencyRows, hardware, latencies],
    );
  }
  if (memoryRows.length > 0) {
    await client.query(
      `INSERT INTO recorded_memory (model_row_id, dtype, weight_bytes)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::float8[])`,
      [memoryRows, memoryDtypes, memoryBytes],
    );
  }
}

function parseRecord(json: string): ModelRecord {
  return modelRecordSchema.parse(JSON.parse(json));
}

/** Connects, creates the schema if needed and migrates it. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<CatalogStore> {
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The catalog's PostgreSQL schema must be a lower-case name of letters, digits and _ (got "${schema}").`,
    );
  }
  const { default: pg } = await import("pg");
  const connect = async (): Promise<Client> => {
    // Numbers come back as numbers: float8 already does; the counts are read as text.
    // Named, so that `pg_stat_activity` says whose connection it is.
    const client = new pg.Client({
      connectionString: options.url,
      application_name: `modelscout catalog ${schema}`,
    });
    // Until the store watches it: an 'error' event with no listener would end the process.
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query(`SET search_path TO ${schema}`);
      // Searches are top-k reads of a few hundred rows at most: starting parallel workers
      // cost more than they saved (bench/catalog-search.ts --store postgres, 2026-12-02: p99
      // 37.0 ms with them, 31.6 ms without; the widest search shape 96.9 against 36.3 ms).
      await client.query("SET max_parallel_workers_per_gather = 0");
      return client;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  };
  try {
    const client = await connect();
    try {
      const applied = await migratePostgres(client, schema);
      // Only an upgrade has rows to rewrite: a new schema (version 1 just applied) is empty.
      const rewrote =
        !applied.includes(1) &&
        POSTGRES_MIGRATIONS.some(
          (migration) => migration.vacuumAfter === true && applied.includes(migration.version),
        );
      // An optimisation, like close()'s: a failure must not fail the open.
      if (rewrote) await client.query(VACUUM_TABLES).catch(() => {});
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return new PostgresCatalogStore(new Connection(client, connect), options.url);
  } catch (error) {
    throw toStoreError(error, options.url);
  }
}
