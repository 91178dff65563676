import { describe, expect, it } from "vitest";
import {
  defaultMetricFor,
  METRIC_NAMES,
  METRICS,
  metricQuality,
  metricsForTask,
  resolveMetric,
} from "../../../src/select/metrics/metric-registry.js";
import { TASK_IDS } from "../../../src/tasks/resolve-task.js";
import { thrownError } from "./thrown-error.js";

describe("defaultMetricFor", () => {
  it("picks a metric per pipeline tag", () => {
    expect(defaultMetricFor("text-classification", true)).toBe("accuracy");
    expect(defaultMetricFor("zero-shot-classification", true)).toBe("accuracy");
    expect(defaultMetricFor("image-classification", true)).toBe("accuracy");
    expect(defaultMetricFor("feature-extraction", true)).toBe("knn_accuracy");
    expect(defaultMetricFor("sentence-similarity", true)).toBe("knn_accuracy");
    for (const task of ["text-generation", "summarization", "translation", "question-answering"]) {
      expect(defaultMetricFor(task, true)).toBe("token_f1");
    }
    expect(defaultMetricFor("image-to-text", true)).toBe("cer");
    expect(defaultMetricFor("automatic-speech-recognition", true)).toBe("wer");
    expect(defaultMetricFor("token-classification", true)).toBe("agreement");
  });

  it("accepts aliases and falls back to agreement without labels", () => {
    expect(defaultMetricFor("sentiment", true)).toBe("accuracy");
    expect(defaultMetricFor("text_generation", true)).toBe("token_f1");
    expect(defaultMetricFor("text2text-generation", true)).toBe("token_f1");
    expect(defaultMetricFor("asr", true)).toBe("wer");
    expect(defaultMetricFor("ocr", true)).toBe("cer");
    expect(defaultMetricFor("text-classification", false)).toBe("agreement");
    expect(defaultMetricFor("text_generation", false)).toBe("agreement");
  });

  it("returns null when nothing can score the task", () => {
    expect(defaultMetricFor("embeddings", false)).toBeNull();
    expect(defaultMetricFor("text-to-image", true)).toBeNull();
    expect(thrownError(() => defaultMetricFor("no-such-task", true))).toMatch(/^UNKNOWN_TASK/);
  });
});

describe("resolveMetric", () => {
  it("uses the default when the spec names none, and forgives spelling", () => {
    expect(resolveMetric("text-classification", true)).toBe("accuracy");
    expect(resolveMetric("text-classification", true, null)).toBe("accuracy");
    expect(resolveMetric("text-classification", true, "Macro-F1")).toBe("macro_f1");
    expect(resolveMetric("asr", true, "CER")).toBe("cer");
  });

  it("rejects unknown names and lists the valid ones for the task", () => {
    const message = thrownError(() => resolveMetric("text-classification", true, "bleu"));
    expect(message).toBe(
      'INVALID_ARGUMENT: Task spec: metric: unknown metric "bleu". The valid metrics for text-classification: accuracy, macro_f1, agreement.',
    );
    expect(thrownError(() => resolveMetric("text-classification", true, "macro_f"))).toContain(
      'Did you mean "macro_f1"?',
    );
  });

  it("rejects metrics for another task, and labelled metrics without labels", () => {
    expect(thrownError(() => resolveMetric("text-classification", true, "cer"))).toBe(
      'INVALID_ARGUMENT: Task spec: metric: "cer" does not apply to text-classification; the valid metrics for text-classification: accuracy, macro_f1, agreement.',
    );
    expect(thrownError(() => resolveMetric("text-classification", false, "accuracy"))).toContain(
      '"accuracy" needs labels, and the data has none; add a label column (data.columns.label) or use the valid metrics for text-classification without labels: agreement.',
    );
    expect(thrownError(() => resolveMetric("feature-extraction", false, "agreement"))).toBe(
      'INVALID_ARGUMENT: Task spec: metric: "agreement" does not apply to feature-extraction; no metric applies to feature-extraction without labels.',
    );
    expect(thrownError(() => resolveMetric("feature-extraction", false, "mrr"))).toBe(
      'INVALID_ARGUMENT: Task spec: metric: "mrr" needs labels, and the data has none; add a label column (data.columns.label): no metric applies to feature-extraction without labels.',
    );
    expect(thrownError(() => resolveMetric("feature-extraction", false, "mmr"))).toBe(
      'INVALID_ARGUMENT: Task spec: metric: unknown metric "mmr". Did you mean "mrr"? No metric applies to feature-extraction without labels.',
    );
  });

  // parseTaskSpec checks a spec's metric with labels and leaves the rest to the data: that
  // holds only while labels never take a metric away.
  it("takes with labels every metric it takes without", () => {
    for (const task of TASK_IDS) {
      for (const metric of metricsForTask(task, false)) {
        expect(metricsForTask(task, true), `${task} ${metric}`).toContain(metric);
      }
    }
  });
});

describe("METRICS", () => {
  it("describes every metric in one sentence and names the proxy as a proxy", () => {
    for (const name of METRIC_NAMES) {
      expect(METRICS[name].description).toMatch(/^[A-Z].*\.$/);
    }
    expect(METRICS.agreement.description).toContain("not accuracy");
    expect(METRICS.agreement.needsLabels).toBe(false);
    expect(METRICS.cer.higherIsBetter).toBe(false);
  });

  it("lists only known metric names per task", () => {
    for (const task of ["text-classification", "image-to-text", "feature-extraction", "asr"]) {
      for (const hasLabels of [true, false]) {
        for (const name of metricsForTask(task, hasLabels)) expect(METRIC_NAMES).toContain(name);
      }
    }
  });

  it("turns values into 0..1 qualities", () => {
    expect(metricQuality("accuracy", 0.8)).toBe(0.8);
    expect(metricQuality("cer", 0.25)).toBe(0.75);
    expect(metricQuality("wer", 1.4)).toBe(0);
  });
});
