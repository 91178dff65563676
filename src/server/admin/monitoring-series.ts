/**
 * @module
 * Time series for the admin API and the dashboard, read from the routing tables of the state
 * database (`route/routing-store.ts`): traffic per route and model in time buckets (how the
 * traffic share moves), and per route and model the mean feedback reward and the latency
 * percentiles per bucket (how quality and latency move). Buckets are aligned to multiples of
 * the bucket size since the epoch, so two reads of the same window line up.
 *
 * Counting is done in SQL (`GROUP BY` on the bucket); percentiles need the values, so latency
 * rows are read for the window, newest first, at most `maxLatencyRows` of them.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { StateDatabase } from "../../state/state-database.js";

export interface SeriesWindow {
  /** Inclusive start and exclusive end, epoch milliseconds. */
  fromMs: number;
  toMs: number;
  /** Bucket width in seconds (whole seconds: the log's times are bucketed in SQL). */
  bucketSeconds: number;
}

export interface TrafficSeries {
  window: SeriesWindow;
  /** Bucket start times, epoch milliseconds, oldest first (every bucket of the window). */
  buckets: number[];
  routes: {
    route: string;
    total: number;
    errors: number;
    /** Tokens read and written, of answers whose model server reported them. */
    tokens: number;
    /** US dollars, of answers from models with a declared price; null when none had one. */
    costUsd: number | null;
    models: {
      model: string;
      total: number;
      /** Of the route's requests in the window, 0..1. */
      share: number;
      errors: number;
      tokens: number;
      costUsd: number | null;
      /** Requests per bucket, aligned with `buckets`. */
      counts: number[];
    }[];
  }[];
}

export interface ModelSeriesPoint {
  /** Bucket start, epoch milliseconds. */
  at: number;
  requests: number;
  feedback: number;
  /** Mean reward 0..1 of the bucket's feedback with a quality signal; null when none. */
  meanReward: number | null;
  /** Of successful requests (status 200); null when none. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface ModelSeries {
  window: SeriesWindow;
  buckets: number[];
  models: {
    route: string;
    model: string;
    requests: number;
    feedback: number;
    meanReward: number | null;
    points: ModelSeriesPoint[];
  }[];
}

const MAX_BUCKETS = 2000;

/** A window of `minutes` ending now (rounded up to the next bucket), validated. */
export function seriesWindow(options: {
  minutes: number;
  bucketSeconds: number;
  nowMs: number;
}): SeriesWindow {
  const { minutes, bucketSeconds, nowMs } = options;
  if (!Number.isInteger(bucketSeconds) || bucketSeconds <= 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `bucket_seconds must be a positive whole number (got ${bucketSeconds})`,
      { details: { param: "bucket_seconds" } },
    );
  }
  if (!(minutes > 0)) {
    throw new ModelScoutError("INVALID_ARGUMENT", `minutes must be > 0 (got ${minutes})`, {
      details: { param: "minutes" },
    });
  }
  const bucketMs = bucketSeconds * 1000;
  const toMs = Math.floor(nowMs / bucketMs) * bucketMs + bucketMs;
  const fromMs = Math.max(0, toMs - Math.ceil((minutes * 60_000) / bucketMs) * bucketMs);
  if ((toMs - fromMs) / bucketMs > MAX_BUCKETS) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `A window of ${minutes} minutes in ${bucketSeconds}-second buckets has more than ${MAX_BUCKETS} buckets; use wider buckets.`,
      { details: { param: "bucket_seconds" } },
    );
  }
  return { fromMs, toMs, bucketSeconds };
}

function bucketStarts(window: SeriesWindow): number[] {
  const bucketMs = window.bucketSeconds * 1000;
  const starts: number[] = [];
  for (let at = window.fromMs; at < window.toMs; at += bucketMs) starts.push(at);
  return starts;
}

// better-sqlite3 binds JS numbers as REAL; the casts keep the division whole.
const BUCKET_SQL = (column: string) =>
  `(CAST(strftime('%s', ${column}) AS INTEGER) / CAST(@bucketSeconds AS INTEGER)) * CAST(@bucketSeconds AS INTEGER) * 1000`;

function bounds(window: SeriesWindow) {
  return {
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    bucketSeconds: window.bucketSeconds,
  };
}

