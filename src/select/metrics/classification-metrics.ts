/**
 * @module
 * Classification quality against known labels: accuracy, macro-F1, per-class precision,
 * recall and F1, and a confusion summary. A candidate's prediction is the top-scoring label of
 * its `{kind: "labels"}` output; gold labels are the user's data labels, translated into the
 * model's vocabulary with the label mapping from `match-labels.ts` (`{"1": "POSITIVE"}`).
 *
 * Classes are reported in the data's vocabulary (`1`, `0`), not the model's (`POSITIVE`,
 * `LABEL_0`): every candidate is then reported against the same class names, so per-class
 * recall can be compared across candidates whose label sets differ.
 */
import type { BackendOutput, LabelScore } from "../../backends/model-backend.js";
import { requireAlignedItems, requireItems, requireOutputKind } from "./metric-inputs.js";

/** Data label -> model label (`Record<dataLabel, modelLabel>`), as `matchLabels` returns it. */
export type LabelMapping = Readonly<Record<string, string>>;

/** The highest-scoring label of a `labels` output and its score (first one on ties), or null when it has none. */
export function topLabelScore(
  output: Extract<BackendOutput, { kind: "labels" }>,
): LabelScore | null {
  let best: LabelScore | null = null;
  for (const entry of output.labels) {
    if (best === null || entry.score > best.score) best = entry;
  }
  return best;
}

/** The highest-scoring label of a `labels` output (first one on ties), or null when it has none. */
export function topLabel(output: Extract<BackendOutput, { kind: "labels" }>): string | null {
  return topLabelScore(output)?.label ?? null;
}

/**
 * The model label that counts as correct for a data label: its mapping, or the label itself
 * when the mapping does not cover it (a model may use the data's labels verbatim).
 */
export function expectedModelLabel(gold: string, labelMapping: LabelMapping): string {
  return Object.hasOwn(labelMapping, gold) ? (labelMapping[gold] as string) : gold;
}

/** True when the candidate's top label is the model label the gold label maps to. */
export function isCorrectLabel(
  gold: string,
  output: Extract<BackendOutput, { kind: "labels" }>,
  labelMapping: LabelMapping,
): boolean {
  const predicted = topLabel(output);
  return predicted !== null && predicted === expectedModelLabel(gold, labelMapping);
}

export interface ClassMetrics {
  /** Items whose gold label is this class. */
  support: number;
  /** Items predicted as this class. */
  predicted: number;
  truePositives: number;
  /** truePositives / predicted; 0 when the class was never predicted. */
  precision: number;
  /** truePositives / support; 0 when the class never occurs in the gold labels. */
  recall: number;
  /** Harmonic mean of precision and recall; 0 when truePositives is 0. */
  f1: number;
}

export interface LabelConfusion {
  gold: string;
  /** Null: the candidate returned no label at all. */
  predicted: string | null;
  count: number;
}

export interface ConfusionSummary {
  /** Row and column order: gold classes sorted, then classes only ever predicted, sorted. */
  classes: string[];
  /** `matrix[g][p]`: items of class `classes[g]` predicted as `classes[p]`. */
  matrix: number[][];
  /** `noPrediction[g]`: items of class `classes[g]` for which the candidate returned no label. */
  noPrediction: number[];
  /** The largest off-diagonal cells (at most five), largest first: what gets mistaken for what. */
  topConfusions: LabelConfusion[];
}

/** One scored item, in data-label space. */
export interface LabelPrediction {
  gold: string;
  /** The predicted class (see `classificationMetrics` for how it is named); null: no label returned. */
  predicted: string | null;
  correct: boolean;
}

export interface ClassificationMetrics {
  /** Items scored (items with a gold label). */
  items: number;
  /** Items skipped because their gold label was null. */
  unlabelledItems: number;
  correct: number;
  /** correct / items. */
  accuracy: number;
  /** Unweighted mean of per-class F1 over the classes in `perClass` (see `classificationMetrics`). */
  macroF1: number;
  perClass: Record<string, ClassMetrics>;
  /** Recall of every class that occurs in the gold labels. */
  perClassRecall: Record<string, number>;
  confusion: ConfusionSummary;
  /** Per scored item, in input order (items with a null gold left out). */
  predictions: LabelPrediction[];
}

const TOP_CONFUSIONS = 5;

/**
 * Scores classifier outputs against gold data labels.
 *
 * Items whose gold is null are skipped (and counted in `unlabelledItems`); zero labelled
 * items is an `INVALID_ARGUMENT` error. An output with no labels counts as wrong and shows in
 * `confusion.noPrediction`; it is not a class.
 *
 * Classes and absent classes: macro-F1 averages over the union of the classes present in the
 * gold labels and the classes present in the predictions, like scikit-learn's
 * `f1_score(average="macro", zero_division=0)` with `labels` = that union. A gold class the
 * candidate never predicts scores F1 0 (precision 0/0 is taken as 0); a predicted class that
 * never occurs in the gold labels scores F1 0 too, so predicting labels outside the data's
 * classes is penalised. Classes of the label mapping that occur in neither are left out:
 * they carry no evidence, and scoring them 0 (or 1) by convention would move the average
 * for no reason.
 *
 * A prediction is translated back to a data class through the inverse of the mapping. When
 * several data labels map to the same model label (`pos` and `positive` -> `POSITIVE`), a
 * correct prediction counts for the item's own class and a wrong one is attributed to the
 * first of those data labels in sorted order. A model label no data label maps to keeps its
 * own name (suffixed ` (model label)` if it collides with a data label).
 */
