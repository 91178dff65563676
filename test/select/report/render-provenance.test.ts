import { describe, expect, it } from "vitest";
import type { SelectionDecision } from "../../../src/select/decision.js";
import { DecisionStore } from "../../../src/select/decision-store.js";
import { describeCandidateArtifact } from "../../../src/select/report/describe-artifact.js";
import {
  renderDecisionReport,
  renderDecisionText,
} from "../../../src/select/report/render-decision-report.js";
import { buildDecision, HOSTILE_ID } from "./decision-fixture.js";

const DATA_SHA = "5e9c7612f93b5a72601a737ac6344552f518bb6f1eb5e25b11b16e95b9d8942f";
const WEIGHTS_SHA = "a10320e9167b2d78327bc850b64c6b5083ee287691fbd2f275561da849a6ff07";
const WINNER = "Xenova/bert-base-multilingual-uncased-sentiment";
const RUNNER_UP = "uer/roberta-base-finetuned-jd-binary-chinese";

/** The fixture as a selection records it now: data hash, seeds, artifacts. */
function withProvenance(): SelectionDecision {
  const decision = buildDecision();
  decision.data.sha256 = DATA_SHA;
  decision.seeds = { sample: 1, strategy: 7 };
  for (const candidate of decision.candidates) {
    if (candidate.id === WINNER) {
      candidate.artifact = {
        kind: "hub",
        repository: WINNER,
        revision: "main",
        commitSha: "0123456789abcdef0123456789abcdef01234567",
        dtype: "q8",
        files: [
          { path: "config.json", sizeBytes: 334, sha256: "1".repeat(64) },
          // Larger than the weights, as a small model's tokenizer can be.
          { path: "tokenizer.json", sizeBytes: 42_441, sha256: "2".repeat(64) },
          { path: "onnx/model_quantized.onnx", sizeBytes: 4938, sha256: WEIGHTS_SHA },
        ],
        runtime: { name: "@huggingface/transformers", version: "4.3.2" },
      };
    }
    if (candidate.id === RUNNER_UP) {
      candidate.artifact = { kind: "npm", packages: [{ name: "sentiment", version: "5.0.2" }] };
    }
    if (candidate.id === HOSTILE_ID) {
      candidate.artifact = {
        kind: "remote",
        endpoint: "http://127.0.0.1:8000/v1?<b>",
        model: "<i>served</i>",
        note: "weights cannot be identified from here",
      };
    }
  }
  return decision;
}

function provenanceBlock(text: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf("Provenance:");
  expect(start).toBeGreaterThan(0);
  return lines.slice(start + 1).filter((line) => line.startsWith("  "));
}

describe("the decision's provenance", () => {
  it("prints a short block: data hash prefix, seeds, one line per loaded candidate", () => {
    const block = provenanceBlock(renderDecisionText(withProvenance()));
    expect(block[0]).toBe(
      `  Data: reviews & notes/<zh>.jsonl sha256 ${DATA_SHA.slice(0, 12)} (${buildDecision().data.items} items)`,
    );
    expect(block[1]).toBe("  Seeds: sample 1, strategy 7");
    expect(block).toContain(
      `  ${WINNER}: hub ${WINNER} revision main commit 0123456789ab q8: onnx/model_quantized.onnx sha256 ${WEIGHTS_SHA.slice(0, 12)} + 2 files`,
    );
    expect(block).toContain(`  ${RUNNER_UP}: npm sentiment@5.0.2`);
    // A candidate that was never loaded has nothing to show.
    expect(block.some((line) => line.includes("Helsinki/tiny-zh-sentiment"))).toBe(false);
  });

  it("shows every file and full hash in the report's table, escaped", () => {
    const html = renderDecisionReport(withProvenance());
    const section = /<section aria-labelledby="h-provenance">[\s\S]*?<\/section>/.exec(html)?.[0];
    expect(section).toBeDefined();
    expect(section).toContain(DATA_SHA);
    expect(section).toContain(WEIGHTS_SHA);
    expect(section).toContain("sample 1, strategy 7");
    expect(section).toContain("sentiment@5.0.2");
    expect(section).toContain("run by @huggingface/transformers@4.3.2");
    expect(section).toContain("&lt;i&gt;served&lt;/i&gt;");
    expect(section).not.toContain("<i>served");
  });

  it("shows a decision stored before provenance was recorded, saying what is missing", () => {
    const old = buildDecision();
    expect(old.data.sha256).toBeUndefined();
    const block = provenanceBlock(renderDecisionText(old));
    expect(block[0]).toContain("sha256 not recorded");
    expect(block).toContain(
      `  ${WINNER}: not recorded (its backend does not report one, or the decision predates provenance records)`,
    );
    const html = renderDecisionReport(old);
    expect(html).toContain("not recorded (stored before ModelScout recorded it)");
  });

  it("reads an old row back from the store and shows it", () => {
    const store = DecisionStore.open({ path: ":memory:" });
    try {
      // The record exactly as an earlier version wrote it: no sha256, seeds or artifacts.
      const old = buildDecision();
      store.save(old, null);
      const read = store.require(old.id);
      expect(read.data.sha256).toBeUndefined();
      expect(read.candidates.every((candidate) => candidate.artifact === undefined)).toBe(true);
      expect(renderDecisionText(read)).toContain("Provenance:");
      expect(renderDecisionReport(read)).toContain('id="h-provenance"');
    } finally {
      store.close();
    }
  });
});

describe("a candidate that was never loaded", () => {
  it("says it failed only when it did", () => {
    const candidate = buildDecision().candidates[0];
    if (candidate === undefined) throw new Error("the fixture has candidates");
    const unloaded = { ...candidate, artifact: undefined, loadMs: null };
    // A run without data: ranked by priors, nothing loaded.
    expect(describeCandidateArtifact({ ...unloaded, status: "winner" })).toBe(
      "not loaded (ranked by its prior; nothing was run)",
    );
    expect(describeCandidateArtifact({ ...unloaded, status: "failed" })).toBe(
      "not loaded (failed before loading)",
    );
  });
});
