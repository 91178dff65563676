/**
 * @module
 * A request-log summary as text (`modelscout requests`, the agent tools' `traffic_summary`),
 * and the "since" a reader names its window by: a duration back from now or an ISO time.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import {
  formatCount,
  formatMs,
  formatTable,
  formatUsd,
  formatUtcSeconds,
} from "../text/format-table.js";
import type { RequestLogSummary } from "./request-log-summary.js";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `value` (a duration back from `nowMs`: `30m`, `24h`, `7d`; or an ISO time; `24h` when
 * undefined) as an ISO time; a wrong value is refused naming `optionName`.
 */
export function sinceTime(
  value: string | undefined,
  nowMs: number,
  optionName = "--since",
): string {
  const text = value ?? "24h";
  const duration = /^(\d+(?:\.\d+)?)([mhd])$/.exec(text);
  if (duration !== null) {
    const amount = Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
    return new Date(nowMs - amount).toISOString();
  }
  const at = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(at)) return new Date(at).toISOString();
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `${optionName} must be a duration such as 30m, 24h or 7d, or an ISO time such as 2026-12-01T00:00:00Z (got "${text}").`,
    { details: { [optionName]: text } },
  );
}

/** The summary as `modelscout requests` prints it: a table per route and model, then the classification steps' calls. */
export function renderRequestLogSummary(
  result: RequestLogSummary,
  window: { from: string; route?: string },
): string {
  const since = `since ${formatUtcSeconds(window.from)} UTC`;
  if (result.routes.length === 0) {
    return `No routed requests ${since}${window.route === undefined ? "" : ` on route ${window.route}`}${result.unrouted > 0 ? ` (${result.unrouted} refused before routing)` : ""}.\n`;
  }
  let text = `Routed requests ${since}${result.unrouted > 0 ? `; ${result.unrouted} more refused before routing` : ""}:\n${formatTable(
    result.routes,
    [
      { header: "route", value: (row) => row.route, maxWidth: 24 },
      { header: "model", value: (row) => row.model, maxWidth: 48 },
      { header: "requests", value: (row) => formatCount(row.requests), align: "right" },
      { header: "errors", value: (row) => formatCount(row.errors), align: "right" },
      {
        header: "p50",
        value: (row) => (row.latencyP50Ms === null ? "-" : formatMs(row.latencyP50Ms)),
        align: "right",
      },
      {
        header: "p95",
        value: (row) => (row.latencyP95Ms === null ? "-" : formatMs(row.latencyP95Ms)),
        align: "right",
      },
      { header: "feedback", value: (row) => formatCount(row.feedback), align: "right" },
      {
        header: "reward",
        value: (row) => (row.meanReward === null ? "-" : row.meanReward.toFixed(2)),
        align: "right",
      },
      { header: "tokens", value: (row) => formatCount(row.tokens), align: "right" },
      { header: "cost", value: (row) => formatUsd(row.costUsd), align: "right" },
    ],
  )}\n`;
  if (result.classification.length > 0) {
    text += `\nClassification steps' model calls (not in the tokens and cost above, which are the answers'):\n${formatTable(
      result.classification,
      [
        { header: "model", value: (row) => row.model, maxWidth: 48 },
        { header: "calls", value: (row) => formatCount(row.calls), align: "right" },
        {
          header: "tokens",
          value: (row) => formatCount(row.promptTokens + row.completionTokens),
          align: "right",
        },
        { header: "cost", value: (row) => formatUsd(row.costUsd), align: "right" },
      ],
    )}\n`;
  }
  return text;
}
