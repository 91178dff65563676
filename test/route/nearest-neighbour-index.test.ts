import { describe, expect, it } from "vitest";
import { createHashedNgramEmbeddingBackend } from "../../src/backends/builtin/hashed-ngram-embedding-backend.js";
import type { BackendInput, ModelBackend } from "../../src/backends/model-backend.js";
import {
  NearestNeighbourIndex,
  WARM_UP_SINGLE_TEXTS,
} from "../../src/route/classify/nearest-neighbour-index.js";

/** The hashed n-gram model, recording the texts of each `doRun` call. */
function recorded(local = true): { backend: ModelBackend; calls: string[][] } {
  const inner = createHashedNgramEmbeddingBackend({ modelId: "ngrams", dimensions: 64 });
  const calls: string[][] = [];
  const backend = Object.create(inner) as ModelBackend;
  // As a model behind an HTTP endpoint describes itself: inputs leave the machine.
  if (!local) backend.describe = () => ({ ...inner.describe(), local: false });
  backend.doRun = (inputs: readonly BackendInput[], options) => {
    calls.push(inputs.map((input) => String(input)));
    return inner.doRun(inputs, options);
  };
  return { backend, calls };
}

describe("nearest-neighbour index", () => {
  it("embeds the examples in batches, then some one at a time, shortest to longest", async () => {
    const delivery = Array.from(
      { length: 70 },
      (_, index) => `where is parcel ${"x".repeat(index)}`,
    );
    const examples = new Map([
      ["delivery", delivery],
      ["complaint", ["refund", "我要退货"]],
    ]);
    const { backend, calls } = recorded();
    const index = await NearestNeighbourIndex.build(backend, examples, 3);
    expect(index.size).toBe(72);
    expect(calls.slice(0, 2).map((call) => call.length)).toEqual([64, 8]);
    const singles = calls.slice(2);
    expect(singles).toHaveLength(WARM_UP_SINGLE_TEXTS);
    expect(singles.every((call) => call.length === 1)).toBe(true);
    const lengths = singles.map(([text]) => (text as string).length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(singles[0]).toEqual(["我要退货"]);
    expect(singles.at(-1)).toEqual([delivery.at(-1)]);
    expect((await index.nearest("where is my parcel")).match?.route).toBe("delivery");
  });

  it("embeds each of fewer examples than that once more, alone", async () => {
    const { backend, calls } = recorded();
    await NearestNeighbourIndex.build(backend, new Map([["a", ["one", "three", "two"]]]), 1);
    expect(calls).toEqual([["one", "three", "two"], ["one"], ["two"], ["three"]]);
  });

  it("makes no single warm-up calls to a model that runs elsewhere", async () => {
    const { backend, calls } = recorded(false);
    const index = await NearestNeighbourIndex.build(
      backend,
      new Map([
        ["delivery", ["where is my parcel", "track my order"]],
        ["complaint", ["refund please"]],
      ]),
      1,
    );
    expect(calls).toEqual([["where is my parcel", "track my order", "refund please"]]);
    expect((await index.nearest("where is my parcel")).match?.route).toBe("delivery");
  });
});
