/**
 * @module
 * `hashed-ngrams`: a lexical sentence embedding with no weights. Character unigrams and
 * bigrams (per word for spaced scripts, across the text for Chinese and Japanese, which have
 * no spaces) are hashed into a fixed number of buckets, counted with sublinear term
 * frequency and L2-normalised, so the cosine of two vectors measures shared characters and
 * character pairs. It is a bag of n-grams, not a neural model: it knows no synonyms, only
 * surface overlap. It is here because the English Universal Sentence Encoder that ships in
 * npm maps every Chinese sentence to the same vector (measured: cosine 1.00 between
 * unrelated Chinese questions), and a nearest-neighbour router over short Chinese customer
 * questions still needs *some* similarity that runs offline.
 */

import { VERSION } from "../../version.js";
import { throwIfRunAborted } from "../cancellation.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
} from "../model-backend.js";
import { lastUserText } from "./echo-backend.js";

export const DEFAULT_HASHED_NGRAM_DIMENSIONS = 2048;

export interface HashedNgramEmbeddingOptions {
  modelId: string;
  /** Number of hash buckets (vector length). Default 2048. */
  dimensions?: number;
}

/** FNV-1a over UTF-16 code units: stable across runs and platforms. */
function hash(text: string): number {
  let value = 2166136261;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 16777619);
  }
  return value >>> 0;
}

const NO_SPACE_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

/** The n-grams of a text: unigrams and bigrams of characters, within words for spaced scripts. */
export function characterNgrams(text: string): string[] {
  const normalised = text.normalize("NFKC").toLowerCase();
  const grams: string[] = [];
  // Runs of letters/digits; a run of Han characters is one "word" (the whole clause).
  for (const match of normalised.matchAll(/[\p{L}\p{N}]+/gu)) {
    const characters = Array.from(match[0]);
    const spaced = !NO_SPACE_SCRIPT.test(match[0]);
    if (spaced) grams.push(`w:${match[0]}`);
    for (let index = 0; index < characters.length; index += 1) {
      grams.push(characters[index] as string);
      if (index + 1 < characters.length) grams.push(`${characters[index]}${characters[index + 1]}`);
    }
  }
  return grams;
}

export function hashedNgramVector(text: string, dimensions: number): number[] {
  const counts = new Map<number, number>();
  for (const gram of characterNgrams(text)) {
    const bucket = hash(gram) % dimensions;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  const vector = new Array<number>(dimensions).fill(0);
  let norm = 0;
  for (const [bucket, count] of counts) {
    const weight = 1 + Math.log(count);
    vector[bucket] = weight;
    norm += weight * weight;
  }
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (const [bucket] of counts) vector[bucket] = (vector[bucket] as number) * scale;
  return vector;
}

class HashedNgramEmbeddingBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider = "hashed-ngrams";
  readonly modelId: string;
  readonly #dimensions: number;

  constructor(options: HashedNgramEmbeddingOptions) {
    this.modelId = options.modelId;
    this.#dimensions = options.dimensions ?? DEFAULT_HASHED_NGRAM_DIMENSIONS;
  }

  describe(): BackendDescription {
    return {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: this.provider,
      modelId: this.modelId,
      task: "feature-extraction",
      local: true,
    };
  }

  async load(options: RunOptions = {}): Promise<LoadResult> {
    throwIfRunAborted(options);
    // Weightless: the code is the model, and ModelScout's version names the code.
    return { loadMs: 0, artifact: { kind: "builtin", modelscoutVersion: VERSION } };
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    throwIfRunAborted(options);
    return inputs.map((input) => ({
      kind: "embedding",
      vector: hashedNgramVector(lastUserText(input, this.modelId), this.#dimensions),
    }));
  }

  async unload(): Promise<void> {
    // Nothing is held.
  }
}

export function createHashedNgramEmbeddingBackend(
  options: HashedNgramEmbeddingOptions,
): ModelBackend {
  return new HashedNgramEmbeddingBackend(options);
}
