/**
 * @module
 * A candidate's artifact (`backends/model-artifact.ts`) in one line of words, for the
 * terminal's Provenance block and the report's provenance table: which package versions,
 * which Hub commit, which files (the largest weights file, with its hash prefix),
 * which server. The JSON record has every file and every full hash.
 */
import type { ModelArtifact } from "../../backends/model-artifact.js";
import type { CandidateOutcome } from "../decision.js";

/** Hex digits of a SHA-256 shown in one-line summaries: enough to tell files apart by eye. */
export const HASH_PREFIX_LENGTH = 12;

function filesSummary(files: readonly { path: string; sizeBytes: number; sha256: string }[]) {
  // The weights tell two variants apart (a tokenizer may outweigh a small model's graph).
  const weights = files.filter((file) => /\.(onnx|onnx_data|bin|safetensors)$/.test(file.path));
  const largest = [...(weights.length > 0 ? weights : files)].sort(
    (a, b) => b.sizeBytes - a.sizeBytes,
  )[0];
  if (largest === undefined) return "no files";
  const others = files.length - 1;
  return `${largest.path} sha256 ${largest.sha256.slice(0, HASH_PREFIX_LENGTH)}${others > 0 ? ` + ${others} file${others === 1 ? "" : "s"}` : ""}`;
}

export function describeArtifact(artifact: ModelArtifact): string {
  switch (artifact.kind) {
    case "npm":
      return `npm ${artifact.packages.map((entry) => `${entry.name}@${entry.version}`).join(", ")}`;
    case "hub":
      return `hub ${artifact.repository} revision ${artifact.revision}${artifact.commitSha === undefined ? " (commit not known)" : ` commit ${artifact.commitSha.slice(0, HASH_PREFIX_LENGTH)}`}${artifact.dtype === undefined ? "" : ` ${artifact.dtype}`}: ${filesSummary(artifact.files)}`;
    case "local-folder":
      return `folder ${artifact.folder}${artifact.dtype === undefined ? "" : ` ${artifact.dtype}`}: ${filesSummary(artifact.files)}`;
    case "remote":
      return `server ${artifact.endpoint} model ${artifact.model} (weights not identifiable)`;
    case "builtin":
      return `built into ModelScout ${artifact.modelscoutVersion}`;
  }
}

/** The candidate's artifact in words, or why there is none. */
export function describeCandidateArtifact(candidate: CandidateOutcome): string {
  if (candidate.artifact !== undefined) return describeArtifact(candidate.artifact);
  if (candidate.status === "not-probed") return "not loaded";
  if (candidate.loadMs === null) {
    // A run without data ranks by priors and loads nothing: no failure to speak of.
    return candidate.status === "failed"
      ? "not loaded (failed before loading)"
      : "not loaded (ranked by its prior; nothing was run)";
  }
  return "not recorded (its backend does not report one, or the decision predates provenance records)";
}
