/**
 * Selection decisions shaped like the ones the pipeline stores, with only what monitoring
 * reads varied: the winner and each candidate's measured quality.
 */
import type { CandidateOutcome, SelectionDecision } from "../../src/select/decision.js";

let sequence = 0;

export function selectionDecision(options: {
  at: string;
  winner: string | null;
  qualities: Record<string, number | null>;
  task?: string;
}): SelectionDecision {
  sequence += 1;
  const candidates: CandidateOutcome[] = Object.entries(options.qualities).map(([id, quality]) => ({
    id,
    provider: "transformers-js",
    status: id === options.winner ? "winner" : "selectable",
    prior: 0.5,
    priorSources: ["popularity"],
    quality,
    qualityCi: quality === null ? null : [Math.max(0, quality - 0.03), Math.min(1, quality + 0.03)],
    metrics: quality === null ? ({} as Record<string, number>) : { accuracy: quality },
    latencyMsP50: 12,
    latencyMsP95: 20,
    latencyKind: "measured",
    loadMs: 300,
    memoryBytes: 250_000_000,
    costPer1kItemsUsd: null,
    utilities: { quality, latency: 0.8, memory: 0.9, cost: null },
    score: quality,
    probes: 200,
    onParetoFront: id === options.winner,
    sloViolations: [],
  }));
  return {
    id: `dec_test${String(sequence).padStart(6, "0")}`,
    createdAt: options.at,
    finishedAt: options.at,
    status: options.winner === null ? "failed" : "completed",
    specInput: { task_type: options.task ?? "text-classification" },
    specSource: "api",
    resolved: {
      task: options.task ?? "text-classification",
      language: "zh",
      maxLengthTokens: null,
      hardware: null,
      objectives: { quality: 0.7, latency: 0.3, memory: 0, cost: 0 },
      slo: { maxP95LatencyMs: null, maxMemoryGb: null },
      privacy: "allow-remote",
      maxProbes: 200,
      maxSeconds: null,
    },
    metric: { name: "accuracy", proxy: false, description: "share of items labelled right" },
    data: { path: "reviews.csv", items: 200, labelled: true, skippedRows: 0, labelMapping: null },
    filters: [],
    candidates,
    winner: options.winner === null ? null : { id: options.winner },
    paretoFront: options.winner === null ? [] : [options.winner],
    spentProbes: 200 * candidates.length,
    exhaustiveProbes: 200 * candidates.length,
    stopReason: "exhaustive",
    explanation: [],
    latencyNote: "measured on this machine",
    elapsedMs: 1000,
    environment: { modelscoutVersion: "0.1.0", node: "v20", platform: "linux", cpu: "test" },
  };
}
