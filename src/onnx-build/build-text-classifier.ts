/**
 * @module
 * `buildTextClassifier`: trains a bag-of-words logistic regression on labelled texts and
 * packages it as a Hugging Face-layout model that transformers.js's `text-classification`
 * pipeline loads: `config.json` (`model_type: "bert"`, so transformers.js picks
 * `BertForSequenceClassification`, whose ONNX session only needs the inputs the graph
 * declares: `input_ids` and `attention_mask`), the word tokenizer, a model card, and
 * `onnx/model.onnx` with its `fp16` and `q8` variants.
 */
import { type BuiltModel, fileSizes, jsonFile, labelMaps } from "./built-model.js";
import {
  classifierGraph,
  WEIGHT_VARIANT_FILES,
  WEIGHT_VARIANTS,
  type WeightVariant,
} from "./lookup-graph.js";
import { type ModelCardEvaluation, modelCard } from "./model-card.js";
import { bagOfWordsAccuracy, trainBagOfWords } from "./train-bag-of-words.js";
import {
  buildVocabulary,
  encodeWords,
  MAX_SEQUENCE_TOKENS,
  tokenizerFiles,
} from "./word-tokenizer.js";

export interface LabelledTexts {
  texts: readonly string[];
  labels: readonly string[];
}

export interface TextClassifierOptions extends LabelledTexts {
  /** Repo id, `owner/name`. */
  id: string;
  /** Examples kept out of training to measure accuracy on. */
  heldOut?: LabelledTexts;
  /** Label order (index = class id); defaults to the sorted distinct labels. */
  labelNames?: readonly string[];
  languages: readonly string[];
  license: string;
  datasets: readonly string[];
  /** Model card body (Markdown). */
  description: string;
  tags?: readonly string[];
  vocabulary?: { minimumCount?: number; maximumSize?: number };
  training?: { epochs?: number; learningRate?: number; l2?: number; seed?: number };
  /** Weight formats to write (default all: fp32, fp16, q8). */
  variants?: readonly WeightVariant[];
}

function labelIndexes(labels: readonly string[], names: readonly string[]): number[] {
  const index = new Map(names.map((name, position) => [name, position]));
  return labels.map((label) => {
    const position = index.get(label);
    if (position === undefined) {
      throw new Error(`Label "${label}" is not one of the label names (${names.join(", ")}).`);
    }
    return position;
  });
}

export function buildTextClassifier(options: TextClassifierOptions): BuiltModel {
  const startedMs = performance.now();
  if (options.texts.length !== options.labels.length || options.texts.length === 0) {
    throw new Error("buildTextClassifier needs one label per text and at least one text.");
  }
  const labelNames = options.labelNames ?? [...new Set(options.labels)].sort();
  const vocabulary = buildVocabulary(options.texts, options.vocabulary);
  const documents = options.texts.map((text) => encodeWords(text, vocabulary));
  const labels = labelIndexes(options.labels, labelNames);
  const model = trainBagOfWords({
    documents,
    labels,
    vocabularySize: vocabulary.size,
    labelCount: labelNames.length,
    ...options.training,
  });
  const trainingAccuracy = bagOfWordsAccuracy(model, documents, labels);
  let heldOutAccuracy: number | null = null;
  if (options.heldOut !== undefined && options.heldOut.texts.length > 0) {
    heldOutAccuracy = bagOfWordsAccuracy(
      model,
      options.heldOut.texts.map((text) => encodeWords(text, vocabulary)),
      labelIndexes(options.heldOut.labels, labelNames),
    );
  }
  const evaluations: ModelCardEvaluation[] =
    heldOutAccuracy === null
      ? []
      : [
          {
            dataset: options.datasets[0] ?? "held-out",
            split: `held-out (${options.heldOut?.texts.length ?? 0} examples)`,
            metric: "accuracy",
            value: heldOutAccuracy,
          },
        ];
  const { tokenizer, tokenizerConfig } = tokenizerFiles(vocabulary);
  const files = new Map<string, Uint8Array | string>();
  files.set(
    "config.json",
    jsonFile({
      architectures: ["BertForSequenceClassification"],
      model_type: "bert",
      ...labelMaps(labelNames),
      vocab_size: vocabulary.size,
      hidden_size: labelNames.length,
      max_position_embeddings: MAX_SEQUENCE_TOKENS,
      problem_type: "single_label_classification",
    }),
  );
  files.set("tokenizer.json", jsonFile(tokenizer));
  files.set("tokenizer_config.json", jsonFile(tokenizerConfig));
  const metadata = {
    training_examples: String(options.texts.length),
    held_out_accuracy: heldOutAccuracy === null ? "" : heldOutAccuracy.toFixed(4),
  };
  for (const variant of options.variants ?? WEIGHT_VARIANTS) {
    files.set(
      WEIGHT_VARIANT_FILES[variant],
      classifierGraph({
        weights: model.weights,
        bias: model.bias,
        vocabularySize: vocabulary.size,
        labelCount: labelNames.length,
        variant,
        metadata,
      }),
    );
  }
  files.set(
    "README.md",
    modelCard({
      id: options.id,
      pipelineTag: "text-classification",
      languages: options.languages,
      license: options.license,
      datasets: options.datasets,
      tags: ["bag-of-words", "logistic-regression", ...(options.tags ?? [])],
      description: options.description,
      evaluations,
    }),
  );
  return {
    id: options.id,
    files,
    report: {
      id: options.id,
      pipelineTag: "text-classification",
      vocabularySize: vocabulary.size,
      trainingExamples: options.texts.length,
      heldOutAccuracy,
      heldOutExamples: options.heldOut?.texts.length ?? 0,
      trainingAccuracy,
      buildMs: performance.now() - startedMs,
      fileBytes: fileSizes(files),
    },
  };
}
