import { describe, expect, it } from "vitest";
import { createSentimentBackend } from "../../../src/backends/npm/sentiment-backend.js";
import { matchLabels } from "../../../src/select/match-labels.js";
import { computeMetrics } from "../../../src/select/metrics/compute-metrics.js";
import { itemOutcome } from "../../../src/select/metrics/item-outcome.js";
import { proportionCi } from "../../../src/select/metrics/proportion-ci.js";

describe("metrics on a real model's outputs", () => {
  it("scores npm:sentiment on 1/0-labelled reviews through the label mapping", async () => {
    const backend = createSentimentBackend();
    const rows = [
      { text: "I love this, it is wonderful and great.", label: "1" },
      { text: "Excellent quality, happy with it!", label: "1" },
      // No AFINN word: the calibrated model leans negative (P(positive) 0.36), so this is missed.
      { text: "The package arrived on Tuesday.", label: "1" },
      { text: "Terrible. Awful product, I hate it.", label: "0" },
      { text: "Broken and useless, very bad.", label: "0" },
    ];
    const outputs = await backend.doRun(rows.map((row) => row.text));
    await backend.unload();
    const golds = rows.map((row) => row.label);
    const { mapping } = matchLabels(["0", "1"], [...(backend.describe().labels ?? [])]);
    expect(mapping).toEqual({ "0": "negative", "1": "positive" });

    const result = computeMetrics({ metric: "accuracy", golds, outputs, labelMapping: mapping });
    expect(result.value).toBe(0.8);
    expect(result.qualityCi).toEqual(proportionCi(4, 5));
    expect(result.perClassRecall).toEqual({ "0": 1, "1": 2 / 3 });
    // macro-F1: "1" P 1, R 2/3 -> F1 0.8; "0" P 2/3, R 1 -> F1 0.8.
    expect(result.metrics.macro_f1).toBeCloseTo(0.8, 12);

    const perItem = outputs.map((output, index) =>
      itemOutcome({
        metric: "accuracy",
        gold: golds[index] ?? null,
        output,
        labelMapping: mapping,
      }),
    );
    expect(perItem).toEqual([1, 1, 0, 1, 1]);
  });
});
