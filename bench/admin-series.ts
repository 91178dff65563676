/**
 * Benchmark: what a dashboard refresh of the traffic and models series costs the routing
 * server (ADR 0073), by how many requests the window holds.
 *
 *   npx tsx bench/admin-series.ts [--rows 100000,400000] [--repeats 5] [--state sqlite|postgres]
 *
 * Per row count, a fresh state database (a SQLite file under a temporary directory, or a
 * schema of its own on `MODELSCOUT_TEST_POSTGRES_URL`, by default the local server's `test`
 * database) gets that many request-log rows spread over the last hour (two routes, three
 * models, 80 % answered, latencies from 0.05 ms to 5 s) through `RoutingStore`, and feedback
 * on a tenth of them. Then, per repeat, the hour's two series (`/admin/api/routes` and
 * `/admin/api/models` at their defaults, 60 one-minute buckets) are read two ways:
 * - **minutes**: as the admin side reads them now, from the sums per minute;
 * - **rows**: the statements the admin side ran before ADR 0073, over the log's rows (the
 *   latency rows capped at 100,000, as they were).
 * The figures: wall time per refresh, and the longest the event loop was held meanwhile
 * (the largest gap of a 1 ms interval timer, less its millisecond; on SQLite the reads are
 * synchronous, on PostgreSQL the minutes are read on the bridge's reads connection, awaited,
 * and the rows were read blocking, as the admin side did). Medians over the repeats.
 * Writes bench/results/admin-series.json (admin-series-postgres.json with `--state postgres`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { newRequestId } from "../src/route/router.js";
import {
  type FeedbackInput,
  type RequestLogRow,
  RoutingStore,
} from "../src/route/routing-store.js";
import {
  modelSeries,
  type SeriesWindow,
  seriesWindow,
  trafficSeries,
} from "../src/server/admin/monitoring-series.js";
import { openStateDatabase, type StateDatabase } from "../src/state/state-database.js";
import { writeBenchResult } from "./bench-result.js";
import { median, timedHold } from "./event-loop-hold.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000,400000" },
    repeats: { type: "string", default: "5" },
    state: { type: "string", default: "sqlite" },
  },
});
const rowCounts = values.rows.split(",").map(Number);
const repeats = Number(values.repeats);
const onPostgres = values.state === "postgres";
const POSTGRES_URL =
  process.env.MODELSCOUT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

function row(index: number, createdAt: string): RequestLogRow {
  const answered = index % 5 !== 0;
  return {
    id: newRequestId(),
    createdAt,
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: index % 3 === 0 ? "complaints" : "delivery",
    model: `echo:${["a", "b", "c"][index % 3]}`,
    reason: "route delivery; model echo:a: bandit",
    status: answered ? 200 : 500,
    latencyMs: 0.05 * 10 ** (((index * 7919) % 1000) / 250),
    modelLatencyMs: null,
    errorCode: answered ? null : "upstream_error",
    domain: null,
    inputText: "where is my parcel, it was due yesterday",
    outputText: "it is on its way",
    outputLabel: null,
    promptTokens: 12,
    completionTokens: 30,
    costUsd: null,
    decision: "{}",
  };
}

// The admin side's statements before ADR 0073, over the rows (SQLite's dialect; PostgreSQL's
// is rewritten from it, as it was).
const BUCKET = (column: string) =>
  `(CAST(strftime('%s', ${column}) AS INTEGER) / CAST(? AS INTEGER)) * CAST(? AS INTEGER) * 1000`;
const ROWS_TRAFFIC_SQL = `SELECT route, model, ${BUCKET("created_at")} AS bucket, COUNT(*) AS requests,
    SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
    COALESCE(SUM(prompt_tokens), 0) + COALESCE(SUM(completion_tokens), 0) AS tokens, SUM(cost_usd) AS cost_usd
  FROM routing_requests
  WHERE created_at >= ? AND created_at < ? AND route IS NOT NULL AND model IS NOT NULL
  GROUP BY route, model, bucket`;
const ROWS_LATENCY_SQL = `SELECT route, model, ${BUCKET("created_at")} AS bucket, latency_ms
  FROM routing_requests
  WHERE created_at >= ? AND created_at < ? AND route IS NOT NULL AND model IS NOT NULL
    AND status = 200
  ORDER BY created_at DESC LIMIT 100000`;
const ROWS_FEEDBACK_SQL = `SELECT r.route AS route, r.model AS model, ${BUCKET("f.created_at")} AS bucket,
    COUNT(*) AS feedback, COUNT(f.reward) AS rewards, SUM(f.reward) AS reward_sum
  FROM routing_feedback f JOIN routing_requests r ON r.id = f.request_id
  WHERE f.created_at >= ? AND f.created_at < ? AND r.route IS NOT NULL AND r.model IS NOT NULL
  GROUP BY r.route, r.model, bucket`;

function readRowsTheOldWay(database: StateDatabase, window: SeriesWindow): number {
  const parameters = [
    window.bucketSeconds,
    window.bucketSeconds,
    new Date(window.fromMs).toISOString(),
    new Date(window.toMs).toISOString(),
  ];
  let read = 0;
  for (const sql of [ROWS_TRAFFIC_SQL, ROWS_LATENCY_SQL, ROWS_FEEDBACK_SQL]) {
    const rows = database.prepare(sql).all(...parameters) as { latency_ms?: number }[];
    read += rows.length;
    // The sort the percentiles needed.
    rows.map((entry) => entry.latency_ms ?? 0).sort((a, b) => a - b);
  }
  return read;
}

const results: {
  rows: number;
  feedback: number;
  way: "minutes" | "rows";
  wallMsMedian: number;
  heldMsMedian: number;
  heldMsMax: number;
}[] = [];
for (const count of rowCounts) {
  const directory = onPostgres ? undefined : mkdtempSync(join(tmpdir(), "ms-bench-series-"));
  const schema = `ms_bench_series_${process.pid}_${count}`;
  const database = onPostgres
    ? openStateDatabase({ path: POSTGRES_URL, env: { MODELSCOUT_STATE_SCHEMA: schema } })
    : openStateDatabase({ path: join(directory as string, "state.db") });
  const store = new RoutingStore(database, { flushIntervalMs: 20, chunkRows: 128 });
  const nowMs = Date.now();
  const logged: RequestLogRow[] = [];
  for (let index = 0; index < count; index++) {
    const entry = row(
      index,
      new Date(nowMs - 3_600_000 + (index * 3_600_000) / count).toISOString(),
    );
    store.logRequest(entry);
    if (index % 10 === 0) logged.push(entry);
    if (index % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve));
  }
  store.flush();
  for (const entry of logged) {
    const feedback: FeedbackInput = {
      requestId: entry.id,
      createdAt: entry.createdAt,
      rating: null,
      correct: null,
      label: null,
      latencyMs: null,
      reward: entry.status === 200 ? 1 : 0,
    };
    store.recordFeedback(feedback, true);
  }
  const window = seriesWindow({ minutes: 60, bucketSeconds: 60, nowMs: Date.now() });
  const read = (sql: string, parameters: readonly unknown[]) => store.readLogged(sql, parameters);
  for (const way of ["minutes", "rows"] as const) {
    const walls: number[] = [];
    const holds: number[] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const run = await timedHold(async () => {
        if (way === "minutes") {
          await trafficSeries(read, window);
          await modelSeries(read, window);
        } else {
          readRowsTheOldWay(database, window);
        }
      });
      walls.push(run.wallMs);
      holds.push(run.heldMs);
    }
    const entry = {
      rows: count,
      feedback: logged.length,
      way,
      wallMsMedian: Number(median(walls).toFixed(2)),
      heldMsMedian: Number(median(holds).toFixed(2)),
      heldMsMax: Number(Math.max(...holds).toFixed(2)),
    };
    results.push(entry);
    process.stdout.write(
      `${count} rows, ${logged.length} feedback, ${way}: ${entry.wallMsMedian} ms a refresh, event loop held ${entry.heldMsMedian} ms (max ${entry.heldMsMax})\n`,
    );
  }
  store.close();
  database.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  if (onPostgres) {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}

writeBenchResult(
  onPostgres ? "admin-series-postgres" : "admin-series",
  ["npx", "tsx", "bench/admin-series.ts", ...process.argv.slice(2)].join(" "),
  { state: values.state, repeats, results },
);
