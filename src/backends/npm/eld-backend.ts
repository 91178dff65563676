/**
 * @module
 * `npm:eld`: Efficient Language Detector with its medium n-gram database (the size the
 * catalog records; `eld/medium` is a static build, so nothing is fetched). Scores are eld's
 * `getScores()` values, which lie in [0, 1].
 */
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import { importOptionalPackage, incompatiblePackage } from "./import-optional-package.js";
import { languageLabels } from "./language-labels.js";
import { npmModelBackend } from "./npm-model-backend.js";

interface EldDetector {
  detect(text: string): { language: string; getScores(): Record<string, number> };
}

export function createEldBackend(modelId = "npm:eld"): ModelBackend {
  return npmModelBackend<EldDetector>({
    modelId,
    task: "text-classification",
    packages: ["eld"],
    async load() {
      const module = (await importOptionalPackage("eld/medium", modelId)) as {
        eld?: Partial<EldDetector>;
        default?: Partial<EldDetector>;
      };
      const detector = module.eld ?? module.default;
      if (typeof detector?.detect !== "function") {
        throw incompatiblePackage("eld", modelId, "eld.detect from eld/medium (eld 2 or later)");
      }
      return detector as EldDetector;
    },
    async run(detector, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => ({
        kind: "labels",
        labels: languageLabels(
          Object.entries(detector.detect(backendInputText(input, modelId)).getScores()),
        ),
      }));
    },
  });
}
