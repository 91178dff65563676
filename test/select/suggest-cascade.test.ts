/**
 * A selection's cascade suggestion (`suggestCascade`, ADR 0057): the arithmetic on given
 * outputs, when it says nothing, and, end to end, that `modelscout select` on the English
 * sentiment sentences suggests what `modelscout bench cascade` measures through the router
 * for the same two models, items and threshold.
 */

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../src/backends/model-backend.js";
import type { SampleItem } from "../../src/select/sample-data.js";
import { type CascadeCandidate, suggestCascade } from "../../src/select/suggest-cascade.js";
import { writeLexiconSpec } from "../support/lexicon-spec.js";
import { runCli } from "../support/run-cli.js";

const labels = (label: string, score: number): BackendOutput => ({
  kind: "labels",
  labels: [
    { label, score },
    { label: label === "pos" ? "neg" : "pos", score: 1 - score },
  ],
});

/** 40 items: gold alternates pos/neg. */
const items: SampleItem[] = Array.from({ length: 40 }, (_, index) => ({
  input: `item ${index}`,
  label: index % 2 === 0 ? "pos" : "neg",
  line: index + 1,
}));
const wrong = (gold: string) => (gold === "pos" ? "neg" : "pos");

function candidate(
  id: string,
  latencyMsP50: number,
  answer: (item: SampleItem, index: number) => BackendOutput,
): CascadeCandidate {
  const outputs = new Map<number, BackendOutput>(
    items.map((item, index) => [index, answer(item, index)]),
  );
  const right = items.filter((item, index) => {
    const output = outputs.get(index);
    return output?.kind === "labels" && output.labels[0]?.label === item.label;
  }).length;
  return { id, quality: right / items.length, latencyMsP50, outputs, labelMapping: {} };
}

describe("suggestCascade", () => {
  it("hands the fast model's unsure items to the other, and reports against the better alone", () => {
    // Fast: sure (0.95) and right on items 0-29, unsure (0.6) and wrong on 30-39 (75 %).
    const fast = candidate("fast", 0.1, (item, index) =>
      index < 30 ? labels(item.label as string, 0.95) : labels(wrong(item.label as string), 0.6),
    );
    // Slow: right on 10-39, wrong on 0-9 (75 %).
    const slow = candidate("slow", 5, (item, index) =>
      index >= 10 ? labels(item.label as string, 0.9) : labels(wrong(item.label as string), 0.9),
    );
    // The winner is the slow one here; the cascade still asks the faster one first.
    const suggestion = suggestCascade("slow", [slow, fast], items);
    expect(suggestion).toMatchObject({
      first: "fast",
      second: "slow",
      // The lowest threshold above 0.6 that hands on exactly the unsure items.
      minConfidence: 0.65,
      items: 40,
      accuracy: 1,
      firstAccuracy: 0.75,
      secondAccuracy: 0.75,
      handedOn: 0.25,
      versusBetterAlone: { gained: 10, lost: 0 },
      thresholdsTried: 10,
    });
    // 2 * 0.5^10, times 10 thresholds: 0.0195.
    expect(suggestion?.versusBetterAlone.p).toBeCloseTo(2 / 1024, 12);
    expect(suggestion?.clearlyBetter).toBe(true);
    // Each half of the items picks the same threshold, and it holds on the other half.
    expect(suggestion?.heldOut).toMatchObject({
      thresholds: [0.65, 0.65],
      accuracy: 1,
      versusBetterAlone: { gained: 10, lost: 0 },
    });
  });

  it("says nothing when no cascade beats the better model alone, or on too few items", () => {
    const right = candidate("right", 0.1, (item) => labels(item.label as string, 0.6));
    const other = candidate("other", 5, (item) => labels(wrong(item.label as string), 0.99));
    expect(suggestCascade("right", [right, other], items)).toBeNull();
    const few = items.slice(0, 19);
    expect(suggestCascade("right", [right, other], few)).toBeNull();
    expect(suggestCascade("right", [right], items)).toBeNull();
  });
});

describe("modelscout select's cascade suggestion", () => {
  it("is what bench cascade measures through the router on the same items", async () => {
    const data = fileURLToPath(
      new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
    );
    const work = mkdtempSync(join(tmpdir(), "ms-suggest-cascade-"));
    // Every item on both: the cascade is then worked out on all 200.
    const spec = writeLexiconSpec(work, { path: data });
    const selected = await runCli(["select", spec, "--json", "--quiet", "--in-process"], {
      MODELSCOUT_HOME: join(work, "home"),
    });
    expect(selected.stderr).not.toMatch(/unexpected error/);
    expect(selected.code).toBe(0);
    const decision = JSON.parse(selected.stdout) as {
      cascade?: {
        first: string;
        second: string;
        minConfidence: number;
        items: number;
        accuracy: number;
        handedOn: number;
        versusBetterAlone: { gained: number; lost: number };
      };
      explanation: string[];
    };
    const cascade = decision.cascade;
    expect(cascade).toBeDefined();
    if (cascade === undefined) return;
    expect(cascade.items).toBe(200);
    expect(decision.explanation.join(" ")).toContain("A cascade may do better");
    expect(decision.explanation.join(" ")).toContain(
      "Judged on items its threshold was not picked on",
    );

    const swept = await runCli([
      "bench",
      "cascade",
      "--data",
      data,
      "--first",
      cascade.first,
      "--second",
      cascade.second,
      "--thresholds",
      String(cascade.minConfidence),
      "--json",
    ]);
    expect(swept.code).toBe(0);
    const row = (
      JSON.parse(swept.stdout) as {
        rows: {
          minConfidence: number | null;
          accuracy: number;
          handedOn: number;
          versusBetterAlone?: { gained: number; lost: number };
        }[];
      }
    ).rows.find((candidate) => candidate.minConfidence === cascade.minConfidence);
    expect(row).toMatchObject({
      accuracy: cascade.accuracy,
      handedOn: cascade.handedOn,
      versusBetterAlone: cascade.versusBetterAlone,
    });
  }, 120_000);
});
