/**
 * Choosing a cascade's threshold on labelled data (`sweepCascade`, `modelscout bench
 * cascade`): what the sweep works out from each model's answers must be what the router does
 * with the same `[first, second]` target, threshold by threshold; and the exact McNemar test
 * it reports against known values.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { pairedComparison } from "../../src/route/cascade-math.js";
import { sweepCascade } from "../../src/route/cascade-sweep.js";
import { createRouter } from "../../src/route/router.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { topLabel } from "../../src/select/metrics/classification-metrics.js";
import { runCli } from "../support/run-cli.js";

const DATA = fileURLToPath(
  new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);
const items = readFileSync(DATA, "utf8")
  .trim()
  .split("\n")
  .slice(0, 60)
  .map((line) => {
    const row = JSON.parse(line) as { text: string; label: string };
    return { input: row.text, label: row.label };
  });
const FIRST = "npm:sentiment";
const SECOND = "npm:vader-sentiment";
const THRESHOLDS = [0.7, 0.9];

/** Accuracy and share handed on of the real router with the cascade target. */
async function routed(threshold: number) {
  const router = await createRouter({
    config: parseRoutesConfig({
      models: [FIRST, SECOND].map((id) => ({ id, kind: "catalog", isolated: false })),
      routes: [
        {
          name: "reviews",
          targets: {
            "text-classification": { candidates: [FIRST, SECOND], min_confidence: threshold },
          },
        },
      ],
    }),
  });
  let right = 0;
  let handedOn = 0;
  for (const item of items) {
    const result = await router.route({
      task: "text-classification",
      model: "reviews",
      inputs: [item.input],
      text: item.input,
    });
    if (!result.ok) throw new Error(result.decision.reason);
    const output = result.outputs[0];
    const top = output?.kind === "labels" ? topLabel(output) : null;
    if (top === item.label) right += 1;
    if (result.decision.attempts[0]?.outcome === "low-confidence") handedOn += 1;
  }
  await router.registry.close();
  return { accuracy: right / items.length, handedOn: handedOn / items.length };
}

describe("sweepCascade", () => {
  it("gives at each threshold what the router's cascade does", async () => {
    const sweep = await sweepCascade({
      items,
      first: FIRST,
      second: SECOND,
      thresholds: THRESHOLDS,
    });
    expect(sweep.rows.map((row) => row.setup)).toEqual(["first", "second", "cascade", "cascade"]);
    for (const threshold of THRESHOLDS) {
      const row = sweep.rows.find((candidate) => candidate.minConfidence === threshold);
      expect({ accuracy: row?.accuracy, handedOn: row?.handedOn }).toEqual(await routed(threshold));
    }
    // Some sentences are handed on and some are not, so both branches were exercised.
    const handedOn = sweep.rows.filter((row) => row.setup === "cascade").map((r) => r.handedOn);
    expect(handedOn.every((share) => share > 0 && share < 1)).toBe(true);
    expect(sweep.best.setup).toBe("cascade");
  }, 60_000);

  it("refuses what cannot be swept, saying why", async () => {
    await expect(
      sweepCascade({ items, first: FIRST, second: FIRST, thresholds: [0.8] }),
    ).rejects.toThrow(/first and second models are the same/);
    await expect(
      sweepCascade({ items, first: FIRST, second: SECOND, thresholds: [1.2] }),
    ).rejects.toThrow(/above 0 and at most 1/);
    await expect(sweepCascade({ items: [], first: FIRST, second: SECOND })).rejects.toThrow(
      /no labelled items/,
    );
    // Labels as a CSV export of 1/0 has them, which no sentiment model gives.
    const numbered = items.slice(0, 5).map((item) => ({
      input: item.input,
      label: item.label === "positive" ? "1" : "0",
    }));
    await expect(
      sweepCascade({ items: numbered, first: FIRST, second: SECOND, thresholds: [0.8] }),
    ).rejects.toThrow(/None of the data's labels \(.*\) is a label the models gave \(.*positive/);
  });
});

describe("pairedComparison (exact McNemar)", () => {
  it("matches the binomial tail", () => {
    const pairs = (gained: number, lost: number, same: number) => {
      const outcomes = [
        ...Array.from({ length: gained }, () => [true, false]),
        ...Array.from({ length: lost }, () => [false, true]),
        ...Array.from({ length: same }, (_, i) => [i % 2 === 0, i % 2 === 0]),
      ];
      return pairedComparison(
        outcomes.map(([a]) => a === true),
        outcomes.map(([, b]) => b === true),
      );
    };
    // 2 * sum_{i<=9} C(35, i) / 2^35, and 2 * sum_{i<=3} C(15, i) / 2^15.
    expect(pairs(26, 9, 100).p).toBeCloseTo(0.0059881205670535, 12);
    expect(pairs(12, 3, 7)).toMatchObject({ gained: 12, lost: 3 });
    expect(pairs(12, 3, 7).p).toBeCloseTo(0.03515625, 12);
    expect(pairs(0, 0, 10).p).toBe(1);
    expect(pairs(5, 5, 0).p).toBe(1);
  });
});

describe("modelscout bench cascade", () => {
  it("prints the sweep as JSON, from a JSONL file", async () => {
    const result = await runCli([
      "bench",
      "cascade",
      "--data",
      DATA,
      "--first",
      FIRST,
      "--second",
      SECOND,
      "--thresholds",
      "0.8",
      "--json",
    ]);
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code).toBe(0);
    const sweep = JSON.parse(result.stdout) as {
      items: number;
      rows: { setup: string; minConfidence: number | null }[];
      best: { minConfidence: number };
    };
    expect(sweep.items).toBe(200);
    expect(sweep.rows.map((row) => row.minConfidence)).toEqual([null, null, 0.8]);
    expect(sweep.best.minConfidence).toBe(0.8);
  }, 60_000);
});
