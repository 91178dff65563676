/**
 * @module
 * Searches for the PostgreSQL catalog store (ADR 0051), shaped so that a top-k query over a
 * million models reads an index in order and stops, as the SQLite store's do
 * (`sqlite/sqlite-search.ts`; bench/catalog-search.ts --store postgres). Every value is a
 * parameter, never part of a statement.
 * - Ranked sorts (downloads, likes, score, lastModified) are one statement with a branch per
 *   task, each ordered and limited in its own subquery so the planner walks that task's sort
 *   index; with a language and the downloads sort the branch walks `model_languages`, which
 *   carries each model's task, licence, params, FLOPs and downloads beside its language.
 *   Branches read ids and sort keys, from the index alone where it covers the filters; the
 *   records are read for the page.
 * - A latency estimate cannot be indexed (the coefficients depend on the device and are
 *   parameters). Every estimate is at least `overheadMs + params * p`, where `p` is a lower
 *   bound on milliseconds per parameter from the smallest FLOPs-per-parameter ratio stored for
 *   the task (`task_stats`, which only ever decreases). So a latency bound implies a bound on
 *   `params` for estimated rows, which a `(task, params)` index serves, while measured rows
 *   come from their own `(hardware, latency)` index in a branch of their own, and models of
 *   unknown size (unknown latency, which passes a bound) in a third.
 * - A latency sort takes measured rows in order from that index (`(hardware, task, latency)`
 *   with a task: each measurement carries its model's task) and walks estimated ones in increasing
 *   `params` (over `model_languages` when a language is named), a page at a time, until no
 *   larger model can beat the k-th best. The walk reads a covering index, not the models'
 *   wide rows; the records of the page returned are read at the end. Models whose latency is
 *   unknown come last, bound or not.
 * - A memory bound is a filter on `params` (in the walked indexes) unless `recorded_memory`
 *   holds the model's weight size at the dtype, read by key for the rows the walk keeps; a
 *   model whose size is unknown passes. It bounds no walk: a recorded size or an unknown one
 *   passes whatever `params` says.
 * The statements of one search read one snapshot (REPEATABLE READ), so a writer committing
 * between them cannot make the bound and the rows disagree. Inside a caller's transaction
 * they read what that transaction's isolation gives.
 */
import type { Client } from "pg";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  type CatalogSort,
  type LatencyCoefficients,
  type StoreSearchQuery,
  withDistinctTasks,
} from "../catalog-store.js";
import { msPerParamFloor } from "../latency-floor.js";

/** A row of a search's answer, in order. */
export interface PostgresSearchRow {
  record: string;
  measured_ms: number | null;
  effective_latency_ms: number | null;
}

/**
 * The column of each ranked sort and its direction: descending with missing values last, then
 * the row id (insertion order).
 */
const SORT: Record<Exclude<CatalogSort, "latency">, { column: string; direction: string }> = {
  downloads: { column: "downloads", direction: "DESC" },
  likes: { column: "likes", direction: "DESC" },
  score: { column: "score", direction: "DESC NULLS LAST" },
  lastModified: { column: "last_modified", direction: "DESC NULLS LAST" },
};

/** Fewest estimated rows a latency walk's first page reads per task; each next page is twice as large. */
const FIRST_WALK_PAGE = 64;
const MAX_WALK_PAGE = 8192;

/** A statement's positional parameters; `add` returns the placeholder to put in its place. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The placeholders of a query's filters, added once per statement and used by every branch. */
interface Filters {
  language: string | null;
  license: string | null;
  source: string | null;
  /** The placeholders of `libraries`, null without them. */
  libraries: string[] | null;
  /** `query.onnx`: a boolean is no placeholder, so that the partial index's predicate matches. */
  onnx: boolean | null;
  memory: { dtype: string; maxBytes: string; overheadFactor: string; maxParams: string } | null;
}

function addFilters(query: StoreSearchQuery, parameters: Parameters): Filters {
  const add = (value: unknown) => (value === undefined ? null : parameters.add(value));
  const memory = query.memory;
  return {
    language: add(query.language),
    license: add(query.license),
    source: add(query.source),
    libraries: query.libraries?.map((library) => parameters.add(library)) ?? null,
    onnx: query.onnx ?? null,
    memory:
      memory === undefined
        ? null
        : {
            dtype: parameters.add(memory.dtype),
            maxBytes: `${parameters.add(memory.maxBytes)}::float8`,
            overheadFactor: `${parameters.add(memory.overheadFactor)}::float8`,
            maxParams: `${parameters.add(memory.maxParams)}::float8`,
          },
  };
}

