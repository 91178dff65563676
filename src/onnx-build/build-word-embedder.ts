/**
 * @module
 * `buildWordEmbedder`: word vectors for a `feature-extraction` model, from a truncated SVD of
 * the positive pointwise mutual information (PPMI) between words and the labels of the
 * texts they occur in (latent semantic analysis with labelled texts as documents). The
 * graph returns one vector per token as `last_hidden_state`; transformers.js's
 * `pooling: "mean"` averages them into a sentence vector, which is what `embedText` computes
 * here for the build-time evaluation: nearest label centroid by cosine on held-out texts.
 * Words common to every label get PMI near zero, so stop words weigh little without a list.
 */

import type { LabelledTexts } from "./build-text-classifier.js";
import { type BuiltModel, fileSizes, jsonFile } from "./built-model.js";
import {
  embeddingGraph,
  WEIGHT_VARIANT_FILES,
  WEIGHT_VARIANTS,
  type WeightVariant,
} from "./lookup-graph.js";
import { modelCard } from "./model-card.js";
import { seededRandom } from "./train-bag-of-words.js";
import {
  buildVocabulary,
  encodeWords,
  MAX_SEQUENCE_TOKENS,
  PAD_TOKEN,
  tokenizerFiles,
  UNKNOWN_TOKEN,
} from "./word-tokenizer.js";

export interface WordEmbedderOptions extends LabelledTexts {
  id: string;
  /** Texts and labels to measure nearest-centroid accuracy on. */
  heldOut?: LabelledTexts;
  /** Vector size (default 64; at most the number of distinct labels). */
  dimensions?: number;
  languages: readonly string[];
  license: string;
  datasets: readonly string[];
  description: string;
  tags?: readonly string[];
  vocabulary?: { minimumCount?: number; maximumSize?: number };
  variants?: readonly WeightVariant[];
  seed?: number;
}

/** Top eigenvectors of a symmetric matrix by block power iteration; columns of `[size, count]`. */
function topEigenvectors(
  matrix: Float64Array,
  size: number,
  count: number,
  seed: number,
): Float64Array {
  const random = seededRandom(seed);
  let basis = new Float64Array(size * count);
  for (let index = 0; index < basis.length; index += 1) basis[index] = random() - 0.5;
  const orthonormalise = (vectors: Float64Array) => {
    for (let column = 0; column < count; column += 1) {
      for (let previous = 0; previous < column; previous += 1) {
        let dot = 0;
        for (let row = 0; row < size; row += 1) {
          dot += (vectors[row * count + column] ?? 0) * (vectors[row * count + previous] ?? 0);
        }
        for (let row = 0; row < size; row += 1) {
          vectors[row * count + column] =
            (vectors[row * count + column] ?? 0) - dot * (vectors[row * count + previous] ?? 0);
        }
      }
      let norm = 0;
      for (let row = 0; row < size; row += 1) norm += (vectors[row * count + column] ?? 0) ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let row = 0; row < size; row += 1) {
        vectors[row * count + column] = (vectors[row * count + column] ?? 0) / norm;
      }
    }
  };
  orthonormalise(basis);
  for (let iteration = 0; iteration < 40; iteration += 1) {
    const next = new Float64Array(size * count);
    for (let row = 0; row < size; row += 1) {
      for (let inner = 0; inner < size; inner += 1) {
        const value = matrix[row * size + inner] ?? 0;
        if (value === 0) continue;
        for (let column = 0; column < count; column += 1) {
          next[row * count + column] =
            (next[row * count + column] ?? 0) + value * (basis[inner * count + column] ?? 0);
        }
      }
    }
    orthonormalise(next);
    basis = next;
  }
  return basis;
}

/** Mean of the token vectors, as transformers.js's mean pooling computes it. */
export function embedText(
  tokens: readonly number[],
  vectors: Float32Array,
  dimensions: number,
): Float64Array {
  const sum = new Float64Array(dimensions);
  for (const token of tokens) {
    for (let dimension = 0; dimension < dimensions; dimension += 1) {
      sum[dimension] = (sum[dimension] ?? 0) + (vectors[token * dimensions + dimension] ?? 0);
    }
  }
  const count = Math.max(1, tokens.length);
  for (let dimension = 0; dimension < dimensions; dimension += 1) {
    sum[dimension] = (sum[dimension] ?? 0) / count;
  }
  return sum;
}

function normalised(vector: Float64Array): Float64Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return vector.map((value) => value / norm);
}

/** Accuracy of assigning each text the label whose mean training vector is closest by cosine. */
export function nearestCentroidAccuracy(
  train: { vectors: readonly Float64Array[]; labels: readonly string[] },
  test: { vectors: readonly Float64Array[]; labels: readonly string[] },
): number {
  const sums = new Map<string, Float64Array>();
  train.vectors.forEach((vector, index) => {
    const label = train.labels[index] ?? "";
    const unit = normalised(vector);
    const sum = sums.get(label) ?? new Float64Array(unit.length);
    for (let dimension = 0; dimension < unit.length; dimension += 1) {
      sum[dimension] = (sum[dimension] ?? 0) + (unit[dimension] ?? 0);
    }
    sums.set(label, sum);
  });
  const centroids = [...sums].map(([label, sum]) => ({ label, unit: normalised(sum) }));
  let correct = 0;
  test.vectors.forEach((vector, index) => {
    const unit = normalised(vector);
    let bestLabel = "";
    let bestScore = -Infinity;
    for (const centroid of centroids) {
      let score = 0;
      for (let dimension = 0; dimension < unit.length; dimension += 1) {
        score += (unit[dimension] ?? 0) * (centroid.unit[dimension] ?? 0);
      }
      if (score > bestScore) {
        bestScore = score;
        bestLabel = centroid.label;
      }
    }
    if (bestLabel === test.labels[index]) correct += 1;
  });
  return test.vectors.length === 0 ? 0 : correct / test.vectors.length;
}

