/**
 * @module
 * Search statements for the SQLite catalog store, shaped so that a top-k query over a
 * million models reads a few hundred rows, not all of them (bench/catalog-search.ts):
 * - Ranked sorts (downloads, likes, score, lastModified) run per task and are merged here,
 *   because an `IN` list cannot keep index order. Each task tries, in turn: the parameter
 *   index when a latency bound keeps few rows (those under the size it implies, and those of
 *   unknown size, whose latency is unknown and passes); the (source, task) or (library, task)
 *   index, or the partial (task) index of the models with ONNX weights, when a source,
 *   libraries or ONNX weights asked for keep few (a task's npm models, its ONNX models, among
 *   thousands of others); a walk of the sort index (or, for
 *   task + language by downloads, of the language index) capped at a fixed number of rows,
 *   which is the answer when the filters keep enough of them; then the smallest of the
 *   parameter, language, licence, source, library and ONNX drivers, or the full walk when the
 *   capped walk suggests that is shorter. Filters carry a unary `+` so the planner does not
 *   swap a walk for a range scan and a full sort. A memory bound is a filter, not a driver: a model whose
 *   size is unknown passes it, and so does one whose recorded weight size (`recorded_memory`)
 *   fits whatever its parameter count.
 * - Latency sorts cannot use an index (latency depends on the device), so measured figures
 *   come from their own index (by hardware, task and latency when the search names tasks: each
 *   measurement carries its model's task, ADR 0092) and estimated ones from a walk in increasing parameter count
 *   that stops once no larger model can beat the k-th best: every estimate is at least
 *   `overheadMs + params * (a per-task lower bound on ms per parameter)`. Models whose latency
 *   is unknown come after them, bound or not.
 */
import type Database from "better-sqlite3";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  type LatencyCoefficients,
  type StoreSearchQuery,
  withDistinctTasks,
} from "../catalog-store.js";
import { msPerParamFloor } from "../latency-floor.js";

export interface SearchRow {
  row_id: number;
  record: string;
  measured_ms?: number | null;
  effective_latency_ms?: number | null;
}

type Parameters = Record<string, unknown>;

const SORT_COLUMNS = {
  downloads: { select: "m.downloads AS sort_key", order: "sort_key DESC, row_id" },
  likes: { select: "m.likes AS sort_key", order: "sort_key DESC, row_id" },
  // SQLite orders NULL lowest, so DESC puts models without a score last and still uses
  // the (task, score DESC) index.
  score: { select: "m.score AS sort_key", order: "sort_key DESC, row_id" },
  lastModified: { select: "m.last_modified AS sort_key", order: "sort_key DESC, row_id" },
} as const;

/** The filter for models with ONNX weights; their partial (task) index drives it when few match. */
const ONNX_FILTER = "+m.onnx = 1";

/** Filters every statement shares (task excluded: callers place it to keep index order). */
function filterClauses(query: StoreSearchQuery, parameters: Parameters): string[] {
  const where: string[] = [];
  if (query.language !== undefined) {
    parameters.language = query.language;
    where.push(
      "EXISTS (SELECT 1 FROM model_languages l WHERE l.language = @language AND l.model_row_id = m.row_id)",
    );
  }
  if (query.license !== undefined) {
    parameters.license = query.license;
    where.push("+m.license = @license");
  }
  if (query.source !== undefined) {
    parameters.source = query.source;
    where.push("+m.source = @source");
  }
  if (query.libraries !== undefined) {
    const names = query.libraries.map((library, index) => {
      parameters[`library${index}`] = library;
      return `@library${index}`;
    });
    where.push(names.length === 0 ? "0" : `+m.library IN (${names.join(", ")})`);
  }
  if (query.onnx !== undefined) where.push(query.onnx ? ONNX_FILTER : "+m.onnx = 0");
  if (query.memory !== undefined) {
    Object.assign(parameters, {
      memoryDtype: query.memory.dtype,
      memoryMaxBytes: query.memory.maxBytes,
      memoryOverhead: query.memory.overheadFactor,
      memoryMaxParams: query.memory.maxParams,
    });
    // `memoryFit`'s verdict: the recorded size where there is one, else the parameter
    // count; a model whose size is unknown passes.
    where.push(`COALESCE(
      (SELECT r.weight_bytes * @memoryOverhead <= @memoryMaxBytes FROM recorded_memory r
        WHERE r.model_row_id = m.row_id AND r.dtype = @memoryDtype),
      +m.params <= @memoryMaxParams, 1)`);
  }
  return where;
}

