/**
 * @module
 * `npm:sentiment`: the AFINN-165 word list (plus the Emoji Sentiment Ranking) in the
 * `sentiment` package. The package returns a `comparative` score (sum of word valences per
 * token, unbounded); this adapter turns it into P(positive) with a logistic curve fitted on
 * the 3,003 labelled sentences the package ships as test fixtures (Amazon, IMDb and Yelp, UCI
 * "Sentiment Labelled Sentences"): P(positive) = 1 / (1 + exp(-(7.07 * comparative - 0.566))).
 * The negative intercept is what the data says: a sentence with no AFINN word is positive
 * only 36% of the time there. See docs/decisions/0006-npm-model-backends.md.
 */
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import { importOptionalPackage, incompatiblePackage } from "./import-optional-package.js";
import { npmModelBackend } from "./npm-model-backend.js";
import { positiveNegativeLabels } from "./positive-negative-labels.js";

/** Logistic fit of label ~ comparative on the package's fixtures (see the module header). */
export const AFINN_CALIBRATION = { slope: 7.07, intercept: -0.566 } as const;

interface SentimentAnalyzer {
  analyze(text: string): { comparative: number };
}

type SentimentConstructor = new () => SentimentAnalyzer;

function sentimentConstructor(module: unknown, modelId: string): SentimentConstructor {
  const candidate = (module as { default?: unknown }).default ?? module;
  if (typeof candidate !== "function") {
    throw incompatiblePackage("sentiment", modelId, "a Sentiment class as its default export");
  }
  return candidate as SentimentConstructor;
}

export function createSentimentBackend(modelId = "npm:sentiment"): ModelBackend {
  return npmModelBackend<SentimentAnalyzer>({
    modelId,
    task: "text-classification",
    packages: ["sentiment"],
    labels: ["positive", "negative"],
    async load() {
      const Sentiment = sentimentConstructor(
        await importOptionalPackage("sentiment", modelId),
        modelId,
      );
      return new Sentiment();
    },
    async run(analyzer, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => {
        const { comparative } = analyzer.analyze(backendInputText(input, modelId));
        return {
          kind: "labels",
          labels: positiveNegativeLabels(
            AFINN_CALIBRATION.slope * comparative + AFINN_CALIBRATION.intercept,
          ),
        };
      });
    },
  });
}
