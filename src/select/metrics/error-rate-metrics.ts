/**
 * @module
 * OCR and speech-recognition quality: character error rate (CER) and word error rate (WER),
 * both Levenshtein distances (substitutions + deletions + insertions) divided by the length
 * of the reference. Both are error rates (lower is better, and above 1 when the output
 * inserts more than the reference holds); `rateQuality` turns one into a 0..1 quality,
 * `max(0, 1 - rate)`, for scoring beside higher-is-better metrics.
 *
 * Both sides are normalised first (`normaliseText`: NFKC, case-folded, whitespace collapsed).
 * CER counts Unicode code points and keeps punctuation: for OCR a misread comma is an error.
 * WER drops punctuation (`Hello, world.` against `hello world` is 0 errors, as speech
 * references rarely carry the punctuation an ASR model adds) and splits words with
 * `textTokens`: in Chinese, Japanese and Korean every character is a token, so for CJK text
 * WER falls back to a character error rate (without punctuation and spaces).
 *
 * Corpus rates are total edits over total reference length (as jiwer and most ASR papers
 * compute them), not a mean of per-item rates: a one-word reference with one error should not
 * weigh as much as a long one. An empty reference counts as length 1, so an output for an
 * empty reference scores one error per inserted unit instead of dividing by zero.
 */
import { distance } from "fastest-levenshtein";
import type { BackendOutput } from "../../backends/model-backend.js";
import { requireAlignedItems, requireItems, requireOutputKind } from "./metric-inputs.js";
import { normaliseText, textTokens } from "./normalise-text.js";

const SURROGATE = /[\uD800-\uDFFF]/;

/** Levenshtein distance between two sequences (unit costs), in O(|a|·|b|) time and O(|b|) memory. */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let row = 1; row <= a.length; row++) {
    current[0] = row;
    const item = a[row - 1];
    for (let column = 1; column <= b.length; column++) {
      const substitution = (previous[column - 1] as number) + (item === b[column - 1] ? 0 : 1);
      const deletion = (previous[column] as number) + 1;
      const insertion = (current[column - 1] as number) + 1;
      current[column] = Math.min(substitution, deletion, insertion);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] as number;
}

export interface EditCount {
  /** Levenshtein edits between prediction and reference. */
  edits: number;
  /** Length of the normalised reference (code points for CER, tokens for WER). */
  referenceLength: number;
}

/** Character edits between normalised texts, counted in code points. */
export function characterEdits(prediction: string, reference: string): EditCount {
  const predicted = normaliseText(prediction);
  const expected = normaliseText(reference);
  // fastest-levenshtein compares UTF-16 units; it is exact (and fast) only without surrogate
  // pairs, so texts with characters beyond the BMP (emoji, rare Han) use the code-point DP.
  if (!SURROGATE.test(predicted) && !SURROGATE.test(expected)) {
    return { edits: distance(predicted, expected), referenceLength: expected.length };
  }
  const expectedPoints = Array.from(expected);
  return {
    edits: editDistance(Array.from(predicted), expectedPoints),
    referenceLength: expectedPoints.length,
  };
}

/** Word edits between normalised texts without punctuation; CJK characters are words. */
export function wordEdits(prediction: string, reference: string): EditCount {
  const expected = textTokens(reference, { removePunctuation: true });
  return {
    edits: editDistance(textTokens(prediction, { removePunctuation: true }), expected),
    referenceLength: expected.length,
  };
}

/** CER of one item (0 is perfect; may exceed 1). */
export function characterErrorRate(prediction: string, reference: string): number {
  const { edits, referenceLength } = characterEdits(prediction, reference);
  return edits / Math.max(1, referenceLength);
}

/** WER of one item (0 is perfect; may exceed 1). */
export function wordErrorRate(prediction: string, reference: string): number {
  const { edits, referenceLength } = wordEdits(prediction, reference);
  return edits / Math.max(1, referenceLength);
}

/** An error rate as a 0..1 quality, higher is better: `max(0, 1 - rate)`. */
export function rateQuality(rate: number): number {
  return Math.max(0, 1 - rate);
}

export interface ItemEdits {
  characterEdits: number;
  referenceCharacters: number;
  wordEdits: number;
  referenceWords: number;
}

export interface ErrorRateMetrics {
  /** Items scored (items with a reference text). */
  items: number;
  /** Items skipped because their reference was null. */
  unlabelledItems: number;
  /** Total character edits / total reference characters. Lower is better. */
  cer: number;
  /** Total word edits / total reference words (characters for CJK). Lower is better. */
  wer: number;
  /** `rateQuality(cer)`, 0..1, higher is better. */
  cerQuality: number;
  /** `rateQuality(wer)`, 0..1, higher is better. */
  werQuality: number;
  characterEdits: number;
  referenceCharacters: number;
  wordEdits: number;
  referenceWords: number;
  /** Per scored item, in input order (items with a null reference left out). */
  perItem: ItemEdits[];
}

/** Corpus CER and WER of per-item edit counts (at least one item). */
export function summariseEdits(
  perItem: readonly ItemEdits[],
): Omit<ErrorRateMetrics, "unlabelledItems" | "perItem"> {
  requireItems("cer", perItem.length, "items with a reference text");
  const totals = { characterEdits: 0, referenceCharacters: 0, wordEdits: 0, referenceWords: 0 };
  for (const item of perItem) {
    totals.characterEdits += item.characterEdits;
    totals.referenceCharacters += item.referenceCharacters;
    totals.wordEdits += item.wordEdits;
    totals.referenceWords += item.referenceWords;
  }
  const cer = totals.characterEdits / Math.max(1, totals.referenceCharacters);
  const wer = totals.wordEdits / Math.max(1, totals.referenceWords);
  return {
    items: perItem.length,
    cer,
    wer,
    cerQuality: rateQuality(cer),
    werQuality: rateQuality(wer),
    ...totals,
  };
}

/**
 * Corpus CER and WER of `text` outputs against reference transcripts. Items whose reference
 * is null are skipped; zero references is an `INVALID_ARGUMENT` error.
 */
export function errorRateMetrics(
  references: readonly (string | null)[],
  outputs: readonly BackendOutput[],
): ErrorRateMetrics {
  requireAlignedItems("cer", references, outputs);
  const perItem: ItemEdits[] = [];
  outputs.forEach((output, index) => {
    const { text } = requireOutputKind("cer", output, "text", index);
    const reference = references[index] as string | null;
    if (reference === null) return;
    const characters = characterEdits(text, reference);
    const words = wordEdits(text, reference);
    perItem.push({
      characterEdits: characters.edits,
      referenceCharacters: characters.referenceLength,
      wordEdits: words.edits,
      referenceWords: words.referenceLength,
    });
  });
  requireItems("cer", perItem.length, "items with a reference text");
  return { ...summariseEdits(perItem), unlabelledItems: outputs.length - perItem.length, perItem };
}
