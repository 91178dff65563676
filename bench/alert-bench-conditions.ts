/**
 * The windowed alert conditions the monitoring benchmarks measure (`alert-fold.ts`,
 * `alert-conditions.ts`), by name, as a rules file gives them. Thresholds no stream of theirs
 * reaches: the benchmarks time the folding, not firing.
 */
/** A rules file of one rule on `condition`, which logs, for `parseAlertRules`. */
export function oneRuleFile(condition: Record<string, unknown>) {
  return { rules: [{ id: "r", conditions: [condition], actions: [{ type: "log" }] }] };
}

export const WINDOWED_CONDITIONS: Record<string, Record<string, unknown>> = {
  /** `latency_p95` over the largest window a rule keeps. */
  "latency-events": {
    type: "latency_p95",
    slo_ms: 10_000,
    window: { events: 10_000 },
    min_events: 50,
  },
  /** Over 60 s, held to the same 10,000 at 5,000 requests/s. */
  "latency-60s": { type: "latency_p95", slo_ms: 10_000, window: { seconds: 60 }, min_events: 50 },
  "errors-60s": {
    type: "error_rate",
    max_error_percent: 50,
    window: { seconds: 60 },
    min_events: 50,
  },
  /** `error_rate` over its default window, the last 200 requests. */
  "errors-default": { type: "error_rate", max_error_percent: 50, min_events: 50 },
  "cost-60s": { type: "cost_per_request", max_usd: 1, window: { seconds: 60 }, min_events: 50 },
};
