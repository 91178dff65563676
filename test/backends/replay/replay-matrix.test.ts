import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readReplayDataset } from "../../../src/backends/replay/replay-dataset.js";
import { parseScoreMatrixCsv } from "../../../src/backends/replay/replay-matrix.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";
import { sharedDataDirectory } from "../../../src/onnx-build/offline-training-data.js";

// 10 models x 3 tasks; task "c" is missing for 2 models (80%), model m9 misses task "a".
const csv = [
  "model,a,b,c",
  ...Array.from({ length: 10 }, (_, index) => {
    const a = index === 9 ? "" : (0.5 + index / 100).toFixed(2);
    const b = index === 0 ? "-0.02" : (0.3 + index / 100).toFixed(2);
    const c = index < 2 ? "" : "0.7";
    return `m${index},${a},${b},${c}`;
  }),
].join("\n");

describe("parseScoreMatrixCsv", () => {
  it("turns columns into items, drops sparse columns then incomplete models, clamps to 0..1", () => {
    const dataset = parseScoreMatrixCsv(csv, "inline");
    expect(dataset.items.map((item) => item.question)).toEqual(["a", "b"]);
    expect(dataset.models).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"]);
    expect(dataset.items[0]?.scores.m3).toBeCloseTo(0.53, 10);
    expect(dataset.items[1]?.scores.m0).toBe(0);
    expect(dataset.notes).toEqual([
      "1 of 3 items dropped (scored by fewer than 90% of the models): c",
      "1 of 10 models dropped (missing a kept item)",
      "1 cell(s) outside 0..1 clamped",
    ]);
  });

  it("keeps a sparse column when the threshold allows it", () => {
    const dataset = parseScoreMatrixCsv(csv, "inline", { minModelShare: 0.8 });
    expect(dataset.items.map((item) => item.question)).toEqual(["a", "b", "c"]);
    expect(dataset.models).toEqual(["m2", "m3", "m4", "m5", "m6", "m7", "m8"]);
  });

  it("names the line of a malformed row", () => {
    expect(() => parseScoreMatrixCsv("model,a\nm0,0.5\nm1,oops\n", "bad.csv")).toThrow(
      /line 3, column a: "oops" is not a number/,
    );
    expect(() => parseScoreMatrixCsv("model,a,b\nm0,0.5\n", "bad.csv")).toThrow(ModelScoutError);
    expect(() => parseScoreMatrixCsv("model,a\nm0,0.5\nm0,0.6\n", "bad.csv")).toThrow(
      /repeats model m0/,
    );
  });

  it("is what readReplayDataset returns for a .csv path", async () => {
    const directory = mkdtempSync(join(tmpdir(), "replay-matrix-"));
    const path = join(directory, "matrix.csv");
    writeFileSync(path, csv);
    const dataset = await readReplayDataset(path);
    expect(dataset.source).toBe(path);
    expect(dataset.items).toHaveLength(2);
  });

  it("reads the MTEB core matrix as a task-level pool", async () => {
    const dataset = await readReplayDataset(
      join(sharedDataDirectory(), "mteb", "mteb_core_matrix_tasks_ge200models.csv"),
    );
    // 52 tasks x 136 models with 203 holes: 5 sparse retrieval tasks go, then 21 models.
    expect(dataset.items).toHaveLength(47);
    expect(dataset.models).toHaveLength(115);
    expect(dataset.items.map((item) => item.question)).not.toContain("ArguAna");
    expect(dataset.models).toContain("Qwen/Qwen3-Embedding-8B");
    for (const item of dataset.items)
      for (const score of Object.values(item.scores)) expect(score).toBeGreaterThanOrEqual(0);
  });
});