/**
 * A latency bound's filter on the effective (measured, else estimated) latency: a model whose
 * latency is unknown passes, as select keeps it and measures it (ADR 0086).
 */
const LATENCY_BOUND_CLAUSE =
  "(effective_latency_ms <= @maxLatencyMs OR effective_latency_ms IS NULL)";

/**
 * The rows with no estimate: `flops` is stored as `effectiveFlopsPerItem`, null only
 * without a parameter count, so this is the estimate's `params IS NULL OR flops IS NULL`
 * in a form the parameter indexes serve.
 */
const UNKNOWN_PARAMS_CLAUSE = "m.params IS NULL";

/** The estimate in SQL; must match hardware/estimate-latency.ts term for term. */
function latencyExpression(
  query: StoreSearchQuery,
  parameters: Parameters,
): { estimate: string } | null {
  const latency = query.latency;
  if (latency === undefined) return null;
  Object.assign(parameters, {
    hardware: latency.hardwareId,
    overheadMs: latency.overheadMs,
    msPerFlop: latency.msPerFlop,
    msPerParam: latency.msPerParam,
    decodeTokens: latency.decodeTokens,
  });
  const generative = latency.generativeTasks.map((task, index) => {
    parameters[`generative${index}`] = task;
    return `@generative${index}`;
  });
  const isGenerative = generative.length === 0 ? "0" : `m.task IN (${generative.join(", ")})`;
  return {
    estimate: `CASE WHEN m.params IS NULL OR m.flops IS NULL THEN NULL
      WHEN ${isGenerative} THEN @overheadMs + m.flops * @msPerFlop + @decodeTokens * m.params * @msPerParam
      ELSE @overheadMs + MAX(m.flops * @msPerFlop, m.params * @msPerParam) END`,
  };
}

function taskParameter(task: string, index: number, parameters: Parameters): string {
  parameters[`task${index}`] = task;
  return `@task${index}`;
}

/** Thresholds that pick a plan; tests shrink them to reach every plan on small catalogs. */
export interface SearchTuning {
  /** Rows of a sort index a ranked search reads before deciding its filters are selective. */
  walkScanRows: number;
  /** Below this many candidate rows, driving from a filter's index beats walking the sort index. */
  selectiveRows: number;
  /** Once a capped walk found too few rows, a language or licence driver below this size wins. */
  fallbackRows: number;
}

export const DEFAULT_SEARCH_TUNING: SearchTuning = {
  walkScanRows: 20_000,
  selectiveRows: 10_000,
  fallbackRows: 150_000,
};

const SORT_COLUMN_NAMES = {
  downloads: "downloads",
  likes: "likes",
  score: "score",
  lastModified: "last_modified",
} as const;

/** Counts the rows of `sql` up to `cap` (an index-only scan that stops there). */
function boundedCount(
  database: Database.Database,
  sql: string,
  parameters: Parameters,
  cap: number,
): number {
  const row = database
    .prepare<Parameters, { count: number }>(`SELECT count(*) AS count FROM (${sql} LIMIT ${cap})`)
    .get(parameters);
  return row?.count ?? 0;
}

/** Smallest FLOPs per parameter stored for `task` (null: all tasks); 0 when unknown. */
function minFlopsPerParam(database: Database.Database, task: string | null): number {
  const row = database
    .prepare<{ task: string | null }, { ratio: number | null }>(
      "SELECT MIN(min_flops_per_param) AS ratio FROM task_stats WHERE @task IS NULL OR task = @task",
    )
    .get({ task });
  return Math.max(0, row?.ratio ?? 0);
}

/**
 * Milliseconds per parameter that every estimate for a model of `task` is at least (above
 * the overhead): the estimate is linear in params once FLOPs per parameter is bounded below.
 */
function msPerParamLowerBound(
  database: Database.Database,
  latency: LatencyCoefficients,
  task: string | null,
): number {
  const generative = task !== null && latency.generativeTasks.includes(task);
  return msPerParamFloor(latency, minFlopsPerParam(database, task), generative);
}

