import { describe, expect, it } from "vitest";
import { computePriors } from "../../src/select/priors.js";
import { makeModel } from "../support/make-model.js";

describe("computePriors", () => {
  const models = [
    makeModel({ id: "a", score: 80, downloads: 1000 }),
    makeModel({ id: "b", score: 40, downloads: 1_000_000 }),
    makeModel({ id: "c" }),
  ];

  it("averages published score and popularity over the evidence each model has", () => {
    const [a, b, c] = computePriors(models);
    // a: (0.6 * 0.8 + 0.3 * log10(1001)/log10(1000001)) / 0.9
    expect(a?.value).toBeCloseTo(
      (0.6 * 0.8 + 0.3 * (Math.log10(1001) / Math.log10(1000001))) / 0.9,
      10,
    );
    expect(b?.value).toBeCloseTo((0.6 * 0.4 + 0.3) / 0.9, 10);
    expect(c?.value).toBe(0);
    expect(a?.sources).toEqual(["published score 80.0", "1k downloads"]);
  });

  it("counts past wins and live feedback once there is enough of it", () => {
    const withEvidence = computePriors(
      models,
      new Map([["c", 3]]),
      new Map([
        ["a", { mean: 0.2, observations: 50 }],
        ["b", { mean: 0.9, observations: 4 }],
      ]),
    );
    const [a, b, c] = withEvidence;
    expect(a?.sources).toContain("live feedback 20% over 50 outcomes");
    expect(b?.sources.some((source) => source.startsWith("live feedback"))).toBe(false);
    expect(c?.sources).toContain("won 3 earlier selections for this task");
    // Evidence of earlier selections alone, won by another model, is still named.
    const [untried] = computePriors([makeModel({ id: "d" })], new Map([["e", 2]]));
    expect(untried?.sources).toEqual(["other models won earlier selections for this task"]);
    // Poor live feedback lowers a's prior below its no-feedback value.
    expect(a?.value).toBeLessThan(computePriors(models)[0]?.value ?? 0);
  });
});
