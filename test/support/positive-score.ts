import type { BackendOutput } from "../../src/backends/model-backend.js";

/** The score of the `positive` label of a sentiment backend's answer. */
export function positiveScore(output: BackendOutput | undefined): number {
  if (output?.kind !== "labels") throw new Error(`expected labels, got ${output?.kind}`);
  const positive = output.labels.find((label) => label.label === "positive");
  if (positive === undefined) throw new Error("no positive label");
  return positive.score;
}
