/**
 * @module
 * The terminal rendering of a selection plan (`modelscout select --check`): what the data and
 * the metric are, how the filters narrowed the pool, and the candidates a run would probe
 * (or rank by prior), in the plain columns of the decision's own table.
 */
import type { PlannedCandidate, SelectionPlan } from "../run-selection.js";
import {
  formatBytes,
  formatMilliseconds,
  formatObjectives,
  formatUnit,
  targetName,
} from "./format-decision-values.js";
import { alignedTable, cut, filterLines, MAX_ID_WIDTH, plain } from "./render-decision-text.js";

const COLUMNS = [
  { header: "#", align: "right" },
  { header: "Model", align: "left" },
  { header: "Backend", align: "left" },
  { header: "Prior", align: "right" },
  { header: "Latency", align: "right" },
  { header: "Memory", align: "right" },
] as const;

function candidateRow(candidate: PlannedCandidate, rank: number): string[] {
  const latency =
    candidate.latencyMsP50 === null
      ? "—"
      : `${formatMilliseconds(candidate.latencyMsP50)}${candidate.latencyKind === "estimated" ? " (est.)" : ""}`;
  return [
    String(rank),
    cut(plain(candidate.id), MAX_ID_WIDTH),
    plain(candidate.provider ?? "none here"),
    formatUnit(candidate.prior),
    latency,
    formatBytes(candidate.memoryBytes),
  ];
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** What `select --check` prints: `source` is the spec's file or request. */
export function renderSelectionPlan(plan: SelectionPlan, source: string): string {
  const lines = [
    plain(
      `Checked ${source}: nothing was loaded or run, and no decision was stored. A run would do this:`,
    ),
  ];
  const { resolved } = plan;
  const slo = [
    resolved.slo.maxP95LatencyMs === null ? null : `p95 <= ${resolved.slo.maxP95LatencyMs} ms`,
    resolved.slo.maxMemoryGb === null ? null : `memory <= ${resolved.slo.maxMemoryGb} GB`,
  ].filter((part) => part !== null);
  lines.push(
    plain(
      `Spec: ${resolved.task}${resolved.language === null ? "" : ` in ${resolved.language}`} on ${targetName(resolved.hardware)}; objectives ${formatObjectives(resolved.objectives)}${slo.length === 0 ? "" : `; SLO ${slo.join(", ")}`}${resolved.privacy === "local-only" ? "; local-only" : ""}.`,
    ),
  );
  if (plan.data === null) {
    lines.push("Data: none, so nothing would be measured: candidates are ranked by their prior.");
  } else {
    const { data } = plan;
    const sampled =
      data.rowsInFile === undefined ? "" : `, sampled at random from its ${data.rowsInFile} rows`;
    const skipped =
      data.skippedRows === 0 ? "" : `, ${count(data.skippedRows, "malformed row")} skipped`;
    lines.push(
      plain(
        `Data: ${data.path ?? "the sample data"}, ${count(data.items, "item")}${sampled}, ${data.labelled ? "labelled" : "without labels"}${skipped}.`,
      ),
      plain(
        `Metric: ${plan.metric.name}${plan.metric.proxy ? " (a proxy: agreement between candidates, not accuracy)" : ""}.`,
      ),
    );
  }
  lines.push(...filterLines(plan).map(plain));
  const table = alignedTable(
    COLUMNS,
    plan.candidates.map((candidate, index) => candidateRow(candidate, index + 1)),
  );
  if (plan.data === null) {
    lines.push(`${count(plan.candidates.length, "candidate")} by prior:`, table);
  } else {
    const budget =
      plan.maxProbes < plan.exhaustiveProbes
        ? `at most ${plan.maxProbes} model calls (budget.max_probes) of the ${plan.exhaustiveProbes} an exhaustive evaluation would take`
        : `at most ${plan.exhaustiveProbes} model calls (every candidate on every item; racing usually stops sooner, and budget.max_probes caps it)`;
    const seconds = plan.maxSeconds === null ? "" : `, for ${plan.maxSeconds} s at most`;
    lines.push(
      `Would probe ${count(plan.candidates.length, "candidate")}, ${budget}${seconds}:`,
      table,
    );
    if (plan.notProbed.length > 0) {
      lines.push(
        plain(
          `Not probed: ${count(plan.notProbed.length, "more candidate")} that passed the filters, below the cut by prior (candidates.query.limit), the next ${plan.notProbed
            .slice(0, 3)
            .map((candidate) => candidate.id)
            .join(", ")}.`,
        ),
      );
    }
  }
  const unrunnable = plan.candidates.filter((candidate) => candidate.provider === null);
  if (plan.data !== null && unrunnable.length > 0) {
    lines.push(
      plain(
        `No backend here runs ${unrunnable.map((candidate) => candidate.id).join(", ")}: a run would record ${unrunnable.length === 1 ? "it" : "them"} as failed.`,
      ),
    );
  }
  for (const entry of plan.unresolved) {
    lines.push(plain(`Not found: ${entry.id} (${entry.error.code}: ${entry.error.message})`));
  }
  lines.push(...plan.notes.map(plain));
  return `${lines.join("\n")}\n`;
}