/**
 * An upper bound on `params` that the estimated rows of results for `task` must meet: what a
 * latency bound implies. It does not hold for measured rows (a measurement can beat the
 * estimate), which are fetched separately. A memory bound gives none: a recorded weight size
 * or an unknown one passes it whatever `params` says.
 */
function necessaryParamBound(
  database: Database.Database,
  query: StoreSearchQuery,
  task: string | null,
): number | null {
  const latency = query.latency;
  if (latency === undefined || query.maxLatencyMs === undefined) return null;
  const perParam = msPerParamLowerBound(database, latency, task);
  if (perParam <= 0) return null;
  return Math.max(0, query.maxLatencyMs - latency.overheadMs) / perParam;
}

/** Ranked (non-latency) search: one ordered index walk per task, merged. */
function rankedSearch(
  database: Database.Database,
  query: StoreSearchQuery,
  tuning: SearchTuning,
): SearchRow[] {
  if (query.sort === "latency") throw new Error("rankedSearch does not sort by latency");
  const sort = query.sort;
  const offset = query.offset ?? 0;
  const need = offset + query.limit + 1;
  const parameters: Parameters = { need, scanCap: tuning.walkScanRows };
  const where = filterClauses(query, parameters);
  const latency = latencyExpression(query, parameters);
  let columns = `m.row_id AS row_id, m.record AS record, ${SORT_COLUMNS[sort].select}`;
  let join = "";
  if (latency !== null) {
    columns += `, ml.latency_ms AS measured_ms, COALESCE(ml.latency_ms, ${latency.estimate}) AS effective_latency_ms`;
    join =
      "LEFT JOIN measured_latency ml ON ml.hardware = @hardware AND ml.model_row_id = m.row_id";
    if (query.maxLatencyMs !== undefined) {
      parameters.maxLatencyMs = query.maxLatencyMs;
      // An unknown latency passes the bound, as select keeps such models (ADR 0086).
      where.push(LATENCY_BOUND_CLAUSE);
    }
  }
  const order = SORT_COLUMNS[sort].order;
  const run = (sql: string) => database.prepare<Parameters, RankedSortRow>(sql).all(parameters);
  const select = (from: string, clauses: readonly string[], ordered = true) =>
    `SELECT ${columns} FROM ${from} ${clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : ""}
      ${ordered ? `ORDER BY ${order}` : ""} LIMIT @need`;

  const branch = (task: string | null, taskClause: string | null): RankedSortRow[] => {
    const clauses = taskClause === null ? where : [taskClause, ...where];
    // A latency bound gives a driver: the parameter index, sorting what it finds.
    const paramBound = necessaryParamBound(database, query, task);
    const paramDriver = (): RankedSortRow[] => {
      const index = taskClause === null ? "models_params" : "models_task_params";
      const bounded = [...clauses, "m.params <= @paramBound"];
      // Measured models may be fast whatever their size: take them from their own index,
      // by task when there is one (each measurement carries its model's task, ADR 0092).
      const measuredClauses = [
        "ml.hardware = @hardware",
        "ml.latency_ms <= @maxLatencyMs",
        ...(taskClause === null ? [] : [taskClause.replace("m.task", "ml.task")]),
        ...where.filter((clause) => clause !== LATENCY_BOUND_CLAUSE),
      ];
      return [
        ...run(
          select(`models m INDEXED BY ${index} ${join}`, [...bounded, "ml.model_row_id IS NULL"]),
        ),
        // Models whose latency is unknown (no parameter count, so no estimate) pass the bound.
        ...run(
          select(`models m INDEXED BY ${index} ${join}`, [
            ...clauses,
            UNKNOWN_PARAMS_CLAUSE,
            "ml.model_row_id IS NULL",
          ]),
        ),
        ...run(
          select(
            "measured_latency ml CROSS JOIN models m ON m.row_id = ml.model_row_id",
            measuredClauses,
          ),
        ),
      ];
    };
    // The rows the driver reads: those under the bound and those of unknown size.
    const countParamRows = (cap: number) =>
      boundedCount(
        database,
        `SELECT 1 FROM models m WHERE ${taskClause ?? "1"} AND m.params <= @paramBound`,
        parameters,
        cap,
      ) +
      boundedCount(
        database,
        `SELECT 1 FROM models m WHERE ${taskClause ?? "1"} AND ${UNKNOWN_PARAMS_CLAUSE}`,
        parameters,
        cap,
      );
    // 1. The bound keeps only a few thousand rows: drive from it.
    if (paramBound !== null) {
      parameters.paramBound = paramBound;
      if (countParamRows(tuning.selectiveRows) < tuning.selectiveRows) return paramDriver();
    }
    // A source, libraries or ONNX weights asked for: the (source, task) and (library, task)
    // indexes, and the (task) index of the models with ONNX weights, find a task's few npm or
    // ONNX models among its many others without walking them all.
    // Each drives from its index with its filter as the index's condition (the `+` dropped).
    const indexDriver = (index: string, filter: string) => {
      const condition = filter.slice(1);
      const driverClauses = [condition, ...clauses.filter((clause) => clause !== filter)];
      return {
        count: (cap: number) =>
          boundedCount(
            database,
            `SELECT 1 FROM models m INDEXED BY ${index} WHERE ${condition} AND ${taskClause ?? "1"}`,
            parameters,
            cap,
          ),
        run: () => run(select(`models m INDEXED BY ${index} ${join}`, driverClauses)),
      };
    };
    const sourceFilter = where.find((clause) => clause === "+m.source = @source");
    const libraryFilter = where.find((clause) => clause.startsWith("+m.library IN"));
    const indexDrivers = [
      ...(sourceFilter === undefined ? [] : [indexDriver("models_source_task", sourceFilter)]),
      ...(libraryFilter === undefined ? [] : [indexDriver("models_library_task", libraryFilter)]),
      ...(where.includes(ONNX_FILTER) ? [indexDriver("models_onnx_task", ONNX_FILTER)] : []),
    ];
    // 1b. Either keeps only a few thousand rows: drive from it, as from a latency bound.
    for (const driver of indexDrivers) {
      if (driver.count(tuning.selectiveRows) < tuning.selectiveRows) return driver.run();
    }
    // 2. Walk the sort index, but only so far: when the filters keep enough of the first
    //    rows, those are the answer.
    //    With a task and a language, sorted by downloads, the language index walks both
    //    filters at once in that order.
    const languageWalk =
      sort === "downloads" && query.language !== undefined && taskClause !== null;
    const walkSource = languageWalk
      ? `SELECT walk.model_row_id AS walked_id FROM model_languages walk
           WHERE walk.language = @language AND ${taskClause.replace("m.task", "walk.task")}
           ORDER BY walk.downloads DESC, walk.model_row_id LIMIT @scanCap`
      : `SELECT walk.row_id AS walked_id FROM models walk
           WHERE ${taskClause === null ? "1" : taskClause.replace("m.task", "walk.task")}
           ORDER BY walk.${SORT_COLUMN_NAMES[sort]} DESC, walk.row_id LIMIT @scanCap`;
    const walked = run(
      select(
        `(${walkSource}) walked CROSS JOIN models m ON m.row_id = walked.walked_id ${join}`,
        languageWalk ? where.filter((clause) => !clause.startsWith("EXISTS")) : where,
        // No ORDER BY: the walk (the outer loop of the CROSS JOIN) already yields rows in
        // sort order, and sorting would read all of it before the LIMIT could stop it.
        false,
      ),
    );
    if (walked.length >= need) return walked;
    // 3. The filters are selective: start from the smallest of the parameter bound's, the
    //    language's, the licence's, the source's and the libraries' rows, or walk the whole
    //    sort index when all are large.
    const drivers: { rows: number; run: () => RankedSortRow[] }[] = [];
    if (paramBound !== null)
      drivers.push({ rows: countParamRows(tuning.fallbackRows), run: paramDriver });
    if (query.language !== undefined) {
      drivers.push({
        rows: boundedCount(
          database,
          "SELECT 1 FROM model_languages WHERE language = @language",
          parameters,
          tuning.fallbackRows,
        ),
        run: () =>
          run(
            select(`model_languages l CROSS JOIN models m ON m.row_id = l.model_row_id ${join}`, [
              "l.language = @language",
              ...clauses.filter((clause) => !clause.startsWith("EXISTS")),
            ]),
          ),
      });
    }
    if (query.license !== undefined) {
      const licenseClauses = [
        "m.license = @license",
        ...clauses.filter((clause) => clause !== "+m.license = @license"),
      ];
      drivers.push({
        rows: boundedCount(
          database,
          `SELECT 1 FROM models m INDEXED BY models_license_task WHERE m.license = @license AND ${taskClause ?? "1"}`,
          parameters,
          tuning.fallbackRows,
        ),
        run: () => run(select(`models m INDEXED BY models_license_task ${join}`, licenseClauses)),
      });
    }
    for (const driver of indexDrivers) {
      drivers.push({ rows: driver.count(tuning.fallbackRows), run: driver.run });
    }
    const smallest = drivers.sort((a, b) => a.rows - b.rows)[0];
    // The capped walk also tells how far a full walk would go: it found `walked.length`
    // matches in `walkScanRows` rows, so `need` matches lie about this deep.
    const expectedWalkRows =
      walked.length === 0 ? Number.POSITIVE_INFINITY : (tuning.walkScanRows * need) / walked.length;
    if (smallest !== undefined && smallest.rows < Math.min(tuning.fallbackRows, expectedWalkRows)) {
      return smallest.run();
    }
    return run(select(`models m ${join}`, clauses));
  };

  const tasks = query.tasks;
  if (tasks !== undefined && tasks.length === 0) return [];
  const rows =
    tasks === undefined
      ? branch(null, null)
      : tasks.flatMap((task, index) =>
          branch(task, `m.task = ${taskParameter(task, index, parameters)}`),
        );
  // Several branches (tasks, measured rows) are merged here in the statements' own order.
  rows.sort(compareRanked);
  return rows.slice(offset, need);
}

