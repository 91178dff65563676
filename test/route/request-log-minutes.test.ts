/**
 * The request log's sums per minute (ADR 0073) against the rows they sum, on a SQLite file
 * (the writer thread's inserts) and on PostgreSQL (the bridge's background posts): the admin
 * series read from them equal the series counted from the rows, and the percentiles are the
 * middle of the bin the exact nearest-rank value falls in.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  binnedPercentile,
  LATENCY_BINS_PER_DOUBLING,
  latencyBin,
  latencyOfBin,
} from "../../src/route/request-log-minutes.js";
import { startRequestLogRetention } from "../../src/route/request-log-retention.js";
import {
  type FeedbackInput,
  type RequestLogRow,
  ROUTING_COMPONENT,
  ROUTING_MIGRATIONS,
  RoutingStore,
} from "../../src/route/routing-store.js";
import {
  modelSeries,
  type SeriesWindow,
  seriesWindow,
  trafficSeries,
} from "../../src/server/admin/monitoring-series.js";
import type { PostgresStateDatabase } from "../../src/state/postgres-state-database.js";
import {
  migrateComponent,
  openStateDatabase,
  postgresState,
  type StateDatabase,
} from "../../src/state/state-database.js";
import { dropTestSchemas, newTestSchema, TEST_POSTGRES_URL } from "../support/test-postgres.js";

const MINUTE = 60_000;

/** The value below which `fraction` of the sorted values fall (nearest rank). */
function percentileOf(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] as number;
}

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * `count` rows over the `minutes` (50) before `nowMs`: two routes, three models, some
 * unrouted; latencies over `decades` (6) from 0.005 ms.
 */
function logRows(
  count: number,
  nowMs: number,
  seed = 7,
  { minutes = 50, decades = 6 } = {},
): RequestLogRow[] {
  const next = random(seed);
  const statuses = [200, 200, 200, 200, 429, 500, 400];
  return Array.from({ length: count }, (_, index) => {
    const routed = next() > 0.05;
    const status = statuses[Math.floor(next() * statuses.length)] as number;
    const priced = next() > 0.5;
    // An LLM classifier's call on some requests, priced on some of those (ADR 0091).
    const classifiedByModel = next() > 0.6;
    const classificationPriced = next() > 0.5;
    return {
      id: `req_minutes_${seed}_${index}`,
      createdAt: new Date(nowMs - Math.floor(next() * minutes * MINUTE)).toISOString(),
      endpoint: "chat.completions",
      task: "text-generation",
      requested: "auto",
      route: routed ? (next() > 0.4 ? "delivery" : "complaints") : null,
      model: routed ? `echo:${["a", "b", "c"][Math.floor(next() * 3)]}` : null,
      reason: "test",
      status,
      // From 0.005 ms (under the lowest bin), evenly in log scale.
      latencyMs: 0.005 * 10 ** (next() * decades),
      modelLatencyMs: null,
      errorCode: status === 200 ? null : "upstream_error",
      domain: null,
      inputText: "where is my parcel",
      outputText: "on its way",
      outputLabel: null,
      promptTokens: next() > 0.3 ? Math.floor(next() * 50) : null,
      completionTokens: next() > 0.3 ? Math.floor(next() * 80) : null,
      costUsd: priced ? next() / 1000 : null,
      classificationTokens: classifiedByModel ? 1 + Math.floor(next() * 40) : null,
      classificationCostUsd: classifiedByModel && classificationPriced ? next() / 5000 : null,
      decision: "{}",
    };
  });
}

function feedbackOn(rows: RequestLogRow[], nowMs: number, seed = 11): FeedbackInput[] {
  const next = random(seed);
  return rows
    .filter(() => next() < 0.3)
    .map((row) => ({
      requestId: row.id,
      // Within a few minutes of its request (but not in the future).
      createdAt: new Date(
        Math.min(nowMs, Date.parse(row.createdAt) + Math.floor(next() * 3 * MINUTE)),
      ).toISOString(),
      rating: null,
      correct: null,
      label: null,
      latencyMs: null,
      reward: next() < 0.2 ? null : next(),
    }));
}

