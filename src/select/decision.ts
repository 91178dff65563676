/**
 * @module
 * The decision record: everything a selection run decided and the evidence for it, as plain
 * data. It is stored (`decisions/`), printed (`modelscout select`, `--json`), rendered
 * (`report/`), and later read by routing and monitoring. Nothing in it needs code to be
 * understood: numbers carry their unit in the name, and estimates say they are estimates.
 */
import type { ModelArtifact } from "../backends/model-artifact.js";
import type { CascadeSuggestion } from "./suggest-cascade.js";

export type DecisionStatus = "running" | "completed" | "no-candidates" | "aborted" | "failed";

export type CandidateStatus =
  /** The pick. */
  | "winner"
  /** Probed to the end and within the SLOs, but scored lower than the winner. */
  | "selectable"
  /** Probed, but over a hard limit (p95 latency or memory). */
  | "slo-violated"
  /** Dropped by the race: confidently worse than the leader. */
  | "eliminated"
  /** Could not be loaded or failed while probing; the error says why. */
  | "failed"
  /** Passed the filters but ranked below the probing cut by its prior. */
  | "not-probed";

/** One hard filter applied to the candidate pool, in order. */
export interface FilterStep {
  /** Stable name: `task`, `explicit-ids` (listed `local:` folders that do not exist), `language`, `context-length`, `license`, `memory-fit`, `slo-latency`, `slo-memory`, `privacy`, `runnable`, `labels`, `onnx-files` (the probing cut's looked-up files). */
  filter: string;
  /** What the filter kept, in words ("fits 16 GB on NVIDIA T4 at int8"). */
  description: string;
  before: number;
  after: number;
  /** Up to five ids it removed, with the reason for each. */
  removedExamples: { id: string; reason: string }[];
  /**
   * Every id named in `candidates.ids` it removed, with the reason (absent when none): the
   * user asked for these by name, so the run says which were left out and why.
   */
  removedListed?: { id: string; reason: string }[];
}

export interface CandidateUtilities {
  /** Each 0..1, higher is better; null when the objective could not be measured or estimated. */
  quality: number | null;
  latency: number | null;
  memory: number | null;
  cost: number | null;
}

export interface CandidateOutcome {
  id: string;
  /** Backend provider that ran it (`npm`, `transformers-js`, `openai-compatible`...), when one was found. */
  provider: string | null;
  status: CandidateStatus;
  /** Prior score 0..1 used to order candidates before probing, and what it came from. */
  prior: number;
  priorSources: string[];
  /** The spec's metric on the probed items, 0..1 (null: never probed successfully). */
  quality: number | null;
  /** Confidence interval of `quality` (95%). */
  qualityCi: [number, number] | null;
  /** Every metric computed for this candidate, by name (`accuracy`, `macro_f1`, `cer`...). */
  metrics: Record<string, number>;
  /** Recall per class (classification with labels). */
  perClassRecall?: Record<string, number>;
  /** Per-item latency. Measured on this machine, or estimated for another target (`latencyKind`). */
  latencyMsP50: number | null;
  latencyMsP95: number | null;
  latencyKind: "measured" | "estimated" | null;
  /** Time to load the model, measured. */
  loadMs: number | null;
  /** Weights plus runtime overhead at the dtype used, when known. */
  memoryBytes: number | null;
  /** Cost per 1,000 items in USD, when the backend has a price. */
  costPer1kItemsUsd: number | null;
  utilities: CandidateUtilities;
  /** Weighted utility 0..1; null for candidates that were not scored. */
  score: number | null;
  probes: number;
  /** Race round after which it was dropped. */
  eliminatedAtRound?: number;
  /** On the quality/latency Pareto front (no other candidate is at least as good on both and better on one). */
  onParetoFront: boolean;
  /** SLOs this candidate breaks, in words. */
  sloViolations: string[];
  error?: { code: string; message: string };
  /**
   * What was loaded, as its backend reported it (`backends/model-artifact.ts`): package
   * versions, Hub revision, commit and file hashes, a folder's file hashes, or a server's
   * endpoint. Absent when it was never loaded, its backend cannot tell, or the decision was
   * stored before ModelScout recorded it (ADR 0082).
   */
  artifact?: ModelArtifact;
}