/**
 * Where a branch or a walk reads its rows. `models m` alone, or, when the query names a
 * language and a task, `model_languages l`, which carries the task, licence, params, FLOPs
 * and downloads of each model beside its language (migration 3), so that the index on
 * (language, task, ...) yields only the rows of both, in order. `m` is then joined for what
 * `l` lacks (LEFT, so that PostgreSQL drops the join when nothing reads `m`).
 */
interface Source {
  from: string;
  /** The alias whose task, license, params, flops and downloads columns the statement reads. */
  alias: "m" | "l";
  rowId: string;
  /** Selects the task (and language, or library) on the driving table. */
  scope: string[];
  /** The task's placeholder, when the source is one task's: its measurements can be read by it. */
  task: string | null;
  /** True when `scope` selects one of the query's libraries (the filter is then not repeated). */
  libraryScoped?: boolean;
}

/**
 * `source` narrowed to one library: a branch of its own per library asked for, walking the
 * `(library, task, downloads)` index in order and stopping at the page. A filter on the task's
 * sort index instead misleads the planner: it expects a library's rows spread evenly along the
 * downloads, while ONNX conversions sit far down it (bench/candidate-pool.ts).
 */
function libraryScoped(source: Source, library: string): Source {
  return { ...source, scope: [...source.scope, `m.library = ${library}`], libraryScoped: true };
}

function modelsSource(task: string | null): Source {
  return {
    from: "models m",
    alias: "m",
    rowId: "m.row_id",
    scope: task === null ? [] : [`m.task = ${task}`],
    task,
  };
}

function languageSource(language: string, task: string): Source {
  return {
    from: "model_languages l LEFT JOIN models m ON m.row_id = l.model_row_id",
    alias: "l",
    rowId: "l.model_row_id",
    scope: [`l.language = ${language}`, `l.task = ${task}`],
    task,
  };
}

/** The query's filters read from `source` (its scope excluded: callers place it). */
function filterClauses(filters: Filters, source: Source): string[] {
  const where: string[] = [];
  if (filters.language !== null && source.alias === "m") {
    where.push(
      `EXISTS (SELECT 1 FROM model_languages fl WHERE fl.model_row_id = m.row_id AND fl.language = ${filters.language})`,
    );
  }
  if (filters.license !== null) where.push(`${source.alias}.license = ${filters.license}`);
  if (filters.source !== null) where.push(`m.source = ${filters.source}`);
  if (filters.libraries !== null && source.libraryScoped !== true) {
    where.push(
      filters.libraries.length === 0 ? "FALSE" : `m.library IN (${filters.libraries.join(", ")})`,
    );
  }
  // As the literal predicate of the partial (task, downloads) index `WHERE onnx`.
  if (filters.onnx !== null) where.push(filters.onnx ? "m.onnx" : "NOT m.onnx");
  const memory = filters.memory;
  if (memory !== null) {
    // `memoryFit`'s verdict: the recorded size where there is one (read by key, so the walk
    // itself still reads its index alone), else the parameter count; an unknown size passes.
    where.push(`COALESCE(
      (SELECT r.weight_bytes * ${memory.overheadFactor} <= ${memory.maxBytes} FROM recorded_memory r
        WHERE r.model_row_id = ${source.rowId} AND r.dtype = ${memory.dtype}),
      ${source.alias}.params <= ${memory.maxParams}, TRUE)`);
  }
  return where;
}

/** The placeholders of the latency coefficients, added once per statement. */
interface LatencyTerms {
  hardware: string;
  /**
   * `estimateLatencyMs` (hardware/estimate-latency.ts) term by term over the task, params
   * and flops columns of `alias`; NULL without params or FLOPs.
   */
  estimate(alias: "m" | "l"): string;
}

function latencyTerms(latency: LatencyCoefficients, parameters: Parameters): LatencyTerms {
  const overhead = `${parameters.add(latency.overheadMs)}::float8`;
  const perFlop = `${parameters.add(latency.msPerFlop)}::float8`;
  const perParam = `${parameters.add(latency.msPerParam)}::float8`;
  const decode = `${parameters.add(latency.decodeTokens)}::float8`;
  const generative = `${parameters.add(latency.generativeTasks)}::text[]`;
  return {
    hardware: parameters.add(latency.hardwareId),
    estimate: (t) => `CASE
        WHEN ${t}.params IS NULL OR ${t}.flops IS NULL THEN NULL
        WHEN ${t}.task = ANY(${generative}) THEN ${overhead} + ${t}.flops * ${perFlop} + ${decode} * ${t}.params * ${perParam}
        ELSE ${overhead} + GREATEST(${t}.flops * ${perFlop}, ${t}.params * ${perParam}) END`,
  };
}

