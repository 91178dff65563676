/**
 * @module
 * `npm:vader-sentiment`: the JavaScript port of VADER (valence lexicon plus rules for
 * negation, intensifiers, "but" and punctuation). VADER's `compound` score is already squashed
 * into [-1, 1] but is not a probability; this adapter maps it to P(positive) with a logistic
 * curve fitted on the `sentiment` package's 3,003 labelled fixture sentences:
 * P(positive) = 1 / (1 + exp(-(4.48 * compound - 0.717))).
 *
 * No `neutral` label: VADER's own convention calls |compound| < 0.05 neutral, but the labelled
 * data we can measure on is binary, so a third label would have no calibrated score. Callers
 * who want neutral can treat a top score below their own threshold as neutral. See
 * docs/decisions/0006-npm-model-backends.md.
 */
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import { importOptionalPackage, incompatiblePackage } from "./import-optional-package.js";
import { npmModelBackend } from "./npm-model-backend.js";
import { positiveNegativeLabels } from "./positive-negative-labels.js";

/** Logistic fit of label ~ compound on the `sentiment` fixtures (see the module header). */
export const VADER_CALIBRATION = { slope: 4.48, intercept: -0.717 } as const;

interface VaderAnalyzer {
  polarity_scores(text: string): { compound: number };
}

function vaderAnalyzer(module: unknown, modelId: string): VaderAnalyzer {
  const exports = module as {
    default?: { SentimentIntensityAnalyzer?: unknown };
    SentimentIntensityAnalyzer?: unknown;
  };
  const analyzer = (exports.SentimentIntensityAnalyzer ??
    exports.default?.SentimentIntensityAnalyzer) as Partial<VaderAnalyzer> | undefined;
  if (typeof analyzer?.polarity_scores !== "function") {
    throw incompatiblePackage(
      "vader-sentiment",
      modelId,
      "SentimentIntensityAnalyzer.polarity_scores",
    );
  }
  return analyzer as VaderAnalyzer;
}

export function createVaderSentimentBackend(modelId = "npm:vader-sentiment"): ModelBackend {
  return npmModelBackend<VaderAnalyzer>({
    modelId,
    task: "text-classification",
    packages: ["vader-sentiment"],
    labels: ["positive", "negative"],
    async load() {
      return vaderAnalyzer(await importOptionalPackage("vader-sentiment", modelId), modelId);
    },
    async run(analyzer, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => {
        const { compound } = analyzer.polarity_scores(backendInputText(input, modelId));
        return {
          kind: "labels",
          labels: positiveNegativeLabels(
            VADER_CALIBRATION.slope * compound + VADER_CALIBRATION.intercept,
          ),
        };
      });
    },
  });
}