interface RankedSortRow extends SearchRow {
  sort_key: number | string | null;
}

/** Descending sort key with missing values last, then row id: the statements' ORDER BY. */
function compareRanked(a: RankedSortRow, b: RankedSortRow): number {
  if (a.sort_key !== b.sort_key) {
    if (a.sort_key === null) return 1;
    if (b.sort_key === null) return -1;
    return a.sort_key < b.sort_key ? 1 : -1;
  }
  return a.row_id - b.row_id;
}

interface RankedRow extends SearchRow {
  effective_latency_ms: number;
}

function compareLatency(a: RankedRow, b: RankedRow): number {
  return a.effective_latency_ms - b.effective_latency_ms || a.row_id - b.row_id;
}

/** Latency search: measured rows by index, estimated rows by a bounded walk over params. */
function latencySearch(database: Database.Database, query: StoreSearchQuery): SearchRow[] {
  const latency = query.latency;
  if (latency === undefined) throw new Error("latencySearch needs latency coefficients");
  const offset = query.offset ?? 0;
  const need = offset + query.limit + 1;
  const tasks = query.tasks;
  if (tasks !== undefined && tasks.length === 0) return [];

  const baseParameters: Parameters = { need };
  const where = filterClauses(query, baseParameters);
  const expression = latencyExpression(query, baseParameters);
  if (expression === null) return [];
  const taskClause =
    tasks === undefined
      ? null
      : `m.task IN (${tasks.map((task, index) => taskParameter(task, index, baseParameters)).join(", ")})`;
  if (query.maxLatencyMs !== undefined) baseParameters.maxLatencyMs = query.maxLatencyMs;
  const bounded = query.maxLatencyMs !== undefined;

  // By task from their own index when there is one (ADR 0092).
  const measuredClauses = [
    "ml.hardware = @hardware",
    ...(taskClause === null ? [] : [taskClause.replace("m.task", "ml.task")]),
    ...where,
    ...(bounded ? ["ml.latency_ms <= @maxLatencyMs"] : []),
  ];
  const measured = database
    .prepare<Parameters, RankedRow>(
      `SELECT m.row_id AS row_id, m.record AS record, ml.latency_ms AS measured_ms, ml.latency_ms AS effective_latency_ms
       FROM measured_latency ml JOIN models m ON m.row_id = ml.model_row_id
       WHERE ${measuredClauses.join(" AND ")}
       ORDER BY ml.latency_ms, m.row_id LIMIT @need`,
    )
    .all(baseParameters);

  const best: RankedRow[] = [...measured];
  const walkTasks: (string | null)[] = tasks === undefined ? [null] : [...tasks];
  for (const task of walkTasks) {
    const parameters: Parameters = {
      ...baseParameters,
      walkTask: task,
      afterParams: -1,
      afterRowId: -1,
    };
    const clauses = [
      ...(task === null ? [] : ["m.task = @walkTask"]),
      "m.params IS NOT NULL",
      "(m.params > @afterParams OR (m.params = @afterParams AND m.row_id > @afterRowId))",
      "ml.model_row_id IS NULL",
      // Range end on the walked index, so the walk stops where no row can qualify.
      ...(bounded ? ["m.params <= (@maxLatencyMs - @overheadMs) / @msPerParam"] : []),
      ...where,
    ];
    const statement = database.prepare<Parameters, RankedRow & { params: number }>(
      `SELECT m.row_id AS row_id, m.record AS record, m.params AS params, NULL AS measured_ms,
         ${expression.estimate} AS effective_latency_ms
       FROM models m LEFT JOIN measured_latency ml ON ml.hardware = @hardware AND ml.model_row_id = m.row_id
       WHERE ${clauses.join(" AND ")}
       ORDER BY m.params, m.row_id LIMIT @pageSize`,
    );
    const perParamMs = msPerParamLowerBound(database, latency, task);
    // Every estimate for a model with `params` parameters is at least this.
    const lowerBoundMs = (params: number) => latency.overheadMs + params * perParamMs;
    let pageSize = 256;
    for (;;) {
      parameters.pageSize = pageSize;
      const page = statement.all(parameters);
      for (const row of page) {
        if (row.effective_latency_ms === null) continue;
        if (bounded && row.effective_latency_ms > (query.maxLatencyMs ?? 0)) continue;
        best.push(row);
      }
      best.sort(compareLatency);
      if (best.length > need) best.length = need;
      const last = page[page.length - 1];
      if (last === undefined || page.length < pageSize) break;
      // No model with more parameters can be faster than this bound.
      const boundMs = lowerBoundMs(last.params);
      const kth = best.length >= need ? best[best.length - 1]?.effective_latency_ms : undefined;
      if (kth !== undefined && boundMs > kth) break;
      if (bounded && boundMs > (query.maxLatencyMs ?? 0)) break;
      parameters.afterParams = last.params;
      parameters.afterRowId = last.row_id;
      pageSize = Math.min(pageSize * 2, 8192);
    }
  }

  const rows: SearchRow[] = best;
  if (rows.length < need) {
    // Models whose latency is unknown come last, in a stable order; a bound keeps them too.
    const clauses = [
      ...(taskClause === null ? [] : [taskClause]),
      "(m.params IS NULL OR m.flops IS NULL)",
      "ml.model_row_id IS NULL",
      ...where,
    ];
    const unknown = database
      .prepare<Parameters, SearchRow>(
        `SELECT m.row_id AS row_id, m.record AS record, NULL AS measured_ms, NULL AS effective_latency_ms
         FROM models m LEFT JOIN measured_latency ml ON ml.hardware = @hardware AND ml.model_row_id = m.row_id
         WHERE ${clauses.join(" AND ")} ORDER BY m.row_id LIMIT @unknownNeed`,
      )
      .all({ ...baseParameters, unknownNeed: need - rows.length });
    rows.push(...unknown);
  }
  return rows.slice(offset);
}

/** Runs a search; returns up to `offset + limit + 1` rows from `offset` on (the extra one tells `hasMore`). */
export function sqliteSearch(
  database: Database.Database,
  query: StoreSearchQuery,
  tuning: SearchTuning = DEFAULT_SEARCH_TUNING,
): SearchRow[] {
  if (
    query.latency === undefined &&
    (query.maxLatencyMs !== undefined || query.sort === "latency")
  ) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      "Filtering or sorting by latency needs a target hardware profile (--hardware).",
    );
  }
  const distinct = withDistinctTasks(query);
  return distinct.sort === "latency"
    ? latencySearch(database, distinct)
    : rankedSearch(database, distinct, tuning);
}
