/**
 * Benchmark: does the routing server answer every proxied request under sustained overload,
 * and log each one? (Issue 5: "no request's feedback is dropped" needs every request logged.)
 * Latency benchmarks count a request left unanswered as an error but cannot say where it
 * went; this one reads the router's request log back.
 *
 *   npx tsx bench/router-soak.ts [--rate 2000] [--seconds 15] [--runs 3] [--connections 64]
 *       [--generator normal]
 *
 * Starts the bare echo server and the router (`router-roles.ts`, the `proxy` route: an
 * OpenAI-compatible upstream) with its state database in a temporary folder, drives `--runs`
 * open-loop runs of `--seconds` (after 2 s of warm-up each) at `--rate` through one router
 * process, then waits the route's whole attempt timeout (30 s by default) plus 5 s, so any
 * call still hanging has been ended by its deadline and logged. Prints the generator's
 * summaries and the request log's rows by status, and writes bench/results/router-soak.json.
 * A sound router shows as many rows as requests sent, all `200`, and nothing unanswered. The
 * generator runs under `SCHED_FIFO` where allowed, as in `router-overhead.ts`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { type OpenLoopSummary, runOpenLoop } from "./loadgen/open-loop.js";
import { buildRouter, chatBody, startRole } from "./router-roles.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "15" },
    runs: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
    generator: { type: "string", default: "fifo" },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const WARMUP_SECONDS = 2;
/** The route's attempt timeout (`timeout_ms`, default 30 s) and a margin for the log's flush. */
const DEADLINE_WAIT_MS = 35_000;

buildRouter();
const databasePath = join(mkdtempSync(join(tmpdir(), "ms-bench-soak-")), "state.db");
const upstream = await startRole("upstream");
const router = await startRole("router", ["--upstream", upstream.url, "--database", databasePath]);
const summaries: OpenLoopSummary[] = [];
try {
  for (let run = 0; run < runs; run += 1) {
    const { summary } = await runOpenLoop({
      port: router.port,
      path: "/v1/chat/completions",
      body: chatBody("proxy"),
      rate,
      seconds,
      warmup: WARMUP_SECONDS,
      connections: Number(values.connections),
      realtime: values.generator !== "normal",
    });
    summaries.push(summary);
    process.stderr.write(`run ${run + 1}: ${JSON.stringify(summary)}\n`);
  }
  process.stderr.write(`waiting ${DEADLINE_WAIT_MS / 1000} s for any deadline to fire\n`);
  await new Promise((resolve) => setTimeout(resolve, DEADLINE_WAIT_MS));
} finally {
  const exited = new Promise((resolve) => router.child.once("exit", resolve));
  router.child.kill("SIGTERM");
  await exited;
  upstream.child.kill("SIGTERM");
}

const database = new Database(databasePath, { readonly: true });
const byStatus = database
  .prepare(
    "SELECT status, error_code AS errorCode, COUNT(*) AS rows FROM routing_requests GROUP BY status, error_code ORDER BY status",
  )
  .all() as { status: number; errorCode: string | null; rows: number }[];
database.close();

const sent = summaries.reduce((sum, summary) => sum + summary.sent, 0);
const unanswered = summaries.reduce((sum, summary) => sum + summary.unanswered, 0);
const non2xx = summaries.reduce((sum, summary) => sum + summary.non2xx, 0);
const failedConnections = summaries.reduce((sum, summary) => sum + summary.failedConnections, 0);
const logged = byStatus.reduce((sum, row) => sum + row.rows, 0);
console.log(
  "| sent | answered 2xx | non-2xx | failed connections | unanswered | log rows | log rows by status |",
);
console.log("|---:|---:|---:|---:|---:|---:|---|");
console.log(
  `| ${sent} | ${sent - non2xx - failedConnections - unanswered} | ${non2xx} | ${failedConnections} | ${unanswered} | ${logged} | ${byStatus
    .map((row) => `${row.status}${row.errorCode === null ? "" : ` ${row.errorCode}`}: ${row.rows}`)
    .join(", ")} |`,
);
writeFileSync(
  fileURLToPath(new URL("./results/router-soak.json", import.meta.url)),
  `${JSON.stringify(
    {
      benchmark: "router-soak",
      command: `npx tsx bench/router-soak.ts --rate ${rate} --seconds ${seconds} --runs ${runs} --connections ${values.connections} --generator ${values.generator}`,
      date: new Date().toISOString(),
      node: process.version,
      runs: summaries,
      sent,
      non2xx,
      failedConnections,
      unanswered,
      logRows: logged,
      logRowsByStatus: byStatus,
    },
    null,
    2,
  )}\n`,
);