export function buildWordEmbedder(options: WordEmbedderOptions): BuiltModel {
  const startedMs = performance.now();
  const labelNames = [...new Set(options.labels)].sort();
  const labelIndex = new Map(labelNames.map((label, index) => [label, index]));
  const labelCount = labelNames.length;
  const dimensions = Math.min(options.dimensions ?? 64, labelCount);
  const vocabulary = buildVocabulary(options.texts, options.vocabulary);
  const vocabularySize = vocabulary.size;
  const documents = options.texts.map((text) => encodeWords(text, vocabulary));
  const padId = vocabulary.get(PAD_TOKEN) ?? 0;
  const unknownId = vocabulary.get(UNKNOWN_TOKEN) ?? 1;

  const counts = new Float64Array(vocabularySize * labelCount);
  const wordTotals = new Float64Array(vocabularySize);
  const labelTotals = new Float64Array(labelCount);
  let total = 0;
  documents.forEach((tokens, index) => {
    const label = labelIndex.get(options.labels[index] ?? "") ?? 0;
    for (const token of tokens) {
      if (token === padId || token === unknownId) continue;
      counts[token * labelCount + label] = (counts[token * labelCount + label] ?? 0) + 1;
      wordTotals[token] = (wordTotals[token] ?? 0) + 1;
      labelTotals[label] = (labelTotals[label] ?? 0) + 1;
      total += 1;
    }
  });
  // PPMI in place of the counts.
  for (let word = 0; word < vocabularySize; word += 1) {
    for (let label = 0; label < labelCount; label += 1) {
      const at = word * labelCount + label;
      const joint = counts[at] ?? 0;
      counts[at] =
        joint === 0
          ? 0
          : Math.max(
              0,
              Math.log((joint * total) / ((wordTotals[word] ?? 1) * (labelTotals[label] ?? 1))),
            );
    }
  }
  // Truncated SVD through the small label-by-label Gram matrix: vectors = M · V_k = U_k Σ_k.
  const gram = new Float64Array(labelCount * labelCount);
  for (let word = 0; word < vocabularySize; word += 1) {
    const row = word * labelCount;
    for (let left = 0; left < labelCount; left += 1) {
      const leftValue = counts[row + left] ?? 0;
      if (leftValue === 0) continue;
      for (let right = 0; right < labelCount; right += 1) {
        gram[left * labelCount + right] =
          (gram[left * labelCount + right] ?? 0) + leftValue * (counts[row + right] ?? 0);
      }
    }
  }
  const basis = topEigenvectors(gram, labelCount, dimensions, options.seed ?? 7);
  const vectors = new Float32Array(vocabularySize * dimensions);
  for (let word = 0; word < vocabularySize; word += 1) {
    for (let dimension = 0; dimension < dimensions; dimension += 1) {
      let value = 0;
      for (let label = 0; label < labelCount; label += 1) {
        value +=
          (counts[word * labelCount + label] ?? 0) * (basis[label * dimensions + dimension] ?? 0);
      }
      vectors[word * dimensions + dimension] = value;
    }
  }

  const embed = (tokens: readonly number[]) => embedText(tokens, vectors, dimensions);
  let heldOutAccuracy: number | null = null;
  if (options.heldOut !== undefined && options.heldOut.texts.length > 0) {
    heldOutAccuracy = nearestCentroidAccuracy(
      { vectors: documents.map(embed), labels: options.labels },
      {
        vectors: options.heldOut.texts.map((text) => embed(encodeWords(text, vocabulary))),
        labels: options.heldOut.labels,
      },
    );
  }

  const { tokenizer, tokenizerConfig } = tokenizerFiles(vocabulary);
  const files = new Map<string, Uint8Array | string>();
  files.set(
    "config.json",
    jsonFile({
      architectures: ["BertModel"],
      model_type: "bert",
      vocab_size: vocabularySize,
      hidden_size: dimensions,
      max_position_embeddings: MAX_SEQUENCE_TOKENS,
    }),
  );
  files.set("tokenizer.json", jsonFile(tokenizer));
  files.set("tokenizer_config.json", jsonFile(tokenizerConfig));
  for (const variant of options.variants ?? WEIGHT_VARIANTS) {
    files.set(
      WEIGHT_VARIANT_FILES[variant],
      embeddingGraph({ vectors, vocabularySize, dimensions, variant }),
    );
  }
  files.set(
    "README.md",
    modelCard({
      id: options.id,
      pipelineTag: "feature-extraction",
      languages: options.languages,
      license: options.license,
      datasets: options.datasets,
      tags: ["sentence-similarity", "word-vectors", "ppmi-svd", ...(options.tags ?? [])],
      description: options.description,
      evaluations:
        heldOutAccuracy === null
          ? []
          : [
              {
                dataset: options.datasets[0] ?? "held-out",
                split: `held-out (${options.heldOut?.texts.length ?? 0} examples), nearest label centroid`,
                metric: "accuracy",
                value: heldOutAccuracy,
              },
            ],
    }),
  );
  return {
    id: options.id,
    files,
    report: {
      id: options.id,
      pipelineTag: "feature-extraction",
      vocabularySize,
      trainingExamples: options.texts.length,
      heldOutAccuracy,
      heldOutExamples: options.heldOut?.texts.length ?? 0,
      trainingAccuracy: null,
      buildMs: performance.now() - startedMs,
      fileBytes: fileSizes(files),
    },
  };
}
