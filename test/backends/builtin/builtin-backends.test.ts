import { describe, expect, it } from "vitest";
import { createEchoBackend } from "../../../src/backends/builtin/echo-backend.js";
import {
  characterNgrams,
  createHashedNgramEmbeddingBackend,
} from "../../../src/backends/builtin/hashed-ngram-embedding-backend.js";
import { runModelBackendContract } from "../model-backend.contract.js";

runModelBackendContract({
  name: "echo",
  create: () => createEchoBackend({ modelId: "echo:test", template: "[{{model}}] {{input}}" }),
  inputs: ["hello", { messages: [{ role: "user", content: "where is my parcel?" }] }],
  expectedKind: "text",
  local: true,
  artifact: "builtin",
});

runModelBackendContract({
  name: "hashed-ngrams",
  create: () => createHashedNgramEmbeddingBackend({ modelId: "builtin:hashed-ngrams" }),
  inputs: ["我的快递到哪里了", "where is my parcel"],
  expectedKind: "embedding",
  local: true,
  artifact: "builtin",
});

function cosine(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, value, index) => sum + value * (b[index] ?? 0), 0);
}

describe("builtin backends", () => {
  it("echo fills the template from the last user message and leaves $ patterns alone", async () => {
    const backend = createEchoBackend({
      modelId: "echo:desk",
      template: "{{model}} got: {{ input }}",
    });
    const [output] = await backend.doRun([
      {
        messages: [
          { role: "system", content: "be nice" },
          { role: "user", content: "costs $& and $1" },
          { role: "assistant", content: "ok" },
        ],
      },
    ]);
    expect(output).toEqual({ kind: "text", text: "echo:desk got: costs $& and $1" });
  });

  it("hashed n-grams: Chinese questions sharing characters are closer than unrelated ones", async () => {
    const backend = createHashedNgramEmbeddingBackend({ modelId: "ngrams", dimensions: 512 });
    const outputs = await backend.doRun([
      "我的快递到哪里了",
      "快递什么时候到",
      "这件衣服是什么材质的",
    ]);
    const [a, b, c] = outputs.map((output) => (output.kind === "embedding" ? output.vector : []));
    expect(a).toHaveLength(512);
    expect(cosine(a ?? [], a ?? [])).toBeCloseTo(1, 6);
    expect(cosine(a ?? [], b ?? [])).toBeGreaterThan(cosine(a ?? [], c ?? []) + 0.1);
    expect(characterNgrams("Hi 快递")).toEqual(["w:hi", "h", "hi", "i", "快", "快递", "递"]);
  });
});
