/**
 * Benchmark: what a synchronous call to PostgreSQL costs the calling thread, for ADR 0059's
 * open question. The routing learner's `record` and the feedback path are synchronous on
 * purpose ("durable when it returns", route-learner.ts); node-postgres is asynchronous. One
 * way to keep the contracts is a bridge: a worker thread holds the `pg` client, and the
 * calling thread posts a query and blocks in `Atomics.wait` until the worker has the answer,
 * which it then takes with `receiveMessageOnPort` (the pattern of the `synckit` package).
 * Since ADR 0068 that bridge is the state database's own (`src/state/postgres-bridge.ts`);
 * until then this file held a prototype of it. This measures, one call after another on one
 * connection:
 *
 * - `async SELECT 1`: `await client.query` on the calling thread (the floor of a round trip);
 * - `bridge SELECT 1`: the same through the blocking bridge;
 * - `bridge INSERT`: an outcome-sized row inserted and committed through the bridge (with
 *   PostgreSQL's default `synchronous_commit = on`: the commit waits for the WAL flush);
 * - `bridge txn 10`: a transaction of ten such inserts as the stores write one (ADR 0069):
 *   the beginning and the inserts sent without waiting, the commit waited for; what the
 *   worker's pipelining (ADR 0072) shortens;
 * - `SQLite INSERT`: the same row into a SQLite file in WAL mode with `synchronous = FULL`,
 *   as `openStateDatabase` sets it: what the feedback path costs today.
 *
 *   npx tsx bench/sync-postgres-bridge.ts [--calls 2000] [--url postgres://...] [--db-delay-ms 0]
 *
 * `--db-delay-ms D`: PostgreSQL behind `loadgen/delay-proxy.mjs`, which adds D ms to every
 * round trip, as a database on another machine would.
 *
 * The URL defaults to `MODELSCOUT_TEST_POSTGRES_URL`, else this machine's server
 * (`postgres://postgres@127.0.0.1:5432/test`). Work happens in a schema of its own, dropped at
 * the end. Prints p50, p99 and mean in microseconds. Nothing is written to bench/results.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { PostgresBridge } from "../src/state/postgres-bridge.js";
import { startDelayProxy } from "./loadgen/start-delay-proxy.js";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "2000" },
    "db-delay-ms": { type: "string", default: "0" },
    url: {
      type: "string",
      default:
        process.env.MODELSCOUT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    },
  },
});
const calls = Number(values.calls);
const dbDelayMs = Number(values["db-delay-ms"]);
const proxy = dbDelayMs > 0 ? await startDelayProxy(values.url, dbDelayMs) : undefined;
const url = proxy?.url ?? values.url;
const schema = `bench_bridge_${process.pid}`;

const OUTCOME_TABLE = `
  CREATE TABLE outcomes (
    seq BIGSERIAL PRIMARY KEY, request_id TEXT NOT NULL, route TEXT NOT NULL,
    model_id TEXT NOT NULL, domain TEXT, reward REAL, latency_ms REAL, at TEXT NOT NULL,
    at_ms BIGINT NOT NULL, recorded_at TEXT NOT NULL, superseded INTEGER NOT NULL DEFAULT 0
  )`;
const INSERT = `INSERT INTO outcomes
  (request_id, route, model_id, domain, reward, latency_ms, at, at_ms, recorded_at)
  VALUES ($1, 'delivery', 'echo:delivery-desk', NULL, 1, 12.5, $2, $3, $2)`;

function summary(label: string, microseconds: number[]): string {
  const sorted = [...microseconds].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return `${label.padEnd(18)} p50 ${at(0.5)?.toFixed(1).padStart(7)} us  p99 ${at(0.99)?.toFixed(1).padStart(7)} us  mean ${mean.toFixed(1).padStart(7)} us  (${sorted.length} calls)`;
}

function timeSync(run: (index: number) => void): number[] {
  for (let index = 0; index < 200; index++) run(-1 - index); // warm-up
  const times: number[] = [];
  for (let index = 0; index < calls; index++) {
    const start = performance.now();
    run(index);
    times.push((performance.now() - start) * 1000);
  }
  return times;
}

async function timeAsync(run: () => Promise<unknown>): Promise<number[]> {
  for (let index = 0; index < 200; index++) await run();
  const times: number[] = [];
  for (let index = 0; index < calls; index++) {
    const start = performance.now();
    await run();
    times.push((performance.now() - start) * 1000);
  }
  return times;
}

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`SET search_path = ${schema}`);
await admin.query(OUTCOME_TABLE);
const home = mkdtempSync(join(tmpdir(), "ms-bench-bridge-"));
const bridge = new PostgresBridge({ url, schema, lockTimeoutMs: 5000 });
try {
  const now = () => new Date().toISOString();
  const results = [
    summary("async SELECT 1", await timeAsync(() => admin.query("SELECT 1"))),
    summary(
      "bridge SELECT 1",
      timeSync(() => bridge.query("SELECT 1")),
    ),
    summary(
      "bridge INSERT",
      timeSync((index) => bridge.query(INSERT, [`req_${index}`, now(), Date.now()])),
    ),
    summary(
      "bridge txn 10",
      timeSync((index) => {
        bridge.send("BEGIN", [], false);
        for (let row = 0; row < 10; row++) {
          bridge.send(INSERT, [`txn_${index}_${row}`, now(), Date.now()], true);
        }
        bridge.query("COMMIT", [], true);
        bridge.forgetSent();
      }),
    ),
  ];
  const sqlite = new Database(join(home, "state.db"));
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.exec(OUTCOME_TABLE.replace("BIGSERIAL", "INTEGER").replace("BIGINT", "INTEGER"));
  const insert = sqlite.prepare(
    INSERT.replace("$1", "?").replace("$2", "?").replace("$3", "?").replace("$2", "?"),
  );
  results.push(
    summary(
      "SQLite INSERT",
      timeSync((index) => {
        const at = now();
        insert.run(`req_${index}`, at, Date.now(), at);
      }),
    ),
  );
  sqlite.close();
  const [server] = (await admin.query("SHOW server_version")).rows as { server_version: string }[];
  const [commit] = (await admin.query("SHOW synchronous_commit")).rows as {
    synchronous_commit: string;
  }[];
  console.log(
    `PostgreSQL ${server?.server_version} at ${url.replace(/:[^:@/]*@/, ":***@")} (synchronous_commit ${commit?.synchronous_commit}${dbDelayMs > 0 ? `; ${dbDelayMs} ms added to each round trip` : ""}); ${calls} calls each, one after another`,
  );
  for (const line of results) console.log(line);
} finally {
  bridge.close();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
  proxy?.child.kill();
  rmSync(home, { recursive: true, force: true });
}
