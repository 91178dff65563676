/**
 * @module
 * The report's quality-vs-latency scatter as inline SVG (no script, no fonts, no external
 * file), so the report opens offline and on a phone. Latency is on a log axis: candidates span
 * decades (a 5 ms classifier beside a 2 s LLM), and a linear axis would crush the fast ones
 * into one pixel. The Pareto front is a step line because between two front points the best
 * reachable quality stays that of the faster one. Estimated latencies get a hollow dashed
 * marker: they are a roofline guess for another device, not a measurement, and must not look
 * like one. Candidates with no quality or no latency (failed, not probed) cannot be placed and
 * are returned as `notPlotted` with the reason, for the page to list.
 */
import type { CandidateOutcome, SelectionDecision } from "../decision.js";
import { escapeHtml } from "./escape-html.js";
import {
  formatInterval,
  formatMilliseconds,
  formatUnit,
  qualityLabel,
  rankedByPriorsOnly,
  shortenMiddle,
  targetName,
} from "./format-decision-values.js";

export interface ScatterResult {
  /** The `<svg>` element, or null when no candidate can be placed. */
  svg: string | null;
  /** Ids drawn, in latency order. */
  plotted: string[];
  notPlotted: { id: string; reason: string }[];
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 28, top: 20, bottom: 56 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Average glyph width of the 11 px sans-serif labels, to keep labels apart without measuring. */
const LABEL_CHAR_WIDTH = 6.2;
const LABEL_HEIGHT = 13;
const MAX_LABEL_CHARS = 40;

/** Fill colours by status; the page's legend uses the same classes. */
export const STATUS_COLOURS = {
  winner: "#15803d",
  selectable: "#2563eb",
  "slo-violated": "#d97706",
  eliminated: "#6b7280",
  failed: "#dc2626",
  "not-probed": "#9ca3af",
} as const;

interface PlottedPoint {
  candidate: CandidateOutcome;
  quality: number;
  latencyMs: number;
  x: number;
  y: number;
}

function round(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

function whyNotPlotted(candidate: CandidateOutcome, priorsOnly: boolean): string | null {
  if (candidate.status === "failed") {
    return candidate.error === undefined
      ? "failed"
      : `failed (${candidate.error.code}): ${candidate.error.message}`;
  }
  if (candidate.status === "not-probed") {
    return priorsOnly ? "not probed (no sample data)" : "not probed (ranked below the probing cut)";
  }
  if (candidate.quality === null) return "no quality measured";
  if (candidate.latencyMsP50 === null) return "no latency figure";
  if (!(candidate.latencyMsP50 > 0)) return "latency is 0, which a log axis cannot show";
  return null;
}

/** Log-axis domain from whole decades around the data, so tick labels are round numbers. */
function latencyDomain(latencies: readonly number[]): [number, number] {
  const low = Math.min(...latencies);
  const high = Math.max(...latencies);
  let lowExponent = Math.floor(Math.log10(low));
  let highExponent = Math.ceil(Math.log10(high));
  if (highExponent === lowExponent) highExponent += 1;
  // Points sitting exactly on a decade would touch the frame: give them a little room.
  if (Math.log10(low) - lowExponent < 0.05) lowExponent -= 0.15;
  if (highExponent - Math.log10(high) < 0.05) highExponent += 0.15;
  return [10 ** lowExponent, 10 ** highExponent];
}

function latencyTicks([low, high]: [number, number]): number[] {
  const decades = Math.log10(high) - Math.log10(low);
  const multipliers = decades > 5 ? [1] : decades > 2.5 ? [1, 3] : [1, 2, 5];
  const ticks: number[] = [];
  for (
    let exponent = Math.floor(Math.log10(low));
    exponent <= Math.ceil(Math.log10(high));
    exponent += 1
  ) {
    for (const multiplier of multipliers) {
      const value = multiplier * 10 ** exponent;
      if (value >= low * 0.999 && value <= high * 1.001) ticks.push(value);
    }
  }
  return ticks;
}

function tickLabel(value: number): string {
  if (value >= 1) return Math.round(value).toLocaleString("en-US");
  return Number(value.toPrecision(1)).toString();
}

/** Quality domain: the data plus its intervals, padded and snapped to 0.05, inside 0..1. */
function qualityDomain(points: readonly PlottedPoint[]): [number, number] {
  const values = points.flatMap(({ candidate, quality }) => [
    quality,
    ...(candidate.qualityCi ?? []),
  ]);
  let low = Math.max(0, Math.floor((Math.min(...values) - 0.02) * 20) / 20);
  let high = Math.min(1, Math.ceil((Math.max(...values) + 0.02) * 20) / 20);
  if (high - low < 0.1) {
    low = Math.max(0, high - 0.1);
    high = Math.min(1, low + 0.1);
  }
  return [low, high];
}

function qualityTicks([low, high]: [number, number]): number[] {
  const step = [0.01, 0.02, 0.05, 0.1, 0.2].find((size) => (high - low) / size <= 8) ?? 0.25;
  const ticks: number[] = [];
  for (let value = Math.ceil(low / step - 1e-9) * step; value <= high + 1e-9; value += step) {
    ticks.push(Number(value.toFixed(4)));
  }
  return ticks;
}

/** The full id when it fits, else its last path segment (`owner/name` → `name`), else its two ends. */
function shortLabel(id: string): string {
  if (id.length <= MAX_LABEL_CHARS) return id;
  const lastSegment = id.slice(id.lastIndexOf("/") + 1);
  if (lastSegment.length > 0 && lastSegment.length <= MAX_LABEL_CHARS) return lastSegment;
  return shortenMiddle(id, MAX_LABEL_CHARS);
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function overlaps(box: Box, others: readonly Box[]): boolean {
  return others.some(
    (other) =>
      box.left < other.right &&
      box.right > other.left &&
      box.top < other.bottom &&
      box.bottom > other.top,
  );
}

/** Places each label beside its point, moving it up or down when it would cover another. */
function placeLabels(points: readonly PlottedPoint[]): string[] {
  const placed: Box[] = [];
  return points.map((point) => {
    const isWinner = point.candidate.status === "winner";
    const text = `${shortLabel(point.candidate.id)}${isWinner ? " ★" : ""}`;
    const width = text.length * LABEL_CHAR_WIDTH;
    const anchorEnd = point.x + 12 + width > WIDTH - 4;
    const left = anchorEnd ? point.x - 12 - width : point.x + 12;
    let chosen = 0;
    for (const offset of [0, -LABEL_HEIGHT, LABEL_HEIGHT, -2 * LABEL_HEIGHT, 2 * LABEL_HEIGHT]) {
      const baseline = point.y + 4 + offset;
      const box = { left, right: left + width, top: baseline - 10, bottom: baseline + 3 };
      if (!overlaps(box, placed)) {
        chosen = offset;
        break;
      }
    }
    const baseline = point.y + 4 + chosen;
    placed.push({ left, right: left + width, top: baseline - 10, bottom: baseline + 3 });
    return `<text class="label${isWinner ? " label-winner" : ""}" x="${round(anchorEnd ? point.x - 12 : point.x + 12)}" y="${round(baseline)}"${anchorEnd ? ' text-anchor="end"' : ""}>${escapeHtml(text)}</text>`;
  });
}

/** Renders the scatter for a decision. Pure: same decision, same SVG. */
export function renderQualityLatencyScatter(decision: SelectionDecision): ScatterResult {
  const points: PlottedPoint[] = [];
  const notPlotted: { id: string; reason: string }[] = [];
  const priorsOnly = rankedByPriorsOnly(decision);
  for (const candidate of decision.candidates) {
    const reason = whyNotPlotted(candidate, priorsOnly);
    if (reason !== null) {
      notPlotted.push({ id: candidate.id, reason });
      continue;
    }
    points.push({
      candidate,
      quality: candidate.quality as number,
      latencyMs: candidate.latencyMsP50 as number,
      x: 0,
      y: 0,
    });
  }
  if (points.length === 0) return { svg: null, plotted: [], notPlotted };

  points.sort((left, right) => left.latencyMs - right.latencyMs || right.quality - left.quality);
  const [latencyLow, latencyHigh] = latencyDomain(points.map((point) => point.latencyMs));
  const [qualityLow, qualityHigh] = qualityDomain(points);
  const xOf = (latencyMs: number) =>
    MARGIN.left +
    ((Math.log10(latencyMs) - Math.log10(latencyLow)) /
      (Math.log10(latencyHigh) - Math.log10(latencyLow))) *
      PLOT_WIDTH;
  const yOf = (quality: number) =>
    MARGIN.top + (1 - (quality - qualityLow) / (qualityHigh - qualityLow)) * PLOT_HEIGHT;
  for (const point of points) {
    point.x = xOf(point.latencyMs);
    point.y = yOf(point.quality);
  }

  const parts: string[] = [];
  const hardware = targetName(decision.resolved.hardware);
  parts.push(
    `<svg class="scatter" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="scatter-title scatter-desc" preserveAspectRatio="xMidYMid meet">`,
    `<title id="scatter-title">Quality against latency per candidate</title>`,
    `<desc id="scatter-desc">${escapeHtml(`${points.length} candidates plotted: ${qualityLabel(decision.metric.name)} on the vertical axis, p50 latency per item in milliseconds on a logarithmic horizontal axis, on ${hardware}.`)}</desc>`,
    `<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_WIDTH}" height="${PLOT_HEIGHT}"/>`,
  );

  for (const tick of latencyTicks([latencyLow, latencyHigh])) {
    const x = round(xOf(tick));
    parts.push(
      `<line class="grid" x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + PLOT_HEIGHT}"/>`,
      `<text class="tick" x="${x}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle">${tickLabel(tick)}</text>`,
    );
  }
  for (const tick of qualityTicks([qualityLow, qualityHigh])) {
    const y = round(yOf(tick));
    parts.push(
      `<line class="grid" x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + PLOT_WIDTH}" y2="${y}"/>`,
      `<text class="tick" x="${MARGIN.left - 6}" y="${round(yOf(tick) + 4)}" text-anchor="end">${tick.toFixed(2)}</text>`,
    );
  }
  parts.push(
    `<text class="axis-label" x="${MARGIN.left + PLOT_WIDTH / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeHtml(`p50 latency per item (ms, log scale) on ${hardware}`)}</text>`,
    `<text class="axis-label" transform="translate(16 ${MARGIN.top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(`quality: ${qualityLabel(decision.metric.name)}${decision.metric.proxy ? " (proxy)" : ""}, 0–1, higher is better`)}</text>`,
  );

  // Confidence intervals under the points.
  for (const { candidate, x } of points) {
    if (candidate.qualityCi === null) continue;
    const [low, high] = candidate.qualityCi;
    parts.push(
      `<line class="ci" x1="${round(x)}" y1="${round(yOf(Math.max(low, qualityLow)))}" x2="${round(x)}" y2="${round(yOf(Math.min(high, qualityHigh)))}"/>`,
    );
  }

  const front = new Set([
    ...decision.paretoFront,
    ...decision.candidates.filter((candidate) => candidate.onParetoFront).map(({ id }) => id),
  ]);
  const frontPoints = points.filter((point) => front.has(point.candidate.id));
  if (frontPoints.length >= 2) {
    const [first, ...rest] = frontPoints as [PlottedPoint, ...PlottedPoint[]];
    let path = `M${round(first.x)} ${round(first.y)}`;
    for (const point of rest) path += ` H${round(point.x)} V${round(point.y)}`;
    parts.push(`<path class="pareto" d="${path}"/>`);
  }

  for (const { candidate, quality, latencyMs, x, y } of points) {
    const estimated = candidate.latencyKind === "estimated";
    const isWinner = candidate.status === "winner";
    const classes = [
      "point",
      `status-${candidate.status}`,
      estimated ? "estimated" : "measured",
      ...(front.has(candidate.id) ? ["on-front"] : []),
    ].join(" ");
    const colour = STATUS_COLOURS[candidate.status];
    const style = estimated
      ? `fill="#ffffff" stroke="${colour}" stroke-dasharray="3 2"`
      : `fill="${colour}" stroke="${isWinner ? "#052e16" : "#ffffff"}"`;
    const tooltip = `${candidate.id} — ${candidate.status}; quality ${formatUnit(quality)} (95% CI ${formatInterval(candidate.qualityCi)}); p50 ${formatMilliseconds(latencyMs)} ${estimated ? "estimated" : "measured"}`;
    parts.push(
      `<circle class="${classes}" data-candidate="${escapeHtml(candidate.id)}" cx="${round(x)}" cy="${round(y)}" r="${isWinner ? 9 : 6}" stroke-width="${isWinner ? 3 : 2}" ${style}><title>${escapeHtml(tooltip)}</title></circle>`,
    );
  }
  parts.push(...placeLabels(points), "</svg>");

  return {
    svg: parts.join("\n"),
    plotted: points.map((point) => point.candidate.id),
    notPlotted,
  };
}
