/**
 * @module
 * Generation quality against reference texts: exact match and SQuAD-style token F1.
 *
 * Exact match compares `normaliseText` of both sides (NFKC, case-folded, whitespace
 * collapsed), so `  Paris ` matches `paris` but `Paris.` does not match `Paris`:
 * punctuation is content for exact match. Token F1 is the SQuAD measure of overlap between
 * the bags of tokens, with punctuation dropped and CJK text split per character
 * (`textTokens`), so `北京市` against `北京` scores 0.8 instead of 0. Unlike SQuAD it
 * keeps English articles (`a`, `an`, `the`): a language-specific stop list would make the
 * metric behave differently per language.
 */
import type { BackendOutput } from "../../backends/model-backend.js";
import { requireAlignedItems, requireItems, requireOutputKind } from "./metric-inputs.js";
import { normaliseText, textTokens } from "./normalise-text.js";

/** 1 when the normalised texts are equal, else 0. */
export function exactMatch(prediction: string, reference: string): number {
  return normaliseText(prediction) === normaliseText(reference) ? 1 : 0;
}

/**
 * Token F1 between a prediction and a reference, 0..1. Two texts with no tokens (empty, or
 * punctuation only) score 1; one empty side scores 0.
 */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = textTokens(prediction, { removePunctuation: true });
  const expected = textTokens(reference, { removePunctuation: true });
  if (predicted.length === 0 || expected.length === 0) {
    return predicted.length === expected.length ? 1 : 0;
  }
  const remaining = new Map<string, number>();
  for (const token of expected) remaining.set(token, (remaining.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const count = remaining.get(token) ?? 0;
    if (count > 0) {
      common++;
      remaining.set(token, count - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / predicted.length;
  const recall = common / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface TextMatchMetrics {
  /** Items scored (items with a reference text). */
  items: number;
  /** Items skipped because their reference was null. */
  unlabelledItems: number;
  /** Mean exact match, 0..1. */
  exactMatch: number;
  /** Mean token F1, 0..1. */
  tokenF1: number;
  /** Per scored item, in input order (items with a null reference left out). */
  perItem: { exactMatch: number; tokenF1: number }[];
}

/**
 * Mean exact match and token F1 of `text` outputs against reference texts. Items whose
 * reference is null are skipped; zero references is an `INVALID_ARGUMENT` error.
 */
export function textMatchMetrics(
  references: readonly (string | null)[],
  outputs: readonly BackendOutput[],
): TextMatchMetrics {
  requireAlignedItems("exact_match", references, outputs);
  const perItem: { exactMatch: number; tokenF1: number }[] = [];
  outputs.forEach((output, index) => {
    const { text } = requireOutputKind("exact_match", output, "text", index);
    const reference = references[index] as string | null;
    if (reference === null) return;
    perItem.push({ exactMatch: exactMatch(text, reference), tokenF1: tokenF1(text, reference) });
  });
  const items = perItem.length;
  requireItems("exact_match", items, "items with a reference text");
  return {
    items,
    unlabelledItems: outputs.length - items,
    exactMatch: perItem.reduce((sum, item) => sum + item.exactMatch, 0) / items,
    tokenF1: perItem.reduce((sum, item) => sum + item.tokenF1, 0) / items,
    perItem,
  };
}