const noMeasurement = (hardware: string, rowId: string) =>
  `NOT EXISTS (SELECT 1 FROM measured_latency x WHERE x.hardware = ${hardware} AND x.model_row_id = ${rowId})`;

/**
 * Milliseconds per parameter that every estimate for a model of one of `tasks` (undefined:
 * any task) is at least, above the overhead; 0 when nothing is known.
 */
function msPerParamLowerBound(
  latency: LatencyCoefficients,
  tasks: readonly string[] | undefined,
  minFlopsPerParam: ReadonlyMap<string, number>,
): number {
  const lowest = (ratio: number, generative: boolean) =>
    msPerParamFloor(latency, ratio, generative);
  if (tasks === undefined) {
    // Any task, generative ones and models without a task included.
    const smallest = Math.min(...minFlopsPerParam.values());
    const ratio = Number.isFinite(smallest) ? Math.max(0, smallest) : 0;
    return Math.max(0, Math.min(lowest(ratio, false), lowest(ratio, true)));
  }
  let bound = Infinity;
  for (const task of tasks) {
    const ratio = Math.max(0, minFlopsPerParam.get(task) ?? 0);
    bound = Math.min(bound, lowest(ratio, latency.generativeTasks.includes(task)));
  }
  return bound === Infinity ? 0 : Math.max(0, bound);
}

/**
 * The largest `params` an estimated row can have and still be at most `maxLatencyMs`, given
 * `perParam` (`msPerParamLowerBound`); null when nothing bounds it. A hair above the exact
 * quotient, so rounding never drops a row the estimate itself would keep.
 */
function paramsBound(
  latency: LatencyCoefficients,
  maxLatencyMs: number,
  perParam: number,
): number | null {
  if (perParam <= 0) return null;
  return (Math.max(0, maxLatencyMs - latency.overheadMs) / perParam) * (1 + 1e-9);
}

/** The smallest FLOPs-per-parameter ratio stored per task ('' for models without a task). */
async function readTaskStats(client: Client): Promise<Map<string, number>> {
  const result = await client.query<{ task: string; min_flops_per_param: number }>(
    "SELECT task, min_flops_per_param FROM task_stats",
  );
  return new Map(result.rows.map((row) => [row.task, row.min_flops_per_param]));
}

/**
 * A ranked (non-latency) search as one statement. Each task is a branch of its own, so that
 * the planner can walk that task's index in the sort's order (by downloads with a language:
 * the language's); several branches are each limited to the page's end and merged.
 * `paramBound`, when the query bounds latency, is what the bound implies for the `params` of
 * estimated rows: measured rows then come from a branch of their own, and each estimated
 * branch gets a condition an index can serve.
 */
