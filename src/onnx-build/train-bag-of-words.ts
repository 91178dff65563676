/**
 * @module
 * Multinomial logistic regression over the *mean* of a text's token weights, trained with
 * AdaGrad in plain TypeScript. The model is exactly what the ONNX graph of
 * `build-text-classifier.ts` computes: `logits = bias + (1/n) Σ_t W[token_t]`, with `n` the
 * number of tokens (at least 1), so training and inference cannot drift apart.
 * Deterministic: the example order comes from a seeded generator.
 */

export interface BagOfWordsTrainingOptions {
  /** Token ids per example (from `encodeWords`). */
  documents: readonly (readonly number[])[];
  /** Label index per example. */
  labels: readonly number[];
  vocabularySize: number;
  labelCount: number;
  /** Passes over the data (default 12). */
  epochs?: number;
  /** AdaGrad step size (default 0.5). */
  learningRate?: number;
  /** L2 penalty on the rows an example touches (default 1e-4). */
  l2?: number;
  seed?: number;
}

export interface BagOfWordsWeights {
  /** Row-major `[vocabularySize, labelCount]`. */
  weights: Float32Array;
  bias: Float32Array;
  vocabularySize: number;
  labelCount: number;
}

/** A small, fast, seedable generator (mulberry32), so every build is identical. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with a seeded generator. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    const held = copy[index] as T;
    copy[index] = copy[other] as T;
    copy[other] = held;
  }
  return copy;
}

/** Logits of one example under the model. */
export function bagOfWordsLogits(
  model: BagOfWordsWeights,
  tokens: readonly number[],
): Float64Array {
  const logits = new Float64Array(model.labelCount);
  for (let label = 0; label < model.labelCount; label += 1) logits[label] = model.bias[label] ?? 0;
  const scale = 1 / Math.max(1, tokens.length);
  for (const token of tokens) {
    const row = token * model.labelCount;
    for (let label = 0; label < model.labelCount; label += 1) {
      logits[label] = (logits[label] ?? 0) + (model.weights[row + label] ?? 0) * scale;
    }
  }
  return logits;
}

function softmaxInPlace(values: Float64Array): void {
  let largest = -Infinity;
  for (const value of values) largest = Math.max(largest, value);
  let total = 0;
  for (let index = 0; index < values.length; index += 1) {
    const exponent = Math.exp((values[index] ?? 0) - largest);
    values[index] = exponent;
    total += exponent;
  }
  for (let index = 0; index < values.length; index += 1)
    values[index] = (values[index] ?? 0) / total;
}

export function trainBagOfWords(options: BagOfWordsTrainingOptions): BagOfWordsWeights {
  const { vocabularySize, labelCount } = options;
  const epochs = options.epochs ?? 12;
  const learningRate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-4;
  const model: BagOfWordsWeights = {
    weights: new Float32Array(vocabularySize * labelCount),
    bias: new Float32Array(labelCount),
    vocabularySize,
    labelCount,
  };
  const weightHistory = new Float32Array(vocabularySize * labelCount);
  const biasHistory = new Float32Array(labelCount);
  const random = seededRandom(options.seed ?? 1);
  const order = options.documents.map((_, index) => index);
  const counts = new Map<number, number>();
  for (let epoch = 0; epoch < epochs; epoch += 1) {
    for (const index of shuffled(order, random)) {
      const tokens = options.documents[index] ?? [];
      const probabilities = bagOfWordsLogits(model, tokens);
      softmaxInPlace(probabilities);
      const target = options.labels[index] ?? 0;
      probabilities[target] = (probabilities[target] ?? 0) - 1;
      const scale = 1 / Math.max(1, tokens.length);
      counts.clear();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const [token, count] of counts) {
        const row = token * labelCount;
        for (let label = 0; label < labelCount; label += 1) {
          const at = row + label;
          const gradient =
            (probabilities[label] ?? 0) * count * scale + l2 * (model.weights[at] ?? 0);
          weightHistory[at] = (weightHistory[at] ?? 0) + gradient * gradient;
          model.weights[at] =
            (model.weights[at] ?? 0) -
            (learningRate * gradient) / (Math.sqrt(weightHistory[at] ?? 0) + 1e-8);
        }
      }
      for (let label = 0; label < labelCount; label += 1) {
        const gradient = probabilities[label] ?? 0;
        biasHistory[label] = (biasHistory[label] ?? 0) + gradient * gradient;
        model.bias[label] =
          (model.bias[label] ?? 0) -
          (learningRate * gradient) / (Math.sqrt(biasHistory[label] ?? 0) + 1e-8);
      }
    }
  }
  return model;
}

/** Fraction of examples whose highest logit is their label. */
export function bagOfWordsAccuracy(
  model: BagOfWordsWeights,
  documents: readonly (readonly number[])[],
  labels: readonly number[],
): number {
  let correct = 0;
  documents.forEach((tokens, index) => {
    const logits = bagOfWordsLogits(model, tokens);
    let best = 0;
    for (let label = 1; label < logits.length; label += 1) {
      if ((logits[label] ?? 0) > (logits[best] ?? 0)) best = label;
    }
    if (best === labels[index]) correct += 1;
  });
  return documents.length === 0 ? 0 : correct / documents.length;
}
