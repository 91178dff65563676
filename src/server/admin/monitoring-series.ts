/**
 * @module
 * Time series for the admin API and the dashboard, read from the request log's sums per
 * minute (`route/request-log-minutes.ts`, ADR 0073): traffic per route and model in time
 * buckets (how the traffic share moves), and per route and model the mean feedback reward and
 * the latency percentiles per bucket (how quality and latency move). Buckets are whole
 * minutes, aligned to multiples of the bucket size since the epoch, so two reads of the same
 * window line up. A series reads its window's minutes, however many requests they sum, and
 * its percentiles from latency bins (within 4.5 % of the exact value).
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { binnedPercentile, HOUR_MS, MINUTE_MS } from "../../route/request-log-minutes.js";

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
    /**
     * Tokens of the route's requests' classification steps' model calls (an LLM classifier,
     * an embedding server), apart from the answers' (ADR 0091). Requests logged before
     * routing migration 7 count none.
     */
    classificationTokens: number;
    /** What those calls cost in US dollars, of priced step models; null when none was. */
    classificationCostUsd: number | null;
    models: {
      model: string;
      total: number;
      /** Of the route's requests in the window, 0..1. */
      share: number;
      errors: number;
      tokens: number;
      costUsd: number | null;
      /** Of the requests this model answered on the route (the route's classification calls). */
      classificationTokens: number;
      classificationCostUsd: number | null;
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
  if (
    !Number.isInteger(bucketSeconds) ||
    bucketSeconds <= 0 ||
    (bucketSeconds * 1000) % MINUTE_MS !== 0
  ) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `bucketSeconds must be a whole number of minutes in seconds (60, 300, 3600...): the series are summed per minute (got ${bucketSeconds})`,
      { details: { param: "bucketSeconds" } },
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
      { details: { param: "bucketSeconds" } },
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

/**
 * Reads rows for a series: `sql` with positional parameters; the first read of a series sees
 * the rows this server has logged so far (`RoutingStore.readLogged`). Awaited on
 * PostgreSQL, so a dashboard's refresh holds no request behind a round trip.
 */
export type SeriesReader = (
  sql: string,
  values: readonly unknown[],
) => Promise<Record<string, unknown>[]>;

/** Rows per read: a page of minutes costs SQLite a few milliseconds of the event loop. */
export const SERIES_PAGE_ROWS = 4000;

export interface SeriesOptions {
  /** Rows per read (default `SERIES_PAGE_ROWS`). */
  pageRows?: number;
}

interface MinuteRow {
  minute: number;
  route: string;
  model: string;
  requests: number;
  ok: number;
  errors: number;
  tokens: number;
  cost_usd: number | null;
  feedback: number;
  rewards: number;
  reward_sum: number;
  classification_tokens: number;
  classification_cost_usd: number | null;
}

interface LatencyRow {
  minute: number;
  route: string;
  model: string;
  bin: number;
  count: number;
}

// Pages in key order, each after the last key read (a keyset: no page rereads the ones
// before); `ORDER BY` is the key's, so both databases walk the primary key and sort nothing.
const MINUTES_PAGE_SQL = `SELECT minute, route, model, requests, ok, errors, tokens, cost_usd,
    feedback, rewards, reward_sum, classification_tokens, classification_cost_usd
  FROM routing_minutes
  WHERE minute < ? AND (minute, route, model) > (?, ?, ?)
  ORDER BY minute, route, model LIMIT ?`;
const LATENCY_PAGE_SQL = `SELECT minute, route, model, bin, count
  FROM routing_latency_minutes
  WHERE minute < ? AND (minute, route, model, bin) > (?, ?, ?, ?)
  ORDER BY minute, route, model, bin LIMIT ?`;
/** Buckets of whole hours read the latency bins summed per hour: a 60th of the rows. */
const LATENCY_HOURS_PAGE_SQL = `SELECT hour AS minute, route, model, bin, count
  FROM routing_latency_hours
  WHERE hour < ? AND (hour, route, model, bin) > (?, ?, ?, ?)
  ORDER BY hour, route, model, bin LIMIT ?`;

/**
 * Every row of the window's minutes, a page at a time, the event loop let go between pages
 * (on SQLite each read is synchronous: a window of many minutes, routes, models and latency
 * bins is read without holding requests behind all of it). `first` is the key before the
 * window's first row.
 */
async function readMinutes<Row>(
  read: SeriesReader,
  sql: string,
  window: SeriesWindow,
  first: unknown[],
  key: (row: Row) => unknown[],
  each: (row: Row) => void,
  pageRows = SERIES_PAGE_ROWS,
): Promise<void> {
  let after = first;
  for (;;) {
    const rows = (await read(sql, [window.toMs, ...after, pageRows])) as unknown as Row[];
    for (const row of rows) each(row);
    const last = rows[rows.length - 1];
    if (rows.length < pageRows || last === undefined) return;
    after = key(last);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const minuteKey = (row: MinuteRow) => [row.minute, row.route, row.model];
const latencyKey = (row: LatencyRow) => [row.minute, row.route, row.model, row.bin];
/** The keys just before the window's first minute (every route name sorts after ""). */
const beforeMinutes = (window: SeriesWindow) => [window.fromMs - 1, "", ""];
const beforeLatencies = (window: SeriesWindow) => [window.fromMs - 1, "", "", -1];

/** The position in the window of the bucket `minute` (epoch ms, in the window) falls in. */
function bucketOf(window: SeriesWindow, minute: number): number {
  return Math.floor((minute - window.fromMs) / (window.bucketSeconds * 1000));
}

/** A sum of costs that stays null until one is known (unpriced answers have none). */
function addCost(sum: number | null, cost: number | null): number | null {
  return cost === null ? sum : (sum ?? 0) + cost;
}

/** Requests per route and model per bucket (routed requests only). */
export async function trafficSeries(
  read: SeriesReader,
  window: SeriesWindow,
  options: SeriesOptions = {},
): Promise<TrafficSeries> {
  const buckets = bucketStarts(window);
  type Sums = {
    counts: number[];
    errors: number;
    tokens: number;
    costUsd: number | null;
    classificationTokens: number;
    classificationCostUsd: number | null;
  };
  const routes = new Map<string, Map<string, Sums>>();
  await readMinutes(
    read,
    MINUTES_PAGE_SQL,
    window,
    beforeMinutes(window),
    minuteKey,
    (row: MinuteRow) => {
      // A minute with feedback only is no traffic.
      if (row.requests === 0) return;
      const position = bucketOf(window, row.minute);
      const models = routes.get(row.route) ?? new Map();
      routes.set(row.route, models);
      const series: Sums = models.get(row.model) ?? {
        counts: new Array<number>(buckets.length).fill(0),
        errors: 0,
        tokens: 0,
        costUsd: null,
        classificationTokens: 0,
        classificationCostUsd: null,
      };
      models.set(row.model, series);
      series.counts[position] = (series.counts[position] as number) + row.requests;
      series.errors += row.errors;
      series.tokens += row.tokens;
      series.costUsd = addCost(series.costUsd, row.cost_usd);
      series.classificationTokens += row.classification_tokens;
      series.classificationCostUsd = addCost(
        series.classificationCostUsd,
        row.classification_cost_usd,
      );
    },
    options.pageRows,
  );
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
          classificationTokens: series.classificationTokens,
          classificationCostUsd: series.classificationCostUsd,
          counts: series.counts,
        }));
        const total = entries.reduce((sum, entry) => sum + entry.total, 0);
        return {
          route,
          total,
          errors: entries.reduce((sum, entry) => sum + entry.errors, 0),
          tokens: entries.reduce((sum, entry) => sum + entry.tokens, 0),
          costUsd: entries.reduce<number | null>((sum, entry) => addCost(sum, entry.costUsd), null),
          classificationTokens: entries.reduce((sum, entry) => sum + entry.classificationTokens, 0),
          classificationCostUsd: entries.reduce<number | null>(
            (sum, entry) => addCost(sum, entry.classificationCostUsd),
            null,
          ),
          models: entries
            .map((entry) => ({ share: total === 0 ? 0 : entry.total / total, ...entry }))
            .sort((a, b) => b.total - a.total || a.model.localeCompare(b.model)),
        };
      }),
  };
}

