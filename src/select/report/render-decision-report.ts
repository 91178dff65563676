/**
 * @module
 * The decision report: one self-contained HTML file (`modelscout select --report out.html`)
 * that explains a selection to someone who was not there. No script, no external font,
 * stylesheet or image, so it opens offline, from an email attachment or an air-gapped share,
 * and nothing in it can phone home. It reads on a phone: a viewport meta, a fluid SVG and
 * tables that scroll sideways inside their own box. Every string from the decision passes
 * through `escapeHtml`; model ids, data paths and server error messages are user input.
 *
 * Sections follow the questions a reader asks in order: what won and why, how the candidates
 * compare (scatter, ranked table), what was filtered out, what the quality number means
 * (with a warning when it is only an agreement proxy), which data and how much probing it
 * took against evaluating everything, what exactly was compared on what (the data's SHA-256,
 * the seeds, each candidate's artifact), and where it ran.
 */
import type {
  CandidateOutcome,
  CandidateStatus,
  FilterStep,
  SelectionDecision,
} from "../decision.js";
import { describeCandidateArtifact } from "./describe-artifact.js";
import { escapeHtml } from "./escape-html.js";
import {
  formatBytes,
  formatDuration,
  formatInterval,
  formatLatencyPair,
  formatMetrics,
  formatObjectives,
  formatUnit,
  qualityLabel,
  rankCandidates,
  rankedByPriorsOnly,
  targetName,
} from "./format-decision-values.js";
import { renderQualityLatencyScatter, STATUS_COLOURS } from "./quality-latency-scatter.js";

const STATUS_LABELS: Record<CandidateStatus, string> = {
  winner: "winner",
  selectable: "selectable",
  "slo-violated": "over an SLO",
  eliminated: "eliminated",
  failed: "failed",
  "not-probed": "not probed",
};

const STYLE = `
:root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #e5e7eb; --soft: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 0.2em 0; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.6em 0 0.5em; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
p, li { overflow-wrap: anywhere; }
.meta { color: var(--muted); font-size: 0.9rem; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 0.8rem; font-weight: 600; color: #fff; white-space: nowrap; }
.decision-completed { background: #15803d; } .decision-running { background: #2563eb; }
.decision-no-candidates, .decision-aborted { background: #d97706; } .decision-failed { background: #dc2626; }
${Object.entries(STATUS_COLOURS)
  .map(([status, colour]) => `.status-${status} { background: ${colour}; }`)
  .join("\n")}
.winner-box { border: 2px solid #15803d; border-radius: 8px; padding: 12px 16px; background: #f0fdf4; margin-top: 12px; }
.winner-box.none { border-color: #d97706; background: #fffbeb; }
.winner-id { font-size: 1.2rem; font-weight: 700; overflow-wrap: anywhere; }
.warning { border-left: 4px solid #d97706; background: #fffbeb; padding: 8px 12px; }
.error { border-left: 4px solid #dc2626; background: #fef2f2; padding: 8px 12px; }
.figure { border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
svg.scatter { width: 100%; height: auto; display: block; font: 11px system-ui, sans-serif; }
svg .frame { fill: none; stroke: #9ca3af; } svg .grid { stroke: #eef0f3; }
svg .tick { fill: var(--muted); } svg .axis-label { fill: var(--ink); font-size: 12px; }
svg .ci { stroke: #9ca3af; stroke-width: 1.5; } svg .pareto { fill: none; stroke: #15803d; stroke-width: 2; stroke-dasharray: 6 3; }
svg .label { fill: var(--ink); } svg .label-winner { font-weight: 700; fill: #15803d; }
.legend { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 0.85rem; color: var(--muted); }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%; vertical-align: -1px; margin-right: 6px; }
.swatch.estimated { background: #fff; border: 2px dashed #2563eb; }
.swatch.measured { background: #2563eb; }
.swatch.line { width: 22px; height: 0; border-radius: 0; border-top: 2px dashed #15803d; vertical-align: 3px; }
.swatch.ci { width: 2px; height: 14px; border-radius: 0; background: #9ca3af; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id { overflow-wrap: anywhere; min-width: 12em; font-weight: 600; }
tr.row-winner td { background: #f0fdf4; }
.funnel-bar { height: 8px; background: #dbeafe; border-radius: 4px; margin-top: 4px; }
.funnel-bar span { display: block; height: 100%; background: #2563eb; border-radius: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code.hash { font-size: 0.78rem; overflow-wrap: anywhere; }
pre { background: var(--soft); padding: 8px; overflow-x: auto; font-size: 0.8rem; border-radius: 6px; }
@media (max-width: 600px) { main { padding: 10px; } dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: 6px; } }
`;

