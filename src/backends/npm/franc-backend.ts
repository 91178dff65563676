/**
 * @module
 * `npm:franc-min` (and `npm:franc`, `npm:franc-all`, which share its API with more languages):
 * trigram language identification trained on the UDHR. franc's scores are relative: the best
 * language gets 1 and the others their distance ratio to it, so they rank but are not
 * probabilities. franc answers `und` below 10 characters by default; that becomes the shared
 * `und` label.
 */
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import { importOptionalPackage, incompatiblePackage } from "./import-optional-package.js";
import { languageLabels } from "./language-labels.js";
import { npmModelBackend } from "./npm-model-backend.js";

export type FrancPackage = "franc-min" | "franc" | "franc-all";

type FrancAll = (text: string) => [string, number][];

export function createFrancBackend(
  packageName: FrancPackage | (string & {}) = "franc-min",
  modelId = `npm:${packageName}`,
): ModelBackend {
  return npmModelBackend<FrancAll>({
    modelId,
    task: "text-classification",
    packages: [packageName],
    async load() {
      const module = (await importOptionalPackage(packageName, modelId)) as { francAll?: unknown };
      if (typeof module.francAll !== "function") {
        throw incompatiblePackage(packageName, modelId, "francAll (franc 6 or later)");
      }
      return module.francAll as FrancAll;
    },
    async run(francAll, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => ({
        kind: "labels",
        labels: languageLabels(francAll(backendInputText(input, modelId))),
      }));
    },
  });
}