/** Requests per route and model per bucket (routed requests only). */
export function trafficSeries(database: StateDatabase, window: SeriesWindow): TrafficSeries {
  const buckets = bucketStarts(window);
  const index = new Map(buckets.map((at, position) => [at, position]));
  const rows = database
    .prepare<
      Record<string, unknown>,
      {
        route: string;
        model: string;
        bucket: number;
        requests: number;
        errors: number;
        tokens: number;
        cost_usd: number | null;
      }
    >(
      `SELECT route, model, ${BUCKET_SQL("created_at")} AS bucket, COUNT(*) AS requests,
         SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
         COALESCE(SUM(prompt_tokens), 0) + COALESCE(SUM(completion_tokens), 0) AS tokens, SUM(cost_usd) AS cost_usd
       FROM routing_requests
       WHERE created_at >= @from AND created_at < @to AND route IS NOT NULL AND model IS NOT NULL
       GROUP BY route, model, bucket`,
    )
    .all(bounds(window));
  const routes = new Map<
    string,
    Map<string, { counts: number[]; errors: number; tokens: number; costUsd: number | null }>
  >();
  for (const row of rows) {
    const position = index.get(row.bucket);
    if (position === undefined) continue;
    const models = routes.get(row.route) ?? new Map();
    routes.set(row.route, models);
    const series = models.get(row.model) ?? {
      counts: new Array<number>(buckets.length).fill(0),
      errors: 0,
      tokens: 0,
      costUsd: null,
    };
    models.set(row.model, series);
    series.counts[position] = (series.counts[position] as number) + row.requests;
    series.errors += row.errors;
    series.tokens += row.tokens;
    if (row.cost_usd !== null) series.costUsd = (series.costUsd ?? 0) + row.cost_usd;
  }
  return {
    window,
    buckets,
    routes: [...routes.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, models]) => {
        const entries = [...models.entries()].map(([model, series]) => ({
          model,
          total: series.counts.reduce((sum, count) => sum + count, 0),
          errors: series.errors,
          tokens: series.tokens,
          costUsd: series.costUsd,
          counts: series.counts,
        }));
        const total = entries.reduce((sum, entry) => sum + entry.total, 0);
        const priced = entries.filter((entry) => entry.costUsd !== null);
        return {
          route,
          total,
          errors: entries.reduce((sum, entry) => sum + entry.errors, 0),
          tokens: entries.reduce((sum, entry) => sum + entry.tokens, 0),
          costUsd:
            priced.length === 0
              ? null
              : priced.reduce((sum, entry) => sum + (entry.costUsd as number), 0),
          models: entries
            .map((entry) => ({ share: total === 0 ? 0 : entry.total / total, ...entry }))
            .sort((a, b) => b.total - a.total || a.model.localeCompare(b.model)),
        };
      }),
  };
}

/** The value below which `fraction` of the sorted values fall (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

/** Feedback reward and latency percentiles per route and model per bucket. */
export function modelSeries(
  database: StateDatabase,
  window: SeriesWindow,
  options: { maxLatencyRows?: number } = {},
): ModelSeries {
  const buckets = bucketStarts(window);
  const index = new Map(buckets.map((at, position) => [at, position]));
  const parameters = bounds(window);
  type Accumulator = {
    requests: number[];
    latencies: number[][];
    feedback: number[];
    rewardSum: number[];
    rewardCount: number[];
  };
  const series = new Map<string, { route: string; model: string; data: Accumulator }>();
  const accumulator = (route: string, model: string): Accumulator => {
    const key = `${route}\u0000${model}`;
    let entry = series.get(key);
    if (entry === undefined) {
      const zeros = () => new Array<number>(buckets.length).fill(0);
      entry = {
        route,
        model,
        data: {
          requests: zeros(),
          latencies: buckets.map(() => []),
          feedback: zeros(),
          rewardSum: zeros(),
          rewardCount: zeros(),
        },
      };
      series.set(key, entry);
    }
    return entry.data;
  };

  const latencyRows = database
    .prepare<
      Record<string, unknown>,
      { route: string; model: string; bucket: number; latency_ms: number }
    >(
      `SELECT route, model, ${BUCKET_SQL("created_at")} AS bucket, latency_ms
       FROM routing_requests
       WHERE created_at >= @from AND created_at < @to AND route IS NOT NULL AND model IS NOT NULL
         AND status = 200
       ORDER BY created_at DESC LIMIT @limit`,
    )
    .all({ limit: options.maxLatencyRows ?? 100_000, ...parameters });
  for (const row of latencyRows) {
    const position = index.get(row.bucket);
    if (position === undefined) continue;
    const data = accumulator(row.route, row.model);
    data.requests[position] = (data.requests[position] as number) + 1;
    (data.latencies[position] as number[]).push(row.latency_ms);
  }

  const feedbackRows = database
    .prepare<
      Record<string, unknown>,
      {
        route: string;
        model: string;
        bucket: number;
        feedback: number;
        rewards: number;
        reward_sum: number | null;
      }
    >(
      `SELECT r.route AS route, r.model AS model, ${BUCKET_SQL("f.created_at")} AS bucket,
         COUNT(*) AS feedback, COUNT(f.reward) AS rewards, SUM(f.reward) AS reward_sum
       FROM routing_feedback f JOIN routing_requests r ON r.id = f.request_id
       WHERE f.created_at >= @from AND f.created_at < @to AND r.route IS NOT NULL AND r.model IS NOT NULL
       GROUP BY r.route, r.model, bucket`,
    )
    .all(parameters);
  for (const row of feedbackRows) {
    const position = index.get(row.bucket);
    if (position === undefined) continue;
    const data = accumulator(row.route, row.model);
    data.feedback[position] = (data.feedback[position] as number) + row.feedback;
    data.rewardSum[position] = (data.rewardSum[position] as number) + (row.reward_sum ?? 0);
    data.rewardCount[position] = (data.rewardCount[position] as number) + row.rewards;
  }

  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return {
    window,
    buckets,
    models: [...series.values()]
      .sort((a, b) => a.route.localeCompare(b.route) || a.model.localeCompare(b.model))
      .map(({ route, model, data }) => {
        const rewardCount = sum(data.rewardCount);
        return {
          route,
          model,
          requests: sum(data.requests),
          feedback: sum(data.feedback),
          meanReward: rewardCount === 0 ? null : sum(data.rewardSum) / rewardCount,
          points: buckets.map((at, position) => {
            const latencies = [...(data.latencies[position] as number[])].sort((a, b) => a - b);
            const count = data.rewardCount[position] as number;
            return {
              at,
              requests: data.requests[position] as number,
              feedback: data.feedback[position] as number,
              meanReward: count === 0 ? null : (data.rewardSum[position] as number) / count,
              latencyP50Ms: percentile(latencies, 0.5),
              latencyP95Ms: percentile(latencies, 0.95),
            };
          }),
        };
      }),
  };
}
