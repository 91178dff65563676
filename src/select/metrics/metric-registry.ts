/**
 * @module
 * The metrics ModelScout measures, as data: `METRICS` (name -> direction, kind, one plain
 * sentence for reports), which metrics apply to which pipeline tag, the default per task,
 * and the check of a metric named in a task spec. Metric names are stable: they are stored in
 * decision records (`metric.name`, `candidates[].metrics`).
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { resolveTask, type TaskId } from "../../tasks/resolve-task.js";
import { closestMatch } from "../../text/closest-match.js";

export type MetricKind =
  /** Top label against a gold label. */
  | "classification"
  /** Generated text against a reference text. */
  | "text-match"
  /** Edit distance against a reference transcript; lower is better. */
  | "error-rate"
  /** Neighbourhoods of labelled items in embedding space. */
  | "embedding"
  /** Agreement with other candidates; a proxy for unlabelled data. */
  | "agreement";

export interface MetricInfo {
  higherIsBetter: boolean;
  kind: MetricKind;
  /** False only for the agreement proxy. */
  needsLabels: boolean;
  /** One plain sentence for reports: what the number means. */
  description: string;
}

export const METRICS = {
  accuracy: {
    higherIsBetter: true,
    kind: "classification",
    needsLabels: true,
    description: "Share of items whose top predicted label is the correct label.",
  },
  macro_f1: {
    higherIsBetter: true,
    kind: "classification",
    needsLabels: true,
    description:
      "Mean F1 score over the classes in the labels and predictions, each class counting the same however rare it is.",
  },
  exact_match: {
    higherIsBetter: true,
    kind: "text-match",
    needsLabels: true,
    description:
      "Share of items whose output equals the reference text, ignoring case, spacing and Unicode width.",
  },
  token_f1: {
    higherIsBetter: true,
    kind: "text-match",
    needsLabels: true,
    description:
      "Mean word overlap (F1) between output and reference text, per character for Chinese, Japanese and Korean.",
  },
  cer: {
    higherIsBetter: false,
    kind: "error-rate",
    needsLabels: true,
    description:
      "Character error rate: character edits needed to turn the output into the reference, per reference character (lower is better).",
  },
  wer: {
    higherIsBetter: false,
    kind: "error-rate",
    needsLabels: true,
    description:
      "Word error rate: word edits needed to turn the output into the reference, per reference word, counting characters for Chinese, Japanese and Korean (lower is better).",
  },
  knn_accuracy: {
    higherIsBetter: true,
    kind: "embedding",
    needsLabels: true,
    description:
      "Share of items whose nearest other item by embedding similarity carries the same label.",
  },
  mrr: {
    higherIsBetter: true,
    kind: "embedding",
    needsLabels: true,
    description:
      "Mean reciprocal rank of the most similar item with the same label, by embedding similarity.",
  },
  agreement: {
    higherIsBetter: true,
    kind: "agreement",
    needsLabels: false,
    description:
      "Share of the other candidates giving the same answer: agreement with the other candidates, not accuracy, because the data has no labels.",
  },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** What a task's outputs look like, which decides the metrics that apply. */
export type TaskFamily = "classification" | "generation" | "ocr" | "speech" | "embedding" | "spans";

const TASK_FAMILIES: Partial<Record<TaskId, TaskFamily>> = {
  "text-classification": "classification",
  "zero-shot-classification": "classification",
  "image-classification": "classification",
  "zero-shot-image-classification": "classification",
  "audio-classification": "classification",
  "video-classification": "classification",
  "tabular-classification": "classification",
  "text-generation": "generation",
  summarization: "generation",
  translation: "generation",
  "question-answering": "generation",
  "table-question-answering": "generation",
  "document-question-answering": "generation",
  "visual-question-answering": "generation",
  "image-text-to-text": "generation",
  "audio-text-to-text": "generation",
  "video-text-to-text": "generation",
  "table-to-text": "generation",
  "tabular-to-text": "generation",
  "image-to-text": "ocr",
  "automatic-speech-recognition": "speech",
  "feature-extraction": "embedding",
  "sentence-similarity": "embedding",
  "image-feature-extraction": "embedding",
  "token-classification": "spans",
};

/** What `task`'s outputs look like (`classification`, `generation`...); undefined when ModelScout scores none. */
export function taskFamily(task: TaskId): TaskFamily | undefined {
  return TASK_FAMILIES[task];
}

/**
 * Metrics per family, the default first. Generation defaults to token F1 rather than exact
 * match: free-form answers rarely match to the character, and a graded 0..1 outcome per
 * item separates candidates in fewer probes than a 0/1 one. `image-to-text` is treated as
 * OCR (CER first); for captioning, name `token_f1` in the spec.
 * Token classification outputs spans, which one label per data row cannot score, so it only
 * has the agreement proxy, with or without labels.
 */
const FAMILY_METRICS: Record<TaskFamily, { labelled: MetricName[]; unlabelled: MetricName[] }> = {
  classification: { labelled: ["accuracy", "macro_f1", "agreement"], unlabelled: ["agreement"] },
  generation: {
    labelled: ["token_f1", "exact_match", "cer", "wer", "agreement"],
    unlabelled: ["agreement"],
  },
  ocr: {
    labelled: ["cer", "wer", "exact_match", "token_f1", "agreement"],
    unlabelled: ["agreement"],
  },
  speech: {
    labelled: ["wer", "cer", "exact_match", "token_f1", "agreement"],
    unlabelled: ["agreement"],
  },
  embedding: { labelled: ["knn_accuracy", "mrr"], unlabelled: [] },
  spans: { labelled: ["agreement"], unlabelled: ["agreement"] },
};

/**
 * The metrics that can score `task` (a pipeline tag or alias), default first. Empty when
 * nothing can: an unlabelled embedding task, or a task ModelScout has no metric for
 * (`text-to-image`). Throws `UNKNOWN_TASK` for a name that is no task at all.
 */
export function metricsForTask(task: string, hasLabels: boolean): MetricName[] {
  const family = TASK_FAMILIES[resolveTask(task)];
  if (family === undefined) return [];
  const metrics = FAMILY_METRICS[family];
  return [...(hasLabels ? metrics.labelled : metrics.unlabelled)];
}

/**
 * The metric used when the spec names none: accuracy for classifiers, knn_accuracy for
 * embeddings, token_f1 for generation, cer for OCR (`image-to-text`), wer for speech, and
 * the agreement proxy without labels. Null when no metric applies (see `metricsForTask`):
 * selection then rests on priors and speed, and the report must say so.
 */
export function defaultMetricFor(task: string, hasLabels: boolean): MetricName | null {
  return metricsForTask(task, hasLabels)[0] ?? null;
}

export function isMetricName(value: string): value is MetricName {
  return Object.hasOwn(METRICS, value);
}

function normaliseMetricName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/**
 * The metric to use: the spec's `requested` name when it applies to the task, else the
 * default. Spelling is forgiving (`Macro-F1` is `macro_f1`). A name that is unknown, does not
 * apply to the task, or needs labels the data lacks is an `INVALID_ARGUMENT` error that lists
 * the valid names for the task.
 */
export function resolveMetric(
  task: string,
  hasLabels: boolean,
  requested?: string | null,
): MetricName | null {
  if (requested === undefined || requested === null) return defaultMetricFor(task, hasLabels);
  const problem = metricProblem(task, hasLabels, requested);
  if (problem === null) return normaliseMetricName(requested) as MetricName;
  throw new ModelScoutError("INVALID_ARGUMENT", `Task spec: metric: ${problem}`, {
    details: { metric: requested, task, hasLabels, valid: metricsForTask(task, hasLabels) },
  });
}

/**
 * Why `requested` cannot score `task` with (or without) labels, as a sentence that lists the
 * valid names for the task; null when it can. `parseTaskSpec` asks with labels, which every
 * metric that applies to a task can use, so that what only the data decides is left to
 * `resolveMetric` at selection.
 */
export function metricProblem(task: string, hasLabels: boolean, requested: string): string | null {
  const name = normaliseMetricName(requested);
  const valid = metricsForTask(task, hasLabels);
  if (isMetricName(name) && valid.includes(name)) return null;
  const scope = `${task}${hasLabels ? "" : " without labels"}`;
  const validText =
    valid.length === 0
      ? `no metric applies to ${scope}`
      : `the valid metrics for ${scope}: ${valid.join(", ")}`;
  if (!isMetricName(name)) {
    const suggestion = closestMatch(name, valid.length > 0 ? valid : METRIC_NAMES);
    return `unknown metric "${requested}".${suggestion ? ` Did you mean "${suggestion}"?` : ""} ${validText.charAt(0).toUpperCase()}${validText.slice(1)}.`;
  }
  const labelsWouldHelp =
    !hasLabels && METRICS[name].needsLabels && metricsForTask(task, true).includes(name);
  if (!labelsWouldHelp) return `"${name}" does not apply to ${task}; ${validText}.`;
  return `"${name}" needs labels, and the data has none; add a label column (data.columns.label)${valid.length === 0 ? `: ${validText}` : ` or use ${validText}`}.`;
}

/**
 * A metric value as a 0..1 quality, higher is better: the value itself for higher-is-better
 * metrics, `max(0, 1 - rate)` for error rates.
 */
export function metricQuality(name: MetricName, value: number): number {
  return METRICS[name].higherIsBetter ? value : Math.max(0, 1 - value);
}
