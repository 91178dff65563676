/**
 * @module
 * What the routing server's request log says of a time window, per route and model: requests
 * and errors, latency percentiles of the answered ones, the feedback and its mean reward, and
 * the tokens and cost of the answers (ADR 0050), and apart from them what the classification
 * steps' model calls reported and cost, per step model (ADR 0090). For `modelscout requests`, which reads the
 * state database beside a running server (SQLite's WAL lets it), and for anyone reporting on
 * routing without the dashboard. Counted in SQL; the percentiles are nearest-rank, per group,
 * by a window function, so no latency leaves the database.
 */
import type { StateDatabase } from "../state/state-database.js";
import {
  type LoggedClassificationFields,
  loggedClassificationSpends,
} from "./logged-classification-spend.js";

export interface RequestLogSummaryOptions {
  /** ISO times: rows created at or after `from` and before `to`. */
  from: string;
  to: string;
  /** Only this route. */
  route?: string;
}

export interface RouteModelSummary {
  route: string;
  model: string;
  requests: number;
  /** Answered with a status of 400 or more. */
  errors: number;
  /** Of the requests answered 200; null when none was. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  feedback: number;
  /** Mean reward 0..1 of the feedback with a quality signal; null when none had one. */
  meanReward: number | null;
  /** Tokens read and written, of answers whose model server reported them. */
  tokens: number;
  /** US dollars, of answers from models with a declared price; null when none had one. */
  costUsd: number | null;
}

/**
 * What classification steps' model calls reported over the window, per step model (ADR 0090):
 * not in the routes' tokens and cost, which are the answering models'.
 */
export interface ClassificationModelSummary {
  model: string;
  /** Calls that reported tokens (a batch's call counts once per text it classified). */
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** US dollars, of the calls whose model declares a price; null when none did. */
  costUsd: number | null;
}

export interface RequestLogSummary {
  from: string;
  to: string;
  routes: RouteModelSummary[];
  /** Requests refused before a model was chosen (no route or no model in the row). */
  unrouted: number;
  /** By step model, the most costly first, then by calls; empty when no step reported tokens. */
  classification: ClassificationModelSummary[];
}

const SUMMARY_SQL = `
  WITH window_rows AS (
    SELECT id, route, model, status, latency_ms, prompt_tokens, completion_tokens, cost_usd
    FROM routing_requests
    WHERE created_at >= @from AND created_at < @to AND route IS NOT NULL AND model IS NOT NULL
      AND (CAST(@route AS TEXT) IS NULL OR route = @route)
  ),
  answered AS (
    SELECT route, model, latency_ms,
      ROW_NUMBER() OVER (PARTITION BY route, model ORDER BY latency_ms) AS rank,
      COUNT(*) OVER (PARTITION BY route, model) AS total
    FROM window_rows WHERE status = 200
  ),
  percentiles AS (
    SELECT route, model,
      MIN(CASE WHEN rank * 100 >= total * 50 THEN latency_ms END) AS p50,
      MIN(CASE WHEN rank * 100 >= total * 95 THEN latency_ms END) AS p95
    FROM answered GROUP BY route, model
  ),
  feedback AS (
    SELECT w.route, w.model, COUNT(*) AS feedback, AVG(f.reward) AS mean_reward
    FROM routing_feedback f JOIN window_rows w ON w.id = f.request_id
    GROUP BY w.route, w.model
  )
  SELECT w.route AS route, w.model AS model, COUNT(*) AS requests,
    SUM(CASE WHEN w.status >= 400 THEN 1 ELSE 0 END) AS errors,
    MAX(p.p50) AS p50, MAX(p.p95) AS p95,
    COALESCE(MAX(f.feedback), 0) AS feedback, MAX(f.mean_reward) AS mean_reward,
    COALESCE(SUM(w.prompt_tokens), 0) + COALESCE(SUM(w.completion_tokens), 0) AS tokens,
    SUM(w.cost_usd) AS cost_usd
  FROM window_rows w
    LEFT JOIN percentiles p ON p.route = w.route AND p.model = w.model
    LEFT JOIN feedback f ON f.route = w.route AND f.model = w.model
  GROUP BY w.route, w.model
  ORDER BY w.route, requests DESC, w.model`;

/**
 * The window's rows whose decision holds a classification call's usage (only a model step
 * that reported tokens writes `"usage":{`; the answer's own usage is in columns, not there).
 */
const CLASSIFICATION_SQL = `SELECT id, decision FROM routing_requests
  WHERE created_at >= @from AND created_at < @to AND decision LIKE '%"usage":{%'
    AND (CAST(@route AS TEXT) IS NULL OR route = @route)`;

const UNROUTED_SQL = `SELECT COUNT(*) AS n FROM routing_requests
  WHERE created_at >= @from AND created_at < @to AND (route IS NULL OR model IS NULL)
    AND (CAST(@route AS TEXT) IS NULL OR route = @route)`;

/** The window's requests per route and model (routes by name, the busiest model first). */
export function summarizeRequestLog(
  database: StateDatabase,
  options: RequestLogSummaryOptions,
): RequestLogSummary {
  const parameters = { from: options.from, to: options.to, route: options.route ?? null };
  const rows = database.prepare(SUMMARY_SQL).all(parameters) as {
    route: string;
    model: string;
    requests: number;
    errors: number;
    p50: number | null;
    p95: number | null;
    feedback: number;
    mean_reward: number | null;
    tokens: number;
    cost_usd: number | null;
  }[];
  const unrouted = database.prepare(UNROUTED_SQL).get(parameters) as { n: number };
  return {
    from: options.from,
    to: options.to,
    routes: rows.map((row) => ({
      route: row.route,
      model: row.model,
      requests: row.requests,
      errors: row.errors,
      latencyP50Ms: row.p50,
      latencyP95Ms: row.p95,
      feedback: row.feedback,
      meanReward: row.mean_reward,
      tokens: row.tokens,
      costUsd: row.cost_usd,
    })),
    unrouted: unrouted.n,
    classification: summarizeClassification(
      database.prepare(CLASSIFICATION_SQL).all(parameters) as { id: string; decision: string }[],
    ),
  };
}

/** Sums the classification calls each row accounts for (`loggedClassificationSpends`). */
function summarizeClassification(
  rows: readonly { id: string; decision: string }[],
): ClassificationModelSummary[] {
  const byModel = new Map<string, ClassificationModelSummary>();
  for (const row of rows) {
    let logged: LoggedClassificationFields;
    try {
      logged = JSON.parse(row.decision) as LoggedClassificationFields;
    } catch {
      continue;
    }
    for (const spend of loggedClassificationSpends(row.id, logged)) {
      if (spend.usage === undefined) continue;
      const model = spend.model ?? "unknown";
      let entry = byModel.get(model);
      if (entry === undefined) {
        entry = { model, calls: 0, promptTokens: 0, completionTokens: 0, costUsd: null };
        byModel.set(model, entry);
      }
      entry.calls += 1;
      entry.promptTokens += spend.usage.prompt_tokens ?? 0;
      entry.completionTokens += spend.usage.completion_tokens ?? 0;
      if (spend.cost_usd !== undefined) entry.costUsd = (entry.costUsd ?? 0) + spend.cost_usd;
    }
  }
  return [...byModel.values()].sort(
    (a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || b.calls - a.calls,
  );
}
