/**
 * @module
 * How a decision's numbers and candidates read in both renderings (HTML report and terminal
 * text): the ranking order, and number formats with their units. One place, so the report and
 * the terminal never disagree about which model is third or what "12 ms" means. The core does
 * not import the CLI's table helpers (shells depend on the core, not the reverse), hence the
 * small formatters here.
 */
import { displayWidth, sliceEndToWidth, sliceToWidth } from "../../text/display-width.js";
import type { CandidateOutcome, CandidateStatus, SelectionDecision } from "../decision.js";
import { isMetricName, METRICS } from "../metrics/metric-registry.js";

/**
 * Ranking groups: what can be picked comes first, then what was measured but cannot be
 * picked, then what was never measured. Within a group, higher score first.
 */
const STATUS_RANK: Record<CandidateStatus, number> = {
  winner: 0,
  selectable: 1,
  "slo-violated": 2,
  eliminated: 3,
  "not-probed": 4,
  failed: 5,
};

function descendingNullLast(left: number | null, right: number | null): number {
  if (left === right) return 0;
  if (left === null) return 1;
  if (right === null) return -1;
  return right - left;
}

/** Candidates in report order: status group, then score, quality and prior (higher first), then id. */
export function rankCandidates(candidates: readonly CandidateOutcome[]): CandidateOutcome[] {
  return [...candidates].sort(
    (left, right) =>
      STATUS_RANK[left.status] - STATUS_RANK[right.status] ||
      descendingNullLast(left.score, right.score) ||
      descendingNullLast(left.quality, right.quality) ||
      right.prior - left.prior ||
      (left.id < right.id ? -1 : left.id > right.id ? 1 : 0),
  );
}

/** A 0..1 figure with three decimals; null → "—". */
export function formatUnit(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "—" : value.toFixed(3);
}

export function formatInterval(interval: [number, number] | null): string {
  return interval === null ? "—" : `${interval[0].toFixed(3)}–${interval[1].toFixed(3)}`;
}

export function formatMilliseconds(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  if (value >= 1000) return `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s`;
  if (value >= 10) return `${value.toFixed(0)} ms`;
  if (value >= 1) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** Decimal units, as hardware memory is quoted (see hardware-profiles.ts). */
export function formatBytes(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "—";
  if (value >= 1e9) return `${(value / 1e9).toFixed(value >= 1e10 ? 0 : 1)} GB`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)} MB`;
  return `${Math.max(1, Math.round(value / 1e3))} kB`;
}

/** 83_400 → "1 min 23 s". */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "p50 / p95" in one cell; the kind is shown beside it. */
export function formatLatencyPair(candidate: CandidateOutcome): string {
  if (candidate.latencyMsP50 === null && candidate.latencyMsP95 === null) return "—";
  return `${formatMilliseconds(candidate.latencyMsP50)} / ${formatMilliseconds(candidate.latencyMsP95)}`;
}

/** `accuracy 0.912, macro_f1 0.887`, in name order so runs compare line by line. */
export function formatMetrics(metrics: Record<string, number>): string {
  const names = Object.keys(metrics).sort();
  if (names.length === 0) return "—";
  return names.map((name) => `${name} ${formatUnit(metrics[name] ?? null)}`).join(", ");
}

/** Objective weights as "quality 0.70, latency 0.30", leaving out zero weights. */
export function formatObjectives(objectives: Record<string, number>): string {
  const parts = Object.entries(objectives)
    .filter(([, weight]) => weight > 0)
    .map(([name, weight]) => `${name} ${weight.toFixed(2)}`);
  return parts.length === 0 ? "—" : parts.join(", ");
}

/**
 * Whether the candidates were ranked by their priors alone: the spec gave no sample data, so
 * nothing was probed or measured. Earlier builds stored this metric marked `proxy`, so the
 * name decides, and their stored decisions read right too.
 */
export function rankedByPriorsOnly(decision: SelectionDecision): boolean {
  return decision.metric.name === "prior";
}

/**
 * What the quality figure is for a metric: the metric itself, or `1 − cer` for error rates,
 * which selection turns into higher-is-better quality before scoring.
 */
export function qualityLabel(metricName: string): string {
  return isMetricName(metricName) && !METRICS[metricName].higherIsBetter
    ? `1 − ${metricName}`
    : metricName;
}

/**
 * Cuts the middle out of a long id to at most `maxLength` terminal columns, keeping its start
 * and its end: ids differ at the end as
 * often as at the start (`local:/.../sentiment-en-bow` and `...-bow@q8`).
 */
export function shortenMiddle(text: string, maxLength: number): string {
  if (displayWidth(text) <= maxLength) return text;
  const head = Math.ceil((maxLength - 1) / 3);
  return `${sliceToWidth(text, head)}…${sliceEndToWidth(text, maxLength - 1 - head)}`;
}

/** The target device as a reader says it: `local` and no hardware both mean this machine. */
export function targetName(hardware: string | null): string {
  return hardware === null || hardware === "local" ? "this machine" : hardware;
}