/** The series counted from the rows themselves, as the admin side read them before ADR 0073. */
function expectedSeries(rows: RequestLogRow[], feedback: FeedbackInput[], window: SeriesWindow) {
  const bucketMs = window.bucketSeconds * 1000;
  const bucketOf = (iso: string) => {
    const at = Math.floor(Date.parse(iso) / MINUTE) * MINUTE;
    return at >= window.fromMs && at < window.toMs ? Math.floor(at / bucketMs) * bucketMs : null;
  };
  const traffic = new Map<
    string,
    {
      counts: Map<number, number>;
      errors: number;
      tokens: number;
      cost: number | null;
      classificationTokens: number;
      classificationCost: number | null;
    }
  >();
  const models = new Map<
    string,
    {
      ok: Map<number, number>;
      latencies: Map<number, number[]>;
      feedback: Map<number, number>;
      rewards: Map<number, number[]>;
    }
  >();
  const model = (key: string) => {
    let entry = models.get(key);
    if (entry === undefined) {
      entry = { ok: new Map(), latencies: new Map(), feedback: new Map(), rewards: new Map() };
      models.set(key, entry);
    }
    return entry;
  };
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const row of rows) {
    const bucket = bucketOf(row.createdAt);
    if (row.route === null || row.model === null || bucket === null) continue;
    const key = `${row.route}/${row.model}`;
    const entry = traffic.get(key) ?? {
      counts: new Map(),
      errors: 0,
      tokens: 0,
      cost: null,
      classificationTokens: 0,
      classificationCost: null,
    };
    traffic.set(key, entry);
    entry.counts.set(bucket, (entry.counts.get(bucket) ?? 0) + 1);
    if (row.status >= 400) entry.errors += 1;
    entry.tokens += (row.promptTokens ?? 0) + (row.completionTokens ?? 0);
    if (row.costUsd !== null) entry.cost = (entry.cost ?? 0) + row.costUsd;
    entry.classificationTokens += row.classificationTokens ?? 0;
    if (row.classificationCostUsd != null) {
      entry.classificationCost = (entry.classificationCost ?? 0) + row.classificationCostUsd;
    }
    if (row.status === 200) {
      const sums = model(key);
      sums.ok.set(bucket, (sums.ok.get(bucket) ?? 0) + 1);
      sums.latencies.set(bucket, [...(sums.latencies.get(bucket) ?? []), row.latencyMs]);
    }
  }
  for (const given of feedback) {
    const row = byId.get(given.requestId) as RequestLogRow;
    const bucket = bucketOf(given.createdAt);
    if (row.route === null || row.model === null || bucket === null) continue;
    const sums = model(`${row.route}/${row.model}`);
    sums.feedback.set(bucket, (sums.feedback.get(bucket) ?? 0) + 1);
    if (given.reward !== null) {
      sums.rewards.set(bucket, [...(sums.rewards.get(bucket) ?? []), given.reward]);
    }
  }
  return { traffic, models };
}

/**
 * Migrates a new log to `version` only and inserts `rows` as a server of that time logged
 * them: without the classification columns (migration 7), which the rows returned lack too.
 */