function statusBadge(status: CandidateStatus): string {
  return `<span class="badge status-${status}">${escapeHtml(STATUS_LABELS[status])}</span>`;
}

function facts(rows: readonly [string, string | null][]): string {
  const items = rows
    .filter((row): row is [string, string] => row[1] !== null)
    .map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`);
  return `<dl class="facts">${items.join("")}</dl>`;
}

function headerSection(decision: SelectionDecision): string {
  const { resolved } = decision;
  const target = targetName(resolved.hardware);
  return [
    `<header>`,
    `<p class="meta">ModelScout selection report · <span class="badge decision-${escapeHtml(decision.status)}">${escapeHtml(decision.status)}</span></p>`,
    `<h1>${escapeHtml(`${resolved.task}${resolved.language === null ? "" : ` (${resolved.language})`} on ${target}`)}</h1>`,
    `<p class="meta">${escapeHtml(`Decision ${decision.id} · started ${decision.createdAt}${decision.finishedAt === null ? "" : ` · finished ${decision.finishedAt}`} · took ${formatDuration(decision.elapsedMs)} · spec from ${decision.specSource}`)}</p>`,
    `</header>`,
  ].join("\n");
}

function winnerSection(decision: SelectionDecision): string {
  const winner =
    decision.winner === null
      ? undefined
      : decision.candidates.find((candidate) => candidate.id === decision.winner?.id);
  const explanation =
    decision.explanation.length === 0
      ? ""
      : `<ul class="explanation">${decision.explanation.map((line) => `<li>${escapeHtml(line)}</li>`).join("")}</ul>`;
  const error =
    decision.error === undefined
      ? ""
      : `<p class="error">${escapeHtml(`${decision.error.code}: ${decision.error.message}`)}</p>`;
  if (decision.winner === null) {
    return `<section class="winner-box none" aria-label="Result"><p class="winner-id">No winner</p>${error}${explanation}${decision.stopReason === null ? "" : `<p class="meta">${escapeHtml(`Stopped: ${decision.stopReason}`)}</p>`}</section>`;
  }
  const summary =
    winner === undefined
      ? ""
      : `<p class="meta">${escapeHtml(
          `quality ${formatUnit(winner.quality)} (95% CI ${formatInterval(winner.qualityCi)}) · latency p50/p95 ${formatLatencyPair(winner)}${winner.latencyKind === null ? "" : ` ${winner.latencyKind}`} · memory ${formatBytes(winner.memoryBytes)} · score ${formatUnit(winner.score)}`,
        )}</p>`;
  return `<section class="winner-box" aria-label="Winner"><p class="meta">Winner</p><p class="winner-id">${escapeHtml(decision.winner.id)}</p>${summary}${error}${explanation}</section>`;
}

function scatterSection(decision: SelectionDecision): string {
  const scatter = renderQualityLatencyScatter(decision);
  const hardware = targetName(decision.resolved.hardware);
  const legend = [
    `<li><span class="swatch measured"></span>filled: latency measured on this machine</li>`,
    `<li><span class="swatch estimated"></span>${escapeHtml(`hollow, dashed: latency estimated for ${hardware} (not measured)`)}</li>`,
    `<li><span class="swatch line"></span>step line: Pareto front (no candidate is both faster and better)</li>`,
    `<li><span class="swatch ci"></span>vertical bar: 95% CI of quality</li>`,
    ...(["winner", "selectable", "slo-violated", "eliminated"] as const).map(
      (status) =>
        `<li><span class="swatch status-${status}"></span>${escapeHtml(STATUS_LABELS[status])}${status === "winner" ? " (large, ★)" : ""}</li>`,
    ),
  ].join("");
  const notPlotted =
    scatter.notPlotted.length === 0
      ? ""
      : `<p class="meta">Not plotted:</p><ul class="not-plotted">${scatter.notPlotted
          .map(
            ({ id, reason }) =>
              `<li><strong>${escapeHtml(id)}</strong>: ${escapeHtml(reason)}</li>`,
          )
          .join("")}</ul>`;
  const figure =
    scatter.svg === null
      ? `<p class="meta">No candidate has both a quality and a latency figure, so there is nothing to plot.</p>`
      : `<div class="figure">${scatter.svg}<ul class="legend">${legend}</ul></div>`;
  return [
    `<section aria-labelledby="h-scatter"><h2 id="h-scatter">Quality against latency</h2>`,
    figure,
    `<p class="meta">${escapeHtml(decision.latencyNote)}</p>`,
    notPlotted,
    `</section>`,
  ].join("\n");
}

function candidateNotes(candidate: CandidateOutcome): string {
  const notes: string[] = [];
  if (candidate.error !== undefined) {
    notes.push(
      `<span class="error-text">${escapeHtml(`${candidate.error.code}: ${candidate.error.message}`)}</span>`,
    );
  }
  for (const violation of candidate.sloViolations) notes.push(escapeHtml(violation));
  if (candidate.eliminatedAtRound !== undefined) {
    notes.push(escapeHtml(`dropped after round ${candidate.eliminatedAtRound}`));
  }
  if (candidate.onParetoFront) notes.push("on the Pareto front");
  if (candidate.perClassRecall !== undefined) {
    notes.push(escapeHtml(`recall per class: ${formatMetrics(candidate.perClassRecall)}`));
  }
  return notes.join("<br>");
}

function candidateTable(decision: SelectionDecision): string {
  const rows = rankCandidates(decision.candidates).map((candidate, index) => {
    const cells = [
      `<td class="num">${index + 1}</td>`,
      `<td class="id">${escapeHtml(candidate.id)}${candidate.provider === null ? "" : `<br><span class="meta">${escapeHtml(candidate.provider)}</span>`}</td>`,
      `<td>${statusBadge(candidate.status)}</td>`,
      `<td class="num">${escapeHtml(formatUnit(candidate.quality))}<br><span class="meta">${escapeHtml(formatInterval(candidate.qualityCi))}</span></td>`,
      `<td>${escapeHtml(formatMetrics(candidate.metrics))}</td>`,
      `<td class="num">${escapeHtml(formatLatencyPair(candidate))}${candidate.latencyKind === null ? "" : `<br><span class="meta">${escapeHtml(candidate.latencyKind)}</span>`}</td>`,
      `<td class="num">${escapeHtml(formatBytes(candidate.memoryBytes))}</td>`,
      `<td class="num">${escapeHtml(formatUnit(candidate.score))}</td>`,
      `<td class="num">${candidate.probes}</td>`,
      `<td class="num">${escapeHtml(formatUnit(candidate.prior))}</td>`,
      `<td>${candidateNotes(candidate)}</td>`,
    ];
    return `<tr class="row-${candidate.status}" data-candidate="${escapeHtml(candidate.id)}">${cells.join("")}</tr>`;
  });
  const headers = [
    "#",
    "Model",
    "Status",
    "Quality (95% CI)",
    "Metrics",
    "Latency p50 / p95",
    "Memory",
    "Score",
    "Probes",
    "Prior",
    "Notes",
  ];
  return [
    `<section aria-labelledby="h-candidates"><h2 id="h-candidates">Candidates, ranked</h2>`,
    `<div class="table-wrap"><table class="candidates"><thead><tr>${headers.map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join("")}</tr></thead>`,
    `<tbody>${rows.join("\n")}</tbody></table></div>`,
    rankedByPriorsOnly(decision)
      ? `<p class="meta">Nothing was probed (no sample data): ranked by prior, which is also the score.</p>`
      : `<p class="meta">Ranked by status (winner, selectable, over an SLO, eliminated, not probed, failed), then by score. Score is the weighted utility (${escapeHtml(formatObjectives(decision.resolved.objectives))}); quality is ${escapeHtml(qualityLabel(decision.metric.name))} on the probed items, higher is better.</p>`,
    `</section>`,
  ].join("\n");
}

function funnelStep(step: FilterStep, initial: number): string {
  const removed = step.before - step.after;
  const share = initial > 0 ? Math.round((step.after / initial) * 1000) / 10 : 0;
  const examples =
    step.removedExamples.length === 0
      ? ""
      : `<ul class="removed">${step.removedExamples.map(({ id, reason }) => `<li><strong>${escapeHtml(id)}</strong>: ${escapeHtml(reason)}</li>`).join("")}${removed > step.removedExamples.length ? `<li class="meta">and ${removed - step.removedExamples.length} more</li>` : ""}</ul>`;
  return `<li class="filter-step" data-filter="${escapeHtml(step.filter)}"><strong>${escapeHtml(step.filter)}</strong>: ${step.before} → ${step.after}${removed > 0 ? ` (removed ${removed})` : ""}<br><span class="meta">${escapeHtml(step.description)}</span><div class="funnel-bar" aria-hidden="true"><span style="width:${share}%"></span></div>${examples}</li>`;
}

function filterSection(decision: SelectionDecision): string {
  const initial = decision.filters[0]?.before ?? 0;
  const body =
    decision.filters.length === 0
      ? `<p class="meta">No filters were applied.</p>`
      : `<ol class="funnel">${decision.filters.map((step) => funnelStep(step, initial)).join("\n")}</ol>`;
  return `<section aria-labelledby="h-filters"><h2 id="h-filters">Filters</h2>${body}</section>`;
}

function metricSection(decision: SelectionDecision): string {
  const warning = rankedByPriorsOnly(decision)
    ? decision.candidates.length === 0
      ? ""
      : `<p class="warning priors-only-warning" role="note"><strong>Ranked by priors only.</strong> ${escapeHtml("Nothing was measured: with no sample data, no candidate was run, so the order is each one's prior, not how well it does on your inputs. Add data.path to the spec (a JSONL or CSV sample of your inputs, with labels if you have them) to probe the candidates.")}</p>`
    : decision.metric.proxy
      ? `<p class="warning proxy-warning" role="note"><strong>Proxy metric.</strong> ${escapeHtml(`The data has no labels, so "${decision.metric.name}" measures how much candidates agree with each other, not whether they are right. A model can agree with the others and still be wrong; add labels to the data for a real quality figure.`)}</p>`
      : "";
  return `<section aria-labelledby="h-metric"><h2 id="h-metric">Metric</h2>${facts([
    ["Metric", decision.metric.name],
    ["Meaning", decision.metric.description],
    [
      "Quality shown",
      qualityLabel(decision.metric.name) === decision.metric.name
        ? null
        : `${qualityLabel(decision.metric.name)}, so that higher is better everywhere in this report`,
    ],
  ])}${warning}</section>`;
}

function dataSection(decision: SelectionDecision): string {
  const { data } = decision;
  return `<section aria-labelledby="h-data"><h2 id="h-data">Data</h2>${facts([
    ["File", data.path ?? "none given"],
    [
      "Items",
      data.rowsInFile === undefined
        ? String(data.items)
        : `${data.items}, sampled at random from the file's ${data.rowsInFile} rows`,
    ],
    ["Labelled", data.labelled ? "yes" : "no"],
    ["Skipped rows", String(data.skippedRows)],
    ["Labels not mapped", data.labelMismatches?.join(" ") ?? null],
    ["Label mapping", data.labelMapping],
  ])}</section>`;
}

function budgetSection(decision: SelectionDecision): string {
  const { spentProbes, exhaustiveProbes, resolved } = decision;
  const share =
    exhaustiveProbes > 0 ? `${((spentProbes / exhaustiveProbes) * 100).toFixed(1)}%` : "—";
  return `<section aria-labelledby="h-budget"><h2 id="h-budget">Budget</h2>${facts([
    [
      "Probes spent",
      `${spentProbes} of ${exhaustiveProbes} an exhaustive evaluation would take (${share})`,
    ],
    [
      "Limit",
      [
        resolved.maxProbes === null ? null : `${resolved.maxProbes} probes`,
        resolved.maxSeconds === null ? null : `${resolved.maxSeconds} s`,
      ]
        .filter((part) => part !== null)
        .join(", ") || "none",
    ],
    ["Stopped because", decision.stopReason],
    ["Wall time", formatDuration(decision.elapsedMs)],
  ])}</section>`;
}

function specSection(decision: SelectionDecision): string {
  const { resolved } = decision;
  const slo = [
    resolved.slo.maxP95LatencyMs === null ? null : `p95 ≤ ${resolved.slo.maxP95LatencyMs} ms`,
    resolved.slo.maxMemoryGb === null ? null : `memory ≤ ${resolved.slo.maxMemoryGb} GB`,
  ].filter((part) => part !== null);
  return `<section aria-labelledby="h-spec"><h2 id="h-spec">Task spec</h2>${facts([
    ["Task", resolved.task],
    ["Language", resolved.language ?? "any"],
    [
      "Max input length",
      resolved.maxLengthTokens === null ? "not set" : `${resolved.maxLengthTokens} tokens`,
    ],
    ["Hardware", targetName(resolved.hardware)],
    ["Objectives", formatObjectives(resolved.objectives)],
    ["SLOs", slo.length === 0 ? "none" : slo.join(", ")],
    ["Privacy", resolved.privacy],
    ["Source", decision.specSource],
  ])}<details><summary>Spec as written</summary><pre>${escapeHtml(JSON.stringify(decision.specInput, null, 2) ?? "null")}</pre></details></section>`;
}

/** Every file of an artifact with its size and full SHA-256, for an auditor to check. */
function artifactFiles(candidate: CandidateOutcome): string {
  const artifact = candidate.artifact;
  if (artifact === undefined) return "";
  if (artifact.kind === "npm") {
    return artifact.packages
      .map((entry) => `<code>${escapeHtml(`${entry.name}@${entry.version}`)}</code>`)
      .join("<br>");
  }
  if (artifact.kind === "remote") return escapeHtml(artifact.note);
  if (artifact.kind === "builtin") return "";
  const runtime =
    artifact.runtime === undefined
      ? ""
      : `<br><span class="meta">${escapeHtml(`run by ${artifact.runtime.name}@${artifact.runtime.version}`)}</span>`;
  return `${artifact.files
    .map(
      (file) =>
        `<code>${escapeHtml(file.path)}</code> ${escapeHtml(formatBytes(file.sizeBytes))}<br><code class="hash">${escapeHtml(file.sha256)}</code>`,
    )
    .join("<br>")}${runtime}`;
}

function provenanceSection(decision: SelectionDecision): string {
  const { data } = decision;
  const shown = decision.candidates.filter(
    (candidate) => candidate.artifact !== undefined || candidate.status !== "not-probed",
  );
  const rows = shown.map(
    (candidate) =>
      `<tr data-candidate="${escapeHtml(candidate.id)}"><td class="id">${escapeHtml(candidate.id)}</td><td>${escapeHtml(candidate.artifact?.kind ?? "—")}</td><td>${escapeHtml(describeCandidateArtifact(candidate))}</td><td>${artifactFiles(candidate)}</td></tr>`,
  );
  const table =
    rows.length === 0
      ? `<p class="meta">No candidate was loaded.</p>`
      : `<div class="table-wrap"><table class="provenance"><thead><tr>${["Model", "Kind", "Artifact", "Packages or files (SHA-256)"].map((header) => `<th scope="col">${escapeHtml(header)}</th>`).join("")}</tr></thead><tbody>${rows.join("\n")}</tbody></table></div>`;
  return `<section aria-labelledby="h-provenance"><h2 id="h-provenance">Provenance</h2>${facts([
    [
      "Data SHA-256",
      data.path === null
        ? "no data"
        : (data.sha256 ?? "not recorded (stored before ModelScout recorded it)"),
    ],
    [
      "Seeds",
      decision.seeds === undefined
        ? decision.strategy === undefined
          ? null
          : "not recorded"
        : `sample ${decision.seeds.sample}, strategy ${decision.seeds.strategy}`,
    ],
  ])}${table}</section>`;
}

function environmentSection(decision: SelectionDecision): string {
  const { environment } = decision;
  return `<section aria-labelledby="h-environment"><h2 id="h-environment">Environment</h2>${facts([
    ["ModelScout", environment.modelscoutVersion],
    ["Node.js", environment.node],
    ["Platform", environment.platform],
    ["CPU", environment.cpu],
  ])}</section>`;
}

/** The whole report as one HTML document. Pure: the same decision gives the same bytes. */
export function renderDecisionReport(decision: SelectionDecision): string {
  const title = `ModelScout: ${decision.resolved.task} on ${targetName(decision.resolved.hardware)} (${decision.status})`;
  return [
    "<!doctype html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body><main>",
    headerSection(decision),
    winnerSection(decision),
    scatterSection(decision),
    candidateTable(decision),
    filterSection(decision),
    metricSection(decision),
    dataSection(decision),
    budgetSection(decision),
    specSection(decision),
    provenanceSection(decision),
    environmentSection(decision),
    "</main></body>",
    "</html>",
    "",
  ].join("\n");
}

// The terminal rendering lives beside it; re-exported so callers find both in one place.
export { renderDecisionText } from "./render-decision-text.js";
