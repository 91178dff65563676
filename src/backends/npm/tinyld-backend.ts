/**
 * @module
 * `npm:tinyld` and `npm:tinyld/heavy`: n-gram language identification; the heavy build has
 * larger tables and is more accurate. Scores are tinyld's own `accuracy` in [0, 1].
 */
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import { importOptionalPackage, incompatiblePackage } from "./import-optional-package.js";
import { languageLabels } from "./language-labels.js";
import { npmModelBackend } from "./npm-model-backend.js";

export type TinyldBuild = "normal" | "heavy" | "light";

type DetectAll = (text: string) => { lang: string; accuracy: number }[];

export function createTinyldBackend(build: TinyldBuild = "normal"): ModelBackend {
  const specifier = build === "normal" ? "tinyld" : `tinyld/${build}`;
  const modelId = `npm:${specifier}`;
  return npmModelBackend<DetectAll>({
    modelId,
    task: "text-classification",
    packages: ["tinyld"],
    async load() {
      const module = (await importOptionalPackage(specifier, modelId)) as { detectAll?: unknown };
      if (typeof module.detectAll !== "function") {
        throw incompatiblePackage("tinyld", modelId, "detectAll");
      }
      return module.detectAll as DetectAll;
    },
    async run(detectAll, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => ({
        kind: "labels",
        labels: languageLabels(
          detectAll(backendInputText(input, modelId)).map(
            ({ lang, accuracy }) => [lang, accuracy] as const,
          ),
        ),
      }));
    },
  });
}
