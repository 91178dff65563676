import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseReplayDataset,
  readReplayDataset,
} from "../../../src/backends/replay/replay-dataset.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";

const valid = [
  { question: "2+2?", scores: { a: 1, b: 0 } },
  { question: "capital of France?", scores: { a: 0.5, b: 1 }, costs: { a: 0.1, b: 0.2 } },
];

describe("parseReplayDataset", () => {
  it("reads models from the first item and keeps scores and costs", () => {
    const dataset = parseReplayDataset(valid, "inline");
    expect(dataset.models).toEqual(["a", "b"]);
    expect(dataset.items).toHaveLength(2);
    expect(dataset.items[1]?.costs).toEqual({ a: 0.1, b: 0.2 });
    expect(dataset.items[0]?.costs).toBeUndefined();
  });

  it("names the item index and field of a score outside 0..1", () => {
    const bad = [...valid, { question: "q", scores: { a: 1.5, b: 0 } }];
    expect(() => parseReplayDataset(bad, "inline")).toThrow(/item 2: scores\.a/);
  });

  it("names the item that scores different models", () => {
    const bad = [valid[0], { question: "q", scores: { a: 1 } }];
    let error: unknown;
    try {
      parseReplayDataset(bad, "inline");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelScoutError);
    expect((error as ModelScoutError).message).toMatch(/item 1 .*missing: b/);
    expect((error as ModelScoutError).details.itemIndex).toBe(1);
  });

  it("rejects a missing question, a non-array and an empty array", () => {
    expect(() => parseReplayDataset([{ scores: { a: 1 } }], "inline")).toThrow(/item 0: question/);
    expect(() => parseReplayDataset({ items: [] }, "inline")).toThrow(/JSON array/);
    expect(() => parseReplayDataset([], "inline")).toThrow(/empty/);
  });
});

describe("readReplayDataset", () => {
  it("reads a file, and says what to do for a missing or non-JSON file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "replay-"));
    const good = join(folder, "good.json");
    writeFileSync(good, JSON.stringify(valid));
    expect((await readReplayDataset(good)).items).toHaveLength(2);
    await expect(readReplayDataset(join(folder, "absent.json"))).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const broken = join(folder, "broken.json");
    writeFileSync(broken, "[{");
    await expect(readReplayDataset(broken)).rejects.toThrow(
      /is neither a JSON array \(.*\) nor JSON Lines \(line 1 is not JSON\)\. It holds items \{question, scores: \{model: 0\.\.1\}, costs\?\}/,
    );
  });

  it("reads JSON Lines, and names the missing field of a file of other rows", async () => {
    const folder = mkdtempSync(join(tmpdir(), "replay-lines-"));
    const lines = join(folder, "items.jsonl");
    writeFileSync(lines, `${valid.map((item) => JSON.stringify(item)).join("\n")}\n`);
    expect((await readReplayDataset(lines)).items).toEqual(
      (await parseReplayDataset(valid, "x")).items,
    );
    // Labelled sample data (text, label) is not replay data: its first row says what is missing.
    const sample = join(folder, "sample.jsonl");
    writeFileSync(sample, '{"text": "很好", "label": "1"}\n{"text": "差评", "label": "0"}\n');
    await expect(readReplayDataset(sample)).rejects.toThrow(
      /item 0: question: .*Fix the file so every item is \{question, scores/,
    );
  });

  it("reads a real RouterDC file: 7 models, every score in 0..1", async () => {
    const dataset = await readReplayDataset("/work/shared/data/routerdc-7llm/humaneval_test.json");
    expect(dataset.models).toHaveLength(7);
    expect(dataset.items).toHaveLength(49);
    for (const item of dataset.items) {
      for (const score of Object.values(item.scores)) {
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }
    }
  });
});