export interface SelectionDecision {
  /** `dec_` + time-ordered random suffix. */
  id: string;
  createdAt: string;
  finishedAt: string | null;
  status: DecisionStatus;
  /** The spec as the user wrote it (after YAML/JSON parsing, before normalisation). */
  specInput: unknown;
  /** Where the spec came from: a file path, `request: "..."` for natural language, or `api`. */
  specSource: string;
  /** The normalised spec, as used. */
  resolved: {
    task: string;
    language: string | null;
    maxLengthTokens: number | null;
    hardware: string | null;
    objectives: { quality: number; latency: number; memory: number; cost: number };
    slo: { maxP95LatencyMs: number | null; maxMemoryGb: number | null };
    privacy: "local-only" | "allow-remote";
    maxProbes: number | null;
    maxSeconds: number | null;
  };
  metric: {
    /** `accuracy`, `macro_f1`, `exact_match`, `cer`, `wer`, `knn_accuracy`, `agreement`... */
    name: string;
    /** True when no labels were given and the metric is an agreement proxy. */
    proxy: boolean;
    /** One sentence: what the number means (and, for a proxy, what it is not). */
    description: string;
  };
  data: {
    path: string | null;
    /**
     * SHA-256 (hex) of the data file's bytes as read: the path may hold other rows tomorrow.
     * Absent in decisions stored before ModelScout recorded it, and without sample data.
     * Files the rows point at (images, recordings) are not hashed.
     */
    sha256?: string;
    items: number;
    /**
     * Usable rows in the file, when there were more than the items kept (a seeded sample of
     * `MAX_SAMPLE_ITEMS` spread over the whole file).
     */
    rowsInFile?: number;
    labelled: boolean;
    skippedRows: number;
    /**
     * The column the inputs were read from when the spec named none and the file has no
     * `text` column, but one named as inputs are or one text column besides the label's
     * (absent otherwise).
     */
    inputColumn?: string;
    /** The column the labels were read from, likewise, when the file has no `label` column. */
    labelColumn?: string;
    /** How data labels were mapped onto model labels, per candidate where it differed. */
    labelMapping: string | null;
    /**
     * Per probed candidate with data labels that match none of its labels (absent when
     * none): the sentence saying which, and that `data.label_map` fixes it.
     */
    labelMismatches?: string[];
  };
  filters: FilterStep[];
  candidates: CandidateOutcome[];
  winner: { id: string } | null;
  /** Ids on the quality/latency Pareto front. */
  paretoFront: string[];
  spentProbes: number;
  /** How the budget was spent: `racing`, `gap` (gap-based allocation) or `naive` (one candidate). */
  strategy?: "racing" | "gap" | "naive";
  /**
   * The seeds that make the run repeatable on the same data and models: of the sample of a
   * file's rows (when it had more than the items kept) and of the strategy's random choices.
   * Absent in decisions stored before ModelScout recorded them.
   */
  seeds?: { sample: number; strategy: number };
  /** Probes exhaustive evaluation of the probed candidates would have cost. */
  exhaustiveProbes: number;
  stopReason: string | null;
  /** Plain sentences: why the winner won, how sure, what was left out. */
  explanation: string[];
  /**
   * A cascade of the two best labelling candidates that got more of the shared items right
   * than either alone (`suggest-cascade.ts`, ADR 0057); absent otherwise.
   */
  cascade?: CascadeSuggestion;
  /** Where latency figures come from. */
  latencyNote: string;
  elapsedMs: number;
  environment: { modelscoutVersion: string; node: string; platform: string; cpu: string };
  /** Set when status is `failed` or `aborted`. */
  error?: { code: string; message: string };
}
