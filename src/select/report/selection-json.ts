/**
 * @module
 * A selection's outcome as a JSON document: what `modelscout select --json` prints and the
 * agent tools' `select_model` returns (the shape issue 4 promises, plus the record's id).
 * The whole record is `decisions show --json`.
 */
import type { SelectionDecision } from "../decision.js";

/** The winner, every candidate's figures, the Pareto front and the explanation. */
export function selectionJson(decision: SelectionDecision) {
  return {
    decisionId: decision.id,
    status: decision.status,
    winner: decision.winner,
    metric: decision.metric.name,
    candidates: decision.candidates.map((candidate) => ({
      id: candidate.id,
      status: candidate.status,
      quality: candidate.quality,
      qualityCi: candidate.qualityCi,
      latencyMsP50: candidate.latencyMsP50,
      latencyKind: candidate.latencyKind,
      score: candidate.score,
      probes: candidate.probes,
      ...(candidate.error !== undefined && { error: candidate.error }),
    })),
    paretoFront: decision.paretoFront,
    spentProbes: decision.spentProbes,
    exhaustiveProbes: decision.exhaustiveProbes,
    explanation: decision.explanation,
    ...(decision.cascade !== undefined && { cascade: decision.cascade }),
  };
}
