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

describe("renderDecisionText on the hard filters", () => {
  it("says how the filters narrowed the pool, with a few of the models each removed", () => {
    const decision = buildDecision();
    const text = renderDecisionText(decision);
    const start = text.split("\n").indexOf("Filters: 6 of 5210 passed:");
    expect(start).toBeGreaterThan(0);
    expect(text.split("\n").slice(start + 1, start + 4)).toEqual([
      "  - task: 5210 -> 640, text-classification models in the catalog; left out openai/whisper-tiny (automatic-speech-recognition) and 4569 more",
      "  - language: 640 -> 38, declares Chinese (zh) or is multilingual; left out distilbert/distilbert-base-uncased-finetuned-sst-2-english (en only) and 601 more",
      "  - memory-fit: 38 -> 6, fits 8 GB on Raspberry Pi 5 at int8; left out Qwen/Qwen2.5-14B-Instruct (needs 16.2 GB at int8) and 31 more",
    ]);
  });

  it("names where the pool came from even when that step removed none, and leaves listed ids to their own lines", () => {
    const decision = buildDecision();
    const [task, language, memory] = decision.filters as [
      (typeof decision.filters)[number],
      (typeof decision.filters)[number],
      (typeof decision.filters)[number],
    ];
    const listed = { id: "npm:sentiment", reason: "declares en" };
    const text = renderDecisionText({
      ...decision,
      filters: [
        { ...task, before: 640, after: 640, removedExamples: [] },
        {
          ...language,
          after: 639,
          removedExamples: [listed],
          removedListed: [listed],
        },
        { ...memory, before: 639, after: 639, removedExamples: [] },
      ],
    });
    const lines = text.split("\n");
    const start = lines.indexOf("Filters: 639 of 640 passed:");
    expect(lines.slice(start + 1, start + 3)).toEqual([
      "  - task: 640 -> 640, text-classification models in the catalog",
      "  - language: 640 -> 639, declares Chinese (zh) or is multilingual",
    ]);
    expect(lines[start + 3]).not.toMatch(/^ {2}- /);
    expect(text).toContain(
      "Left out: npm:sentiment (listed in candidates.ids), by the language filter: declares en.",
    );
  });

  it("says nothing of filters that removed no model", () => {
    const decision = buildDecision();
    const kept = decision.filters.map((step) => ({
      ...step,
      after: step.before,
      removedExamples: [],
    }));
    expect(renderDecisionText({ ...decision, filters: kept })).not.toContain("Filters:");
    expect(renderDecisionText({ ...decision, filters: [] })).not.toContain("Filters:");
  });
});
