import { describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { agreementProxy, itemAgreement } from "../../../src/select/metrics/agreement-proxy.js";
import { thrownError } from "./thrown-error.js";

const label = (name: string): BackendOutput => ({
  kind: "labels",
  labels: [
    { label: "other", score: 0.1 },
    { label: name, score: 0.9 },
  ],
});
const text = (value: string): BackendOutput => ({ kind: "text", text: value });

describe("agreementProxy", () => {
  it("scores each candidate by the share of other candidates with the same top label", () => {
    // Item 0: all three say pos (POSITIVE equals pos after case folding).
    // Item 1: pos / neg / neg -> candidate 0 agrees with 0 of 2, candidates 1 and 2 with 1 of 2.
    // Item 2: candidate 2 failed; candidates 0 and 1 agree with the one other answer.
    const result = agreementProxy([
      [label("pos"), label("pos"), label("neg")],
      [label("pos"), label("neg"), label("neg")],
      [label("POS"), label("neg"), null],
    ]);
    expect(result[0]).toEqual({ agreement: 2 / 3, items: 3, perItem: [1, 0, 1] });
    expect(result[1]?.agreement).toBeCloseTo((1 + 0.5 + 1) / 3, 12);
    expect(result[2]).toEqual({ agreement: 0.75, items: 2, perItem: [1, 0.5, null] });
  });

  it("compares generated text after normalisation", () => {
    const result = agreementProxy([
      [text("Paris"), text("北京")],
      [text(" paris "), text("北京 ")],
      [text("Lyon"), text("上海")],
    ]);
    expect(result.map((candidate) => candidate.agreement)).toEqual([0.5, 0.5, 0]);
  });

  it("never counts two empty answers as agreement", () => {
    const result = agreementProxy([
      [{ kind: "labels", labels: [] }, text("")],
      [{ kind: "labels", labels: [] }, text("  ")],
    ]);
    expect(result.map((candidate) => candidate.agreement)).toEqual([0, 0]);
  });

  it("uses per-candidate label maps when label sets differ", () => {
    const outputs = [[label("LABEL_1")], [label("POSITIVE")]];
    expect(agreementProxy(outputs)[0]?.agreement).toBe(0);
    const mapped = agreementProxy(outputs, {
      labelMaps: [{ LABEL_1: "positive" }, { POSITIVE: "positive" }],
    });
    expect(mapped.map((candidate) => candidate.agreement)).toEqual([1, 1]);
  });

  it("compares span sets for token classification", () => {
    const spans = (entities: [string, number, number][]): BackendOutput => ({
      kind: "spans",
      spans: entities.map(([name, start, end]) => ({
        label: name,
        start,
        end,
        text: "",
        score: 1,
      })),
    });
    const result = agreementProxy([
      [
        spans([
          ["PER", 0, 4],
          ["LOC", 10, 15],
        ]),
      ],
      [
        spans([
          ["LOC", 10, 15],
          ["per", 0, 4],
        ]),
      ],
      [spans([["PER", 0, 4]])],
    ]);
    expect(result.map((candidate) => candidate.agreement)).toEqual([0.5, 0.5, 0]);
  });

  it("gives NaN to a candidate with nothing comparable, and rejects bad input", () => {
    const result = agreementProxy([[null], [label("a")]]);
    expect(result[0]).toEqual({ agreement: Number.NaN, items: 0, perItem: [null] });
    expect(result[1]?.items).toBe(0);
    expect(thrownError(() => agreementProxy([[label("a")]]))).toMatch(
      /^INVALID_ARGUMENT: agreement: needs outputs from at least 2 candidates/,
    );
    expect(thrownError(() => agreementProxy([[label("a")], []]))).toMatch(/got 1, 0 outputs/);
    expect(
      thrownError(() =>
        agreementProxy([
          [{ kind: "embedding", vector: [1] }],
          [{ kind: "embedding", vector: [1] }],
        ]),
      ),
    ).toMatch(/different spaces/);
  });
});

describe("itemAgreement", () => {
  it("scores one item against the others, leaving failed ones out", () => {
    expect(itemAgreement(text("Paris"), [text("paris"), text("Lyon"), null])).toBe(0.5);
    expect(itemAgreement(text("Paris"), [null])).toBeNull();
    expect(itemAgreement(null, [text("Paris")])).toBeNull();
  });
});