/** Feedback reward and the latency percentiles of successful requests per route and model per bucket. */
export async function modelSeries(
  read: SeriesReader,
  window: SeriesWindow,
  options: SeriesOptions = {},
): Promise<ModelSeries> {
  const buckets = bucketStarts(window);
  type Accumulator = {
    requests: number[];
    latencyBins: Map<number, number>[];
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
          latencyBins: buckets.map(() => new Map()),
          feedback: zeros(),
          rewardSum: zeros(),
          rewardCount: zeros(),
        },
      };
      series.set(key, entry);
    }
    return entry.data;
  };
  const sumsOf = (row: MinuteRow) => {
    if (row.ok === 0 && row.feedback === 0) return;
    const position = bucketOf(window, row.minute);
    const data = accumulator(row.route, row.model);
    data.requests[position] = (data.requests[position] as number) + row.ok;
    data.feedback[position] = (data.feedback[position] as number) + row.feedback;
    data.rewardSum[position] = (data.rewardSum[position] as number) + row.reward_sum;
    data.rewardCount[position] = (data.rewardCount[position] as number) + row.rewards;
  };
  const first = beforeMinutes(window);
  await readMinutes(read, MINUTES_PAGE_SQL, window, first, minuteKey, sumsOf, options.pageRows);
  const binsOf = (row: LatencyRow) => {
    const position = bucketOf(window, row.minute);
    const counts = accumulator(row.route, row.model).latencyBins[position] as Map<number, number>;
    counts.set(row.bin, (counts.get(row.bin) ?? 0) + row.count);
  };
  const firstBin = beforeLatencies(window);
  // A window of whole-hour buckets starts on an hour (it is aligned to its buckets).
  const hourly = (window.bucketSeconds * 1000) % HOUR_MS === 0;
  const latencySql = hourly ? LATENCY_HOURS_PAGE_SQL : LATENCY_PAGE_SQL;
  await readMinutes(read, latencySql, window, firstBin, latencyKey, binsOf, options.pageRows);

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
            const latencies = data.latencyBins[position] as Map<number, number>;
            const count = data.rewardCount[position] as number;
            return {
              at,
              requests: data.requests[position] as number,
              feedback: data.feedback[position] as number,
              meanReward: count === 0 ? null : (data.rewardSum[position] as number) / count,
              latencyP50Ms: binnedPercentile(latencies, 0.5),
              latencyP95Ms: binnedPercentile(latencies, 0.95),
            };
          }),
        };
      }),
  };
}
