import { describe, expect, it } from "vitest";
import { createReplayBackend } from "../../../src/backends/replay/replay-backend.js";
import { parseReplayDataset } from "../../../src/backends/replay/replay-dataset.js";
import { runModelBackendContract } from "../model-backend.contract.js";

const dataset = parseReplayDataset(
  [
    { question: "2+2?", scores: { good: 1, bad: 0 } },
    { question: "capital of France?", scores: { good: 0.75, bad: 0.25 }, costs: { good: 3 } },
  ],
  "inline",
);

runModelBackendContract({
  name: "replay",
  create: () => createReplayBackend(dataset, "good"),
  inputs: ["2+2?", { text: "capital of France?" }],
  expectedKind: "text",
  local: true,
});

describe("createReplayBackend", () => {
  it("exposes the recorded score and cost of its model", () => {
    const backend = createReplayBackend(dataset, "good");
    expect(backend.describe()).toMatchObject({ provider: "replay", task: "text-generation" });
    expect(backend.scoreFor("capital of France?")).toBe(0.75);
    expect(createReplayBackend(dataset, "bad").scoreFor("2+2?")).toBe(0);
    expect(backend.costFor("capital of France?")).toBe(3);
    expect(backend.costFor("2+2?")).toBeUndefined();
  });

  it("mentions the recorded score in its answer", async () => {
    const [output] = await createReplayBackend(dataset, "bad").doRun(["capital of France?"]);
    expect(output).toEqual({ kind: "text", text: expect.stringContaining("0.25") });
  });

  it("refuses an unknown model and an unrecorded question with NOT_FOUND", async () => {
    expect(() => createReplayBackend(dataset, "missing")).toThrow(/use one of: good, bad/);
    const backend = createReplayBackend(dataset, "good");
    expect(() => backend.scoreFor("unrecorded")).toThrow(
      expect.objectContaining({ code: "NOT_FOUND" }),
    );
    await expect(backend.doRun(["unrecorded"])).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