function logRowsAtSchema(
  database: StateDatabase,
  version: number,
  rows: RequestLogRow[],
): RequestLogRow[] {
  migrateComponent(
    database,
    ROUTING_COMPONENT,
    ROUTING_MIGRATIONS.filter((migration) => migration.version <= version),
  );
  const insert = database.prepare(
    `INSERT INTO routing_requests (id, created_at, endpoint, route, model, status, latency_ms,
       prompt_tokens, completion_tokens, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const logged = rows.map(
    ({ classificationTokens: _tokens, classificationCostUsd: _cost, ...row }) => row,
  );
  for (const row of logged) {
    insert.run(
      row.id,
      row.createdAt,
      row.endpoint,
      row.route,
      row.model,
      row.status,
      row.latencyMs,
      row.promptTokens,
      row.completionTokens,
      row.costUsd,
    );
  }
  return logged;
}

/** Checks the series read from the minutes against the rows'. */
async function expectSeriesOfRows(
  store: RoutingStore,
  rows: RequestLogRow[],
  feedback: FeedbackInput[],
  window: SeriesWindow,
  pageRows?: number,
) {
  const read = (sql: string, values: readonly unknown[]) => store.readLogged(sql, values);
  const options = pageRows === undefined ? {} : { pageRows };
  const expected = expectedSeries(rows, feedback, window);
  const traffic = await trafficSeries(read, window, options);
  const seen = new Set<string>();
  let classifiedRoutes = 0;
  for (const route of traffic.routes) {
    if (route.classificationTokens > 0) classifiedRoutes += 1;
    expect(route.classificationTokens).toBe(
      route.models.reduce((sum, entry) => sum + entry.classificationTokens, 0),
    );
    for (const entry of route.models) {
      const key = `${route.route}/${entry.model}`;
      seen.add(key);
      const want = expected.traffic.get(key);
      expect(want, key).toBeDefined();
      expect(entry.counts).toEqual(traffic.buckets.map((at) => want?.counts.get(at) ?? 0));
      expect(entry.errors).toBe(want?.errors);
      expect(entry.tokens).toBe(want?.tokens);
      if (want?.cost === null) expect(entry.costUsd).toBeNull();
      else expect(entry.costUsd).toBeCloseTo(want?.cost as number, 12);
      expect(entry.classificationTokens).toBe(want?.classificationTokens);
      if (want?.classificationCost === null) expect(entry.classificationCostUsd).toBeNull();
      else expect(entry.classificationCostUsd).toBeCloseTo(want?.classificationCost as number, 12);
    }
  }
  expect([...seen].sort()).toEqual([...expected.traffic.keys()].sort());
  // Rows with classification columns were summed somewhere (none before migration 7).
  const classifiedRows = rows.some((row) => (row.classificationTokens ?? 0) > 0);
  expect(classifiedRoutes > 0).toBe(classifiedRows);

  const series = await modelSeries(read, window, options);
  expect(series.models.map((entry) => `${entry.route}/${entry.model}`).sort()).toEqual(
    [...expected.models.keys()].sort(),
  );
  let checkedPercentiles = 0;
  for (const entry of series.models) {
    const want = expected.models.get(`${entry.route}/${entry.model}`);
    for (const point of entry.points) {
      expect(point.requests).toBe(want?.ok.get(point.at) ?? 0);
      expect(point.feedback).toBe(want?.feedback.get(point.at) ?? 0);
      const rewards = want?.rewards.get(point.at) ?? [];
      if (rewards.length === 0) expect(point.meanReward).toBeNull();
      else {
        expect(point.meanReward).toBeCloseTo(
          rewards.reduce((a, b) => a + b, 0) / rewards.length,
          12,
        );
      }
      const latencies = [...(want?.latencies.get(point.at) ?? [])].sort((a, b) => a - b);
      for (const [fraction, got] of [
        [0.5, point.latencyP50Ms],
        [0.95, point.latencyP95Ms],
      ] as const) {
        const exact = percentileOf(latencies, fraction);
        if (exact === null) {
          expect(got).toBeNull();
          continue;
        }
        // The middle of the bin the exact value is in: within 4.5 % of it, above the lowest bin.
        expect(got).toBe(latencyOfBin(latencyBin(exact)));
        if (exact >= 0.01) expect(Math.abs((got as number) / exact - 1)).toBeLessThan(0.045);
        checkedPercentiles += 1;
      }
    }
  }
  expect(checkedPercentiles).toBeGreaterThan(5);
}

describe("latency bins", () => {
  it("are eight to a doubling, and a bin's middle is within 4.5 % of its values", () => {
    expect(latencyBin(0.01)).toBe(0);
    expect(latencyBin(0.001)).toBe(0);
    expect(latencyBin(0.02 * 1.0001)).toBe(LATENCY_BINS_PER_DOUBLING);
    for (const value of [0.013, 0.5, 1, 7.3, 120, 4999]) {
      expect(Math.abs(latencyOfBin(latencyBin(value)) / value - 1)).toBeLessThan(0.045);
    }
  });

  it("give the nearest-rank percentile's bin", () => {
    const bins = new Map([
      [10, 3],
      [2, 1],
      [40, 1],
    ]);
    expect(binnedPercentile(bins, 0.5)).toBe(latencyOfBin(10));
    expect(binnedPercentile(bins, 0.2)).toBe(latencyOfBin(2));
    expect(binnedPercentile(bins, 0.95)).toBe(latencyOfBin(40));
    expect(binnedPercentile(new Map(), 0.5)).toBeNull();
  });

  it("refuse a bucket that is not a whole number of minutes, naming the parameter", () => {
    expect(() => seriesWindow({ minutes: 60, bucketSeconds: 90, nowMs: Date.now() })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", details: { param: "bucketSeconds" } }),
    );
  });
});

for (const backend of ["a SQLite file", "PostgreSQL"] as const) {
  describe(`the request log's minutes on ${backend}`, () => {
    const opened: { database: StateDatabase; store?: RoutingStore }[] = [];
    const open = (schema = newTestSchema()) => {
      const database =
        backend === "PostgreSQL"
          ? openStateDatabase({ path: TEST_POSTGRES_URL, env: { MODELSCOUT_STATE_SCHEMA: schema } })
          : openStateDatabase({
              path: join(mkdtempSync(join(tmpdir(), "ms-minutes-")), "state.db"),
            });
      const entry: { database: StateDatabase; store?: RoutingStore } = { database };
      opened.push(entry);
      return entry;
    };
    afterEach(() => {
      for (const { database, store } of opened.splice(0)) {
        store?.close();
        if (database.open) database.close();
      }
    });
    afterAll(() => dropTestSchemas());

    it("sum what the writer logs, feedback included, and a row logged twice once", async () => {
      const entry = open();
      const store = new RoutingStore(entry.database, { flushIntervalMs: 5, chunkRows: 7 });
      entry.store = store;
      const nowMs = Date.now();
      const rows = logRows(600, nowMs);
      for (const row of rows) store.logRequest(row);
      // A batch written twice (the writer's recovery) replaces its rows and sums nothing again.
      for (const row of rows.slice(0, 50)) store.logRequest(row);
      store.flush();
      const feedback = feedbackOn(rows, nowMs);
      for (const given of feedback) store.recordFeedback(given, true);
      expect(feedback.length).toBeGreaterThan(100);
      await expectSeriesOfRows(
        store,
        rows,
        feedback,
        seriesWindow({ minutes: 60, bucketSeconds: 60, nowMs }),
      );
      await expectSeriesOfRows(
        store,
        rows,
        feedback,
        seriesWindow({ minutes: 60, bucketSeconds: 600, nowMs }),
      );
      // Whole hours: the latency bins summed per hour.
      await expectSeriesOfRows(
        store,
        rows,
        feedback,
        seriesWindow({ minutes: 120, bucketSeconds: 3600, nowMs }),
      );
    });

    it("are read a page at a time, each going on after the last key of the one before", async () => {
      const entry = open();
      const store = new RoutingStore(entry.database, { flushIntervalMs: 5 });
      entry.store = store;
      const nowMs = Date.now();
      // Dense: every minute, route and model has most of its 16 or so latency bins.
      const rows = logRows(1500, nowMs, 13, { minutes: 4, decades: 0.6 });
      for (const row of rows) store.logRequest(row);
      const feedback = feedbackOn(rows, nowMs, 17);
      for (const given of feedback) store.recordFeedback(given, true);
      const window = seriesWindow({ minutes: 10, bucketSeconds: 60, nowMs });
      const hours = seriesWindow({ minutes: 60, bucketSeconds: 3600, nowMs });
      for (const pageRows of [7, 16, 1000]) {
        await expectSeriesOfRows(store, rows, feedback, window, pageRows);
        await expectSeriesOfRows(store, rows, feedback, hours, pageRows);
      }
    });

    it.runIf(backend === "PostgreSQL")(
      "are read without blocking the event loop, after the rows this server logged",
      async () => {
        const entry = open();
        const postgres = postgresState(entry.database) as PostgresStateDatabase;
        const store = new RoutingStore(entry.database, { flushIntervalMs: 60_000 });
        entry.store = store;
        const nowMs = Date.now();
        const rows = logRows(120, nowMs, 21);
        // Still queued in this server when the series are asked for (a long flush interval).
        for (const row of rows) store.logRequest(row);
        const before = postgres.roundTrips;
        let first = true;
        const read = (sql: string, values: readonly unknown[]) => {
          const afterLogged = first;
          first = false;
          return store.readLogged(sql, values, afterLogged);
        };
        const window = seriesWindow({ minutes: 60, bucketSeconds: 60, nowMs });
        const traffic = await trafficSeries(read, window, { pageRows: 5 });
        expect(postgres.roundTrips).toBe(before);
        const routed = rows.filter((row) => row.route !== null && row.model !== null);
        const counted = traffic.routes.reduce((sum, route) => sum + route.total, 0);
        expect(counted).toBe(routed.length);
      },
    );

    it("are summed from the rows a log held before it had them (the migration)", async () => {
      const entry = open();
      const { database } = entry;
      const nowMs = Date.now();
      const rows = logRowsAtSchema(database, 3, logRows(300, nowMs, 5));
      const feedback = feedbackOn(rows, nowMs, 3);
      const insertFeedback = database.prepare(
        "INSERT INTO routing_feedback (request_id, created_at, reward) VALUES (?, ?, ?)",
      );
      for (const given of feedback)
        insertFeedback.run(given.requestId, given.createdAt, given.reward);
      const store = new RoutingStore(database, { flushIntervalMs: 5 });
      entry.store = store;
      await expectSeriesOfRows(
        store,
        rows,
        feedback,
        seriesWindow({ minutes: 60, bucketSeconds: 300, nowMs }),
      );
      await expectSeriesOfRows(
        store,
        rows,
        feedback,
        seriesWindow({ minutes: 120, bucketSeconds: 3600, nowMs }),
      );
    });

    it("go on summing into a log's minutes upgraded to classification columns (migration 7)", async () => {
      const entry = open();
      const { database } = entry;
      const nowMs = Date.now();
      // Summed by schema 6's trigger.
      const before = logRowsAtSchema(database, 6, logRows(300, nowMs, 23, { minutes: 10 }));
      // The store upgrades the log, then the writer logs rows into the same minutes.
      const store = new RoutingStore(database, { flushIntervalMs: 5 });
      entry.store = store;
      const after = logRows(300, nowMs, 29, { minutes: 10 });
      for (const row of after) store.logRequest(row);
      store.flush();
      await expectSeriesOfRows(
        store,
        [...before, ...after],
        [],
        seriesWindow({ minutes: 15, bucketSeconds: 60, nowMs }),
      );
    });

    it("go with the rows past the retention, the cutoff's minute and hour kept", async () => {
      const entry = open();
      const store = new RoutingStore(entry.database, { flushIntervalMs: 5 });
      entry.store = store;
      const nowMs = Date.now();
      // Over three hours, the cutoff halfway: some hours wholly before it.
      const cutoffMs = nowMs - 90 * MINUTE;
      const cutoffMinute = Math.floor(cutoffMs / MINUTE) * MINUTE;
      const cutoffHour = Math.floor(cutoffMs / 3_600_000) * 3_600_000;
      const answered = logRows(1, nowMs, 9)[0] as RequestLogRow;
      const rows = [
        ...logRows(300, nowMs, 9, { minutes: 180 }),
        // Before the cutoff, in its minute and in its hour: their rows go, their sums stay.
        {
          ...answered,
          id: "req_cutoff_minute",
          route: "delivery",
          model: "echo:a",
          status: 200,
          createdAt: new Date(cutoffMinute).toISOString(),
        },
        {
          ...answered,
          id: "req_cutoff_hour",
          route: "delivery",
          model: "echo:a",
          status: 200,
          createdAt: new Date(cutoffHour).toISOString(),
        },
      ];
      for (const row of rows) store.logRequest(row);
      store.flush();
      const retention = startRequestLogRetention(entry.database, {
        days: 1,
        firstAfterMs: 3_600_000,
        now: () => cutoffMs + 86_400_000,
        pauseMs: 0,
      });
      try {
        await retention.prune();
      } finally {
        await retention.stop();
      }
      const minutes = (await store.readLogged(
        "SELECT minute FROM routing_minutes UNION ALL SELECT minute FROM routing_latency_minutes",
        [],
      )) as { minute: number }[];
      expect(minutes.length).toBeGreaterThan(0);
      expect(Math.min(...minutes.map((row) => row.minute))).toBe(cutoffMinute);
      const hours = (await store.readLogged("SELECT hour FROM routing_latency_hours", [])) as {
        hour: number;
      }[];
      expect(Math.min(...hours.map((row) => row.hour))).toBe(cutoffHour);
      // What is left sums the rows left (those of the cutoff's minute included).
      const kept = rows.filter((row) => Date.parse(row.createdAt) >= cutoffMinute);
      const keptRows = (await store.readLogged("SELECT id FROM routing_requests", [])) as {
        id: string;
      }[];
      expect(keptRows.length).toBeLessThanOrEqual(kept.length);
      await expectSeriesOfRows(
        store,
        kept,
        [],
        seriesWindow({ minutes: 60, bucketSeconds: 60, nowMs }),
      );
    });
  });
}
