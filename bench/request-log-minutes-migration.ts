/**
 * Benchmark: how long the routing migration that sums an existing request log per minute
 * (migration 4, ADR 0073) holds a server's start, by how many rows the log holds; with
 * `--from 6`, the one that adds the classification columns and their sums (migration 7, ADR
 * 0091) instead.
 *
 *   npx tsx bench/request-log-minutes-migration.ts [--rows 400000,2000000] [--from 3]
 *
 * Per row count, a fresh SQLite state file at routing schema version `--from` (3) gets that
 * many rows over a day (two routes, three models, 80 % answered, latencies over five
 * decades, the texts of a short chat), in one transaction (at version 4 and later, its
 * triggers sum them as they go in); then the time `new RoutingStore` takes to migrate it to
 * the latest version (from 3: the triggers, and the sums of the rows already there).
 * Writes bench/results/request-log-minutes-migration.json
 * (request-log-minutes-migration-from-<N>.json with another `--from`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROUTING_COMPONENT, ROUTING_MIGRATIONS, RoutingStore } from "../src/route/routing-store.js";
import { migrateComponent, openStateDatabase } from "../src/state/state-database.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "400000,2000000" },
    from: { type: "string", default: "3" },
  },
});
const fromVersion = Number(values.from);
const latestVersion = Math.max(...ROUTING_MIGRATIONS.map((migration) => migration.version));
if (!Number.isInteger(fromVersion) || fromVersion < 3 || fromVersion >= latestVersion) {
  throw new Error(`--from must be a routing schema version from 3 to ${latestVersion - 1}`);
}
const DAY_MS = 86_400_000;

const results: {
  rows: number;
  fromVersion: number;
  toVersion: number;
  migrationSeconds: number;
  microsPerRow: number;
}[] = [];
for (const count of values.rows.split(",").map(Number)) {
  const directory = mkdtempSync(join(tmpdir(), "ms-bench-minutes-migration-"));
  const database = openStateDatabase({ path: join(directory, "state.db") });
  migrateComponent(
    database,
    ROUTING_COMPONENT,
    ROUTING_MIGRATIONS.filter((migration) => migration.version <= fromVersion),
  );
  const insert = database.prepare(
    `INSERT INTO routing_requests (id, created_at, endpoint, route, model, status, latency_ms,
       prompt_tokens, completion_tokens, input_text, output_text, decision)
     VALUES (?, ?, 'chat.completions', ?, ?, ?, ?, 12, 30, 'where is my parcel, it was due yesterday', 'it is on its way', '{}')`,
  );
  const nowMs = Date.now();
  database.transaction(() => {
    for (let index = 0; index < count; index++) {
      insert.run(
        `req_${index}`,
        new Date(nowMs - DAY_MS + (index * DAY_MS) / count).toISOString(),
        index % 3 === 0 ? "complaints" : "delivery",
        `echo:${["a", "b", "c"][index % 3]}`,
        index % 5 === 0 ? 500 : 200,
        0.05 * 10 ** (((index * 7919) % 1000) / 250),
      );
    }
  })();
  const startedAt = performance.now();
  const store = new RoutingStore(database);
  const seconds = (performance.now() - startedAt) / 1000;
  store.close();
  database.close();
  rmSync(directory, { recursive: true, force: true });
  const entry = {
    rows: count,
    fromVersion,
    toVersion: latestVersion,
    migrationSeconds: Number(seconds.toFixed(2)),
    microsPerRow: Number(((seconds * 1e6) / count).toFixed(2)),
  };
  results.push(entry);
  process.stdout.write(
    `${count} rows: ${fromVersion + 1 === latestVersion ? `migration ${latestVersion}` : `migrations ${fromVersion + 1}-${latestVersion}`} took ${entry.migrationSeconds} s (${entry.microsPerRow} us a row)\n`,
  );
}

writeBenchResult(
  fromVersion === 3
    ? "request-log-minutes-migration"
    : `request-log-minutes-migration-from-${fromVersion}`,
  ["npx", "tsx", "bench/request-log-minutes-migration.ts", ...process.argv.slice(2)].join(" "),
  { results },
);
