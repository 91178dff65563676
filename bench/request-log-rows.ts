/**
 * Benchmark: CPU per request-log row written by the routing server's `RoutingStore` into a
 * state database file (issue 5), by request-id shape and rows per transaction.
 *
 *   npx tsx bench/request-log-rows.ts [--rows 30000] [--prefill 50000]
 *
 * Each variant opens a fresh state.db (WAL, as the server does), fills it with `--prefill`
 * rows so the indexes have depth, then logs `--rows` rows shaped like the in-process echo
 * path's (texts of 40 characters, the decision JSON of about 480 bytes) and flushes. The
 * figure is the process's CPU time (user + system, all threads: the worker writer's too)
 * per row. Variants: ids from `newRequestId` (time first) against fully random ids (the
 * previous shape), at 32 and 128 rows per transaction, through the worker writer and on the
 * main thread. Writes bench/results/request-log-rows.json.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newRequestId } from "../src/route/router.js";
import { type RequestLogRow, RoutingStore } from "../src/route/routing-store.js";
import { openStateDatabase } from "../src/state/state-database.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "30000" },
    prefill: { type: "string", default: "50000" },
  },
});
const rows = Number(values.rows);
const prefill = Number(values.prefill);

const DECISION = JSON.stringify({
  request_id: "req_00000000000000000000000000000000",
  task: "text-generation",
  requested: "auto",
  route: "local",
  model: "echo:local",
  reason: "route local (the only route serving text-generation); model echo:local: fixed",
  policy: "fixed",
  explored: false,
  order: ["echo:local"],
  domain: null,
  attempts: [{ model: "echo:local", outcome: "ok", latency_ms: 0.843 }],
  classification: null,
});

const ID_SHAPES = {
  "time-first": () => newRequestId(),
  random: () => `req_${randomUUID().replaceAll("-", "")}`,
} as const;

function row(id: string): RequestLogRow {
  return {
    id,
    createdAt: new Date().toISOString(),
    endpoint: "chat.completions",
    task: "text-generation",
    requested: "auto",
    route: "local",
    model: "echo:local",
    reason: "route local (the only route serving text-generation); model echo:local: fixed",
    status: 200,
    latencyMs: 1.2,
    modelLatencyMs: 0.8,
    errorCode: null,
    domain: null,
    inputText: "where is my parcel, it was due yesterday",
    outputText: "where is my parcel, it was due yesterday",
    outputLabel: null,
    promptTokens: null,
    completionTokens: null,
    costUsd: null,
    decision: DECISION,
  };
}

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

interface Variant {
  ids: keyof typeof ID_SHAPES;
  chunkRows: number;
  writer: "worker" | "main-thread";
}
const variants: Variant[] = [
  { ids: "random", chunkRows: 32, writer: "main-thread" },
  { ids: "random", chunkRows: 32, writer: "worker" },
  { ids: "time-first", chunkRows: 32, writer: "worker" },
  { ids: "time-first", chunkRows: 128, writer: "worker" },
  { ids: "time-first", chunkRows: 128, writer: "main-thread" },
];

const results: (Variant & { cpuMicrosPerRow: number; wallMicrosPerRow: number })[] = [];
for (const variant of variants) {
  const database = openStateDatabase({
    path: join(mkdtempSync(join(tmpdir(), "ms-bench-log-")), "state.db"),
  });
  const store = new RoutingStore(database, {
    chunkRows: variant.chunkRows,
    writer: variant.writer,
    flushIntervalMs: 5,
  });
  const makeId = ID_SHAPES[variant.ids];
  for (let index = 0; index < prefill; index++) store.logRequest(row(makeId()));
  store.flush();
  database.pragma("wal_checkpoint(TRUNCATE)");
  const startedCpu = cpuMicros();
  const startedWall = performance.now();
  // Rows arrive in bursts of 50, as a server at a few thousand requests/s queues them.
  for (let index = 0; index < rows; index++) {
    store.logRequest(row(makeId()));
    if (index % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  store.flush();
  const cpuMicrosPerRow = (cpuMicros() - startedCpu) / rows;
  const wallMicrosPerRow = ((performance.now() - startedWall) * 1000) / rows;
  store.close();
  database.close();
  results.push({ ...variant, cpuMicrosPerRow, wallMicrosPerRow });
  process.stdout.write(
    `${variant.ids} ids, ${variant.chunkRows} rows/transaction, ${variant.writer}: ${cpuMicrosPerRow.toFixed(1)} us CPU per row (${wallMicrosPerRow.toFixed(1)} us wall)\n`,
  );
}

writeFileSync(
  "bench/results/request-log-rows.json",
  `${JSON.stringify(
    {
      benchmark: "request-log-rows",
      command: ["npx", "tsx", "bench/request-log-rows.ts", ...process.argv.slice(2)].join(" "),
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverageAtEnd: loadavg().map((value) => Number(value.toFixed(2))),
      rows,
      prefill,
      results,
    },
    null,
    2,
  )}\n`,
);