export function rankedStatement(
  query: StoreSearchQuery,
  paramBound: number | null = null,
): { sql: string; parameters: unknown[] } {
  const sort = query.sort;
  if (sort === "latency") throw new Error("rankedStatement does not sort by latency");
  const parameters = new Parameters();
  const tasks =
    query.tasks === undefined ? [null] : query.tasks.map((task) => parameters.add(task));
  const filters = addFilters(query, parameters);
  const libraries =
    filters.libraries === null || filters.libraries.length === 0 ? [null] : filters.libraries;
  const sources = tasks.flatMap((task) =>
    libraries.map((library) =>
      library !== null
        ? libraryScoped(modelsSource(task), library)
        : task !== null &&
            filters.language !== null &&
            sort === "downloads" &&
            filters.onnx !== true
          ? languageSource(filters.language, task)
          : modelsSource(task),
    ),
  );
  const { column, direction } = SORT[sort];
  // Branches read ids and sort keys only (from covering indexes where they can); the records
  // are read for the page alone.
  const columnsOf = (source: Source) =>
    `${source.rowId} AS row_id, ${source.alias}.${column} AS sort_key`;
  const orderOf = (source: Source) => `${source.alias}.${column} ${direction}, ${source.rowId}`;
  const latency = query.latency;
  const branches: { sql: string; order: string }[] = [];
  if (latency === undefined) {
    for (const source of sources) {
      branches.push({
        sql: `SELECT ${columnsOf(source)}, NULL::float8 AS measured_ms, NULL::float8 AS effective_latency_ms
          FROM ${source.from} ${whereClause([...source.scope, ...filterClauses(filters, source)])}`,
        order: orderOf(source),
      });
    }
  } else if (query.maxLatencyMs === undefined || paramBound === null) {
    const terms = latencyTerms(latency, parameters);
    const max =
      query.maxLatencyMs === undefined ? null : `${parameters.add(query.maxLatencyMs)}::float8`;
    for (const source of sources) {
      const effective = `COALESCE(ml.latency_ms, ${terms.estimate(source.alias)})`;
      branches.push({
        sql: `SELECT ${columnsOf(source)}, ml.latency_ms AS measured_ms, ${effective} AS effective_latency_ms
          FROM ${source.from}
          LEFT JOIN measured_latency ml ON ml.hardware = ${terms.hardware} AND ml.model_row_id = ${source.rowId}
          ${whereClause([
            ...source.scope,
            ...filterClauses(filters, source),
            // An unknown latency passes the bound, as select keeps such models (ADR 0086).
            ...(max === null ? [] : [`(${effective} <= ${max} OR ${effective} IS NULL)`]),
          ])}`,
        order: orderOf(source),
      });
    }
  } else {
    const terms = latencyTerms(latency, parameters);
    const max = `${parameters.add(query.maxLatencyMs)}::float8`;
    const bound = `${parameters.add(paramBound)}::float8`;
    // Measured rows per task too: with a task, its measurements under the bound come from
    // their own index (migration 8), and the task's sort index is not walked to meet them.
    for (const source of sources) {
      const measuredTask = source.task === null ? [] : [`ml.task = ${source.task}`];
      branches.push({
        sql: `SELECT ${columnsOf(source)}, ml.latency_ms AS measured_ms, ml.latency_ms AS effective_latency_ms
          FROM ${source.from}
          JOIN measured_latency ml ON ml.hardware = ${terms.hardware} AND ml.model_row_id = ${source.rowId}
          ${whereClause([...source.scope, ...measuredTask, `ml.latency_ms <= ${max}`, ...filterClauses(filters, source)])}`,
        order: orderOf(source),
      });
    }
    for (const source of sources) {
      const estimate = terms.estimate(source.alias);
      branches.push({
        sql: `SELECT ${columnsOf(source)}, NULL::float8 AS measured_ms, ${estimate} AS effective_latency_ms
          FROM ${source.from} ${whereClause([
            ...source.scope,
            ...filterClauses(filters, source),
            `${source.alias}.params <= ${bound}`,
            noMeasurement(terms.hardware, source.rowId),
            `${estimate} <= ${max}`,
          ])}`,
        order: orderOf(source),
      });
    }
    // Models whose latency is unknown pass the bound: no estimate (the latency sort's test
    // below) and no measurement. The sort indexes carry both columns.
    for (const source of sources) {
      branches.push({
        sql: `SELECT ${columnsOf(source)}, NULL::float8 AS measured_ms, NULL::float8 AS effective_latency_ms
          FROM ${source.from} ${whereClause([
            ...source.scope,
            ...filterClauses(filters, source),
            `(${source.alias}.params IS NULL OR ${source.alias}.flops IS NULL)`,
            noMeasurement(terms.hardware, source.rowId),
          ])}`,
        order: orderOf(source),
      });
    }
  }
  const page = `LIMIT ${parameters.add(query.limit + 1)} OFFSET ${parameters.add(query.offset ?? 0)}`;
  const [only] = branches;
  if (only === undefined) return { sql: "SELECT NULL AS record WHERE false", parameters: [] };
  let paged: string;
  if (branches.length === 1) {
    paged = `${only.sql} ORDER BY ${only.order} ${page}`;
  } else {
    // Each branch ordered and cut at the page's end in its own subquery: the planner then
    // walks an index per branch rather than sorting everything the branches match.
    const end = parameters.add((query.offset ?? 0) + query.limit + 1);
    const merged = branches.map(
      (branch) => `(${branch.sql} ORDER BY ${branch.order} LIMIT ${end})`,
    );
    paged = `SELECT * FROM (${merged.join(" UNION ALL ")}) u
      ORDER BY u.sort_key ${direction}, u.row_id ${page}`;
  }
  return {
    sql: `SELECT r.record, b.measured_ms, b.effective_latency_ms
      FROM (${paged}) b JOIN models r ON r.row_id = b.row_id
      ORDER BY b.sort_key ${direction}, b.row_id`,
    parameters: parameters.values,
  };
}

