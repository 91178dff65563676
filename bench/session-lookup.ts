/**
 * Benchmark: what following a session through the shared request log costs a session
 * request (ADR 0054, "Shared through the request log"): `RoutingStore.lastSessionAnswer`, the
 * one indexed `SELECT` a server on a state file runs on the request path for each request
 * with an `x-modelscout-session` header. Fills a state file's request log with `--rows`
 * answered requests spread over `--sessions` sessions and the last 30 minutes (every tenth
 * without a session), then times `--lookups` lookups of random sessions, half of them of a
 * session's kind it never asked (no row found), and prints the median and p99 in
 * microseconds.
 *
 *   npx tsx bench/session-lookup.ts [--rows 200000] [--sessions 20000] [--lookups 20000]
 *
 * Results: bench/results/session-lookup.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { RoutingStore } from "../src/route/routing-store.js";
import { openStateDatabase } from "../src/state/state-database.js";
import { requestLogRow } from "../test/support/request-log-row.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "200000" },
    sessions: { type: "string", default: "20000" },
    lookups: { type: "string", default: "20000" },
  },
});
const rows = Number(values.rows);
const sessions = Number(values.sessions);
const lookups = Number(values.lookups);

const directory = mkdtempSync(join(tmpdir(), "ms-session-lookup-"));
const database = openStateDatabase({ path: join(directory, "state.db") });
const store = new RoutingStore(database);
try {
  const now = Date.now();
  for (let index = 0; index < rows; index++) {
    store.logRequest(
      requestLogRow(`req_${index}`, {
        createdAt: new Date(now - 30 * 60_000 + (index / rows) * 30 * 60_000).toISOString(),
        session: index % 10 === 9 ? null : `session-${index % sessions}`,
        route: index % 3 === 0 ? "complaint" : "delivery",
      }),
    );
  }
  store.flush();
  const timesUs: number[] = [];
  let found = 0;
  for (let index = 0; index < lookups; index++) {
    const session = `session-${Math.floor(Math.random() * sessions)}`;
    // Half ask for a kind of request the session never made: the index finds nothing.
    const requested = index % 2 === 0 ? "auto" : "complaint";
    const started = performance.now();
    const answer = store.lastSessionAnswer(
      session,
      requested,
      "text-generation",
      now - 30 * 60_000,
    );
    timesUs.push((performance.now() - started) * 1000);
    if (answer !== undefined) found += 1;
  }
  timesUs.sort((a, b) => a - b);
  const at = (q: number) => Number((timesUs[Math.ceil(q * timesUs.length) - 1] ?? 0).toFixed(1));
  const result = { rows, sessions, lookups, found, p50Us: at(0.5), p99Us: at(0.99) };
  process.stdout.write(
    `${rows} rows, ${sessions} sessions: ${lookups} lookups (${found} found) took p50 ${result.p50Us} us, p99 ${result.p99Us} us\n`,
  );
  writeBenchResult(
    "session-lookup",
    `npx tsx bench/session-lookup.ts --rows ${rows} --sessions ${sessions} --lookups ${lookups}`,
    result,
  );
} finally {
  store.close();
  database.close();
  rmSync(directory, { recursive: true, force: true });
}
