/**
 * Benchmark: the admin side's models series over a long window (ADR 0073), read from the
 * latency bins summed per minute or per hour.
 *
 *   npx tsx bench/admin-series-long.ts [--days 7] [--pairs 3] [--bins 40] [--repeats 3]
 *     [--buckets 3600,1800]
 *
 * A fresh SQLite state file gets sums written straight into its tables (not through the
 * triggers, which would take as many request rows): every minute of the last `--days` days,
 * for `--pairs` route/model pairs, a minute's sums and `--bins` used latency bins, and those
 * bins summed per hour as migration 5 sums them. Then the window's traffic and models series
 * are read in one-hour buckets (the models series reads the hours' bins) and in 30-minute
 * buckets (it reads every minute's), or in the `--buckets` given (seconds). The figures: wall time, and the longest the event loop
 * was held meanwhile (a 1 ms interval timer's largest gap, less its millisecond); medians
 * over the repeats. Writes bench/results/admin-series-long.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { RoutingStore } from "../src/route/routing-store.js";
import { modelSeries, seriesWindow, trafficSeries } from "../src/server/admin/monitoring-series.js";
import { openStateDatabase } from "../src/state/state-database.js";
import { writeBenchResult } from "./bench-result.js";
import { median, timedHold } from "./event-loop-hold.js";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "7" },
    pairs: { type: "string", default: "3" },
    bins: { type: "string", default: "40" },
    repeats: { type: "string", default: "3" },
    buckets: { type: "string", default: "3600,1800" },
  },
});
const days = Number(values.days);
const pairs = Number(values.pairs);
const bins = Number(values.bins);
const repeats = Number(values.repeats);
const buckets = values.buckets.split(",").map(Number);

const directory = mkdtempSync(join(tmpdir(), "ms-bench-series-long-"));
const database = openStateDatabase({ path: join(directory, "state.db") });
const store = new RoutingStore(database);
const nowMinute = Math.floor(Date.now() / 60_000) * 60_000;
const minute = database.prepare(
  "INSERT INTO routing_minutes VALUES (?, ?, ?, 100, 80, 20, 4200, NULL, 10, 10, 7.5)",
);
const bin = database.prepare("INSERT INTO routing_latency_minutes VALUES (?, ?, ?, ?, 2)");
database.transaction(() => {
  for (let index = 0; index < days * 1440; index++) {
    for (let pair = 0; pair < pairs; pair++) {
      const at = nowMinute - index * 60_000;
      minute.run(at, `route-${pair}`, `model-${pair}`);
      for (let offset = 0; offset < bins; offset++) {
        bin.run(at, `route-${pair}`, `model-${pair}`, 100 + offset);
      }
    }
  }
})();
database.exec(`INSERT INTO routing_latency_hours (hour, route, model, bin, count)
  SELECT minute / 3600000 * 3600000, route, model, bin, SUM(count)
  FROM routing_latency_minutes GROUP BY 1, 2, 3, 4`);

const read = (sql: string, parameters: readonly unknown[]) => store.readLogged(sql, parameters);
const results: Record<string, unknown>[] = [];
for (const bucketSeconds of buckets) {
  const window = seriesWindow({ minutes: days * 1440, bucketSeconds, nowMs: Date.now() });
  for (const [name, series] of [
    ["traffic", trafficSeries],
    ["models", modelSeries],
  ] as const) {
    const runs = [];
    for (let repeat = 0; repeat < repeats; repeat++)
      runs.push(await timedHold(() => series(read, window)));
    const entry = {
      series: name,
      bucketSeconds,
      wallMsMedian: Number(median(runs.map((run) => run.wallMs)).toFixed(1)),
      heldMsMedian: Number(median(runs.map((run) => run.heldMs)).toFixed(1)),
    };
    results.push(entry);
    process.stdout.write(
      `${days} days, ${pairs} pairs, ${bins} bins a minute, ${bucketSeconds / 60}-minute buckets, ${name}: ${entry.wallMsMedian} ms, event loop held ${entry.heldMsMedian} ms\n`,
    );
  }
}
store.close();
database.close();
rmSync(directory, { recursive: true, force: true });

writeBenchResult(
  "admin-series-long",
  ["npx", "tsx", "bench/admin-series-long.ts", ...process.argv.slice(2)].join(" "),
  { days, pairs, bins, repeats, buckets, results },
);