function whereClause(clauses: readonly string[]): string {
  return clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`;
}

interface LatencyCandidate {
  rowId: number;
  latencyMs: number;
  measured: boolean;
}

function compareCandidates(a: LatencyCandidate, b: LatencyCandidate): number {
  return a.latencyMs - b.latencyMs || a.rowId - b.rowId;
}

/** A latency-sorted search: measured rows by index, estimated rows by a walk that stops early. */
async function latencySearch(
  client: Client,
  query: StoreSearchQuery,
  latency: LatencyCoefficients,
  minFlopsPerParam: ReadonlyMap<string, number>,
): Promise<PostgresSearchRow[]> {
  const offset = query.offset ?? 0;
  const need = offset + query.limit + 1;
  const tasks = query.tasks;
  if (tasks !== undefined && tasks.length === 0) return [];
  const maxLatencyMs = query.maxLatencyMs ?? Number.POSITIVE_INFINITY;
  const bounded = query.maxLatencyMs !== undefined;

  const best: LatencyCandidate[] = [];
  {
    const parameters = new Parameters();
    // With a task, its measurements in latency order from their own index (migration 8).
    const where = [
      `ml.hardware = ${parameters.add(latency.hardwareId)}`,
      ...(tasks === undefined ? [] : [`ml.task = ANY(${parameters.add(tasks)}::text[])`]),
      ...filterClauses(addFilters(query, parameters), modelsSource(null)),
      ...(bounded ? [`ml.latency_ms <= ${parameters.add(maxLatencyMs)}::float8`] : []),
    ];
    const measured = await client.query<{ row_id: string; latency_ms: number }>(
      `SELECT m.row_id, ml.latency_ms FROM measured_latency ml JOIN models m ON m.row_id = ml.model_row_id
       ${whereClause(where)} ORDER BY ml.latency_ms, m.row_id LIMIT ${parameters.add(need)}`,
      parameters.values,
    );
    for (const row of measured.rows) {
      best.push({ rowId: Number(row.row_id), latencyMs: row.latency_ms, measured: true });
    }
  }

  for (const task of tasks ?? [null]) {
    const perParam = msPerParamLowerBound(
      latency,
      task === null ? undefined : [task],
      minFlopsPerParam,
    );
    const parameters = new Parameters();
    const terms = latencyTerms(latency, parameters);
    const filters = addFilters(query, parameters);
    const source =
      task !== null && filters.language !== null
        ? languageSource(filters.language, parameters.add(task))
        : modelsSource(task === null ? null : parameters.add(task));
    const t = source.alias;
    const estimate = terms.estimate(t);
    const afterAt = parameters.values.length;
    const after = `(${parameters.add(Number.NEGATIVE_INFINITY)}::float8, ${parameters.add(-1)}::bigint)`;
    const where = [
      ...source.scope,
      `${t}.params IS NOT NULL`,
      `${t}.flops IS NOT NULL`,
      `(${t}.params, ${source.rowId}) > ${after}`,
      noMeasurement(terms.hardware, source.rowId),
      ...filterClauses(filters, source),
    ];
    if (bounded) {
      // Ends the index range where no row can qualify, then checks each row.
      const bound = paramsBound(latency, maxLatencyMs, perParam);
      if (bound !== null) where.push(`${t}.params <= ${parameters.add(bound)}::float8`);
      where.push(`${estimate} <= ${parameters.add(maxLatencyMs)}::float8`);
    }
    const firstPage = Math.min(MAX_WALK_PAGE, Math.max(FIRST_WALK_PAGE, 2 * need));
    const pageSizeAt = parameters.values.length;
    const sql = `SELECT ${source.rowId} AS row_id, ${t}.params, ${estimate} AS latency_ms
      FROM ${source.from} ${whereClause(where)}
      ORDER BY ${t}.params, ${source.rowId} LIMIT ${parameters.add(firstPage)}`;
    for (let pageSize = firstPage; ; pageSize = Math.min(pageSize * 2, MAX_WALK_PAGE)) {
      parameters.values[pageSizeAt] = pageSize;
      const page = await client.query<{ row_id: string; params: number; latency_ms: number }>(
        sql,
        parameters.values,
      );
      for (const row of page.rows) {
        best.push({ rowId: Number(row.row_id), latencyMs: row.latency_ms, measured: false });
      }
      best.sort(compareCandidates);
      if (best.length > need) best.length = need;
      const last = page.rows[page.rows.length - 1];
      if (last === undefined || page.rows.length < pageSize) break;
      // No model with more parameters can be faster than this.
      const lowerBoundMs = latency.overheadMs + last.params * perParam;
      const kth = best.length >= need ? best[need - 1]?.latencyMs : undefined;
      if (kth !== undefined && lowerBoundMs > kth) break;
      if (lowerBoundMs > maxLatencyMs) break;
      parameters.values[afterAt] = last.params;
      parameters.values[afterAt + 1] = last.row_id;
    }
  }

  const ids = best.slice(offset).map((candidate) => candidate.rowId);
  const rows: PostgresSearchRow[] = [];
  const latencies = new Map(best.map((candidate) => [candidate.rowId, candidate]));
  if (best.length < need) {
    // Models whose latency is unknown come last, in a stable order; a bound keeps them too.
    const parameters = new Parameters();
    const where = [
      ...(tasks === undefined ? [] : [`m.task = ANY(${parameters.add(tasks)}::text[])`]),
      "(m.params IS NULL OR m.flops IS NULL)",
      noMeasurement(parameters.add(latency.hardwareId), "m.row_id"),
      ...filterClauses(addFilters(query, parameters), modelsSource(null)),
    ];
    // Positions best.length, best.length + 1, ... of the whole order; the page starts at offset.
    const skip = Math.max(0, offset - best.length);
    const unknown = await client.query<{ row_id: string }>(
      `SELECT m.row_id FROM models m ${whereClause(where)}
       ORDER BY m.row_id LIMIT ${parameters.add(need - best.length - skip)} OFFSET ${parameters.add(skip)}`,
      parameters.values,
    );
    ids.push(...unknown.rows.map((row) => Number(row.row_id)));
  }
  if (ids.length === 0) return rows;
  const records = await client.query<{ row_id: string; record: string }>(
    "SELECT row_id, record FROM models WHERE row_id = ANY($1::bigint[])",
    [ids],
  );
  const recordOf = new Map(records.rows.map((row) => [Number(row.row_id), row.record]));
  for (const id of ids) {
    const candidate = latencies.get(id);
    rows.push({
      record: recordOf.get(id) as string,
      measured_ms: candidate?.measured === true ? candidate.latencyMs : null,
      effective_latency_ms: candidate?.latencyMs ?? null,
    });
  }
  return rows;
}

/** Runs `work` in one read-only snapshot, unless the connection is in a transaction already. */
async function inSnapshot<T>(
  client: Client,
  snapshot: boolean,
  work: () => Promise<T>,
): Promise<T> {
  if (!snapshot) return work();
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * Runs a search; returns up to `limit + 1` rows from `offset` on (the extra one tells
 * `hasMore`). `snapshot`: false when the connection is inside the caller's transaction.
 */
export async function postgresSearch(
  client: Client,
  asked: StoreSearchQuery,
  options: { snapshot: boolean },
): Promise<PostgresSearchRow[]> {
  const query = withDistinctTasks(asked);
  const latency = query.latency;
  if (latency === undefined) {
    if (query.sort === "latency" || query.maxLatencyMs !== undefined) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        "Sorting or filtering by latency needs a hardware profile (the latency coefficients).",
      );
    }
  }
  if (latency === undefined || (query.sort !== "latency" && query.maxLatencyMs === undefined)) {
    const { sql, parameters } = rankedStatement(query);
    return (await client.query<PostgresSearchRow>(sql, parameters)).rows;
  }
  return inSnapshot(client, options.snapshot, async () => {
    const minFlopsPerParam = await readTaskStats(client);
    if (query.sort === "latency") return latencySearch(client, query, latency, minFlopsPerParam);
    const perParam = msPerParamLowerBound(latency, query.tasks, minFlopsPerParam);
    const bound = paramsBound(latency, query.maxLatencyMs ?? Number.POSITIVE_INFINITY, perParam);
    const { sql, parameters } = rankedStatement(query, bound);
    return (await client.query<PostgresSearchRow>(sql, parameters)).rows;
  });
}
