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
