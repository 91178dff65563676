import { describe, expect, it } from "vitest";
import {
  MAX_TABLE_ROWS,
  renderDecisionText,
} from "../../../src/select/report/render-decision-text.js";
import { buildDecision } from "./decision-fixture.js";

describe("renderDecisionText with many candidates", () => {
  it("shows the first rows and counts the rest", () => {
    const decision = buildDecision();
    const template = decision.candidates.find((candidate) => candidate.status === "not-probed");
    expect(template).toBeDefined();
    const extra = Array.from({ length: 40 }, (_, index) => ({
      ...(template as NonNullable<typeof template>),
      id: `filler/model-${String(index).padStart(2, "0")}`,
    }));
    const many = { ...decision, candidates: [...decision.candidates, ...extra] };
    const text = renderDecisionText(many);
    const rows = text.split("\n").filter((line) => /^\s*\d+\s/.test(line));
    expect(rows).toHaveLength(MAX_TABLE_ROWS);
    expect(text).toContain(
      `... and ${many.candidates.length - MAX_TABLE_ROWS} more (--json or --report lists every candidate)`,
    );
    // The winner is ranked first, so it is always shown.
    expect(rows[0]).toContain(decision.winner?.id.slice(0, 10));
  });
});

describe("renderDecisionText on guessed data columns", () => {
  it("says which columns the inputs and labels were read from", () => {
    const decision = buildDecision();
    const both = renderDecisionText({
      ...decision,
      data: { ...decision.data, inputColumn: "评论", labelColumn: "标签" },
    });
    expect(both).toContain(
      'Read inputs from the column "评论" and labels from "标签" (the file has no "text" or "label" column; data.columns.input and data.columns.label name another).',
    );
    const input = renderDecisionText({
      ...decision,
      data: { ...decision.data, inputColumn: "review" },
    });
    expect(input).toContain(
      'Read inputs from the column "review" (the file has no "text" column; data.columns.input names another).',
    );
    expect(renderDecisionText(decision)).not.toContain("Read inputs");
  });
});
