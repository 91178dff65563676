import { describe, expect, it } from "vitest";
import { renderSelectionPlan } from "../../../src/select/report/render-selection-plan.js";
import type { PlannedCandidate, SelectionPlan } from "../../../src/select/run-selection.js";

const candidate = (id: string, extra: Partial<PlannedCandidate> = {}): PlannedCandidate => ({
  id,
  provider: "npm",
  prior: 0.5,
  priorSources: [],
  listed: true,
  latencyMsP50: null,
  latencyKind: null,
  memoryBytes: 167_936,
  ...extra,
});

const plan = (extra: Partial<SelectionPlan> = {}): SelectionPlan => ({
  resolved: {
    task: "text-classification",
    language: "zh",
    maxLengthTokens: null,
    hardware: "rpi5",
    objectives: { quality: 0.7, latency: 0.3, memory: 0, cost: 0 },
    slo: { maxP95LatencyMs: 200, maxMemoryGb: null },
    privacy: "local-only",
    maxProbes: 100,
    maxSeconds: 45,
  },
  metric: { name: "accuracy", proxy: false, description: "" },
  data: {
    path: "reviews.csv",
    items: 200,
    rowsInFile: 1200,
    labelled: true,
    skippedRows: 2,
    labelMapping: null,
  },
  filters: [
    {
      filter: "explicit-ids",
      description: "listed ids that could be read (local: folders that exist)",
      before: 3,
      after: 2,
      removedExamples: [{ id: "local:./missing", reason: "Local model folder not found" }],
      removedListed: [{ id: "local:./missing", reason: "Local model folder not found" }],
    },
  ],
  candidates: [
    candidate("npm:multilang-sentiment"),
    candidate("Org/onnx-less", { provider: null, latencyMsP50: 41.2, latencyKind: "estimated" }),
  ],
  notProbed: [candidate("npm:sentiment", { listed: false })],
  unresolved: [],
  maxProbes: 100,
  exhaustiveProbes: 400,
  maxSeconds: 45,
  notes: [],
  ...extra,
});

describe("renderSelectionPlan", () => {
  it("says what a run would read, filter and probe, and what it would fail on", () => {
    const lines = renderSelectionPlan(plan(), "task.json").split("\n");
    expect(lines.slice(0, 7)).toEqual([
      "Checked task.json: nothing was loaded or run, and no decision was stored. A run would do this:",
      "Spec: text-classification in zh on rpi5; objectives quality 0.70, latency 0.30; SLO p95 <= 200 ms; local-only.",
      "Data: reviews.csv, 200 items, sampled at random from its 1200 rows, labelled, 2 malformed rows skipped.",
      "Metric: accuracy.",
      "Filters: 2 of 3 passed:",
      "  - explicit-ids: 3 -> 2, listed ids that could be read (local: folders that exist)",
      "Left out: local:./missing (listed in candidates.ids), by the explicit-ids filter: Local model folder not found.",
    ]);
    expect(lines[7]).toBe(
      "Would probe 2 candidates, at most 100 model calls (budget.max_probes) of the 400 an exhaustive evaluation would take, for 45 s at most:",
    );
    expect(lines[10]).toMatch(/^1 {2}npm:multilang-sentiment +npm +0\.500 +— +168 kB$/);
    expect(lines[11]).toMatch(/^2 {2}Org\/onnx-less +none here +0\.500 +41 ms \(est\.\) +168 kB$/);
    expect(lines).toContain(
      "Not probed: 1 more candidate that passed the filters, below the cut by prior (candidates.query.limit), the next npm:sentiment.",
    );
    expect(lines).toContain("No backend here runs Org/onnx-less: a run would record it as failed.");
  });

  it("ranks by prior without data, and says nothing would be measured", () => {
    const text = renderSelectionPlan(
      plan({ data: null, filters: [], notProbed: [], maxProbes: 0, exhaustiveProbes: 0 }),
      'request: "sentiment"',
    );
    const lines = text.split("\n");
    expect(lines[2]).toBe(
      "Data: none, so nothing would be measured: candidates are ranked by their prior.",
    );
    expect(lines[3]).toBe("2 candidates by prior:");
    expect(text).not.toContain("Would probe");
    expect(text).not.toContain("No backend here");
  });
});