export function classificationMetrics(
  golds: readonly (string | null)[],
  outputs: readonly BackendOutput[],
  labelMapping: LabelMapping = {},
): ClassificationMetrics {
  requireAlignedItems("accuracy", golds, outputs);
  const rows: LabelPrediction[] = [];
  const dataLabels = new Set<string>(Object.keys(labelMapping));
  for (const gold of golds) if (gold !== null) dataLabels.add(gold);
  const dataLabelsByModelLabel = new Map<string, string[]>();
  for (const dataLabel of [...dataLabels].sort()) {
    const modelLabel = expectedModelLabel(dataLabel, labelMapping);
    const list = dataLabelsByModelLabel.get(modelLabel) ?? [];
    list.push(dataLabel);
    dataLabelsByModelLabel.set(modelLabel, list);
  }
  let unlabelledItems = 0;
  outputs.forEach((output, index) => {
    const gold = golds[index] as string | null;
    const labels = requireOutputKind("accuracy", output, "labels", index);
    if (gold === null) {
      unlabelledItems++;
      return;
    }
    const predictedModelLabel = topLabel(labels);
    if (predictedModelLabel === null) {
      rows.push({ gold, predicted: null, correct: false });
      return;
    }
    if (predictedModelLabel === expectedModelLabel(gold, labelMapping)) {
      rows.push({ gold, predicted: gold, correct: true });
      return;
    }
    const dataClass = dataLabelsByModelLabel.get(predictedModelLabel)?.[0];
    const predicted =
      dataClass ??
      (dataLabels.has(predictedModelLabel)
        ? `${predictedModelLabel} (model label)`
        : predictedModelLabel);
    rows.push({ gold, predicted, correct: false });
  });
  requireItems("accuracy", rows.length, "labelled items");
  return { ...summarisePredictions(rows), unlabelledItems, predictions: rows };
}

/**
 * Accuracy, macro-F1, per-class figures and the confusion summary of scored items (at least
 * one). Exposed so a bootstrap can recompute macro-F1 on resampled items.
 */
export function summarisePredictions(
  rows: readonly LabelPrediction[],
): Omit<ClassificationMetrics, "unlabelledItems" | "predictions"> {
  requireItems("accuracy", rows.length, "labelled items");
  const goldClasses = [...new Set(rows.map((row) => row.gold))].sort();
  const goldClassSet = new Set(goldClasses);
  const predictedOnly = [
    ...new Set(
      rows
        .map((row) => row.predicted)
        .filter((label): label is string => label !== null && !goldClassSet.has(label)),
    ),
  ].sort();
  const classes = [...goldClasses, ...predictedOnly];
  const position = new Map(classes.map((label, index) => [label, index]));
  const matrix = classes.map(() => classes.map(() => 0));
  const noPrediction = classes.map(() => 0);
  for (const row of rows) {
    const goldIndex = position.get(row.gold) as number;
    if (row.predicted === null) {
      noPrediction[goldIndex] = (noPrediction[goldIndex] as number) + 1;
    } else {
      const matrixRow = matrix[goldIndex] as number[];
      const predictedIndex = position.get(row.predicted) as number;
      matrixRow[predictedIndex] = (matrixRow[predictedIndex] as number) + 1;
    }
  }

  const perClass: Record<string, ClassMetrics> = {};
  const perClassRecall: Record<string, number> = {};
  classes.forEach((label, index) => {
    const row = matrix[index] as number[];
    const support = row.reduce((sum, count) => sum + count, 0) + (noPrediction[index] as number);
    const predicted = matrix.reduce((sum, other) => sum + (other[index] as number), 0);
    const truePositives = row[index] as number;
    const precision = predicted === 0 ? 0 : truePositives / predicted;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = truePositives === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { support, predicted, truePositives, precision, recall, f1 };
    if (support > 0) perClassRecall[label] = recall;
  });

  const confusions: LabelConfusion[] = [];
  classes.forEach((gold, goldIndex) => {
    classes.forEach((predicted, predictedIndex) => {
      const count = (matrix[goldIndex] as number[])[predictedIndex] as number;
      if (goldIndex !== predictedIndex && count > 0) confusions.push({ gold, predicted, count });
    });
    const missing = noPrediction[goldIndex] as number;
    if (missing > 0) confusions.push({ gold, predicted: null, count: missing });
  });
  confusions.sort((a, b) => b.count - a.count);

  const correct = rows.filter((row) => row.correct).length;
  const f1Values = classes.map((label) => (perClass[label] as ClassMetrics).f1);
  return {
    items: rows.length,
    correct,
    accuracy: correct / rows.length,
    macroF1: f1Values.reduce((sum, value) => sum + value, 0) / f1Values.length,
    perClass,
    perClassRecall,
    confusion: {
      classes,
      matrix,
      noPrediction,
      topConfusions: confusions.slice(0, TOP_CONFUSIONS),
    },
  };
}
