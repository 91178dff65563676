/**
 * @module
 * One output shape for every language identifier: catalog language codes (ISO 639-1 where
 * one exists, via `normaliseLanguage`), at most `LANGUAGE_LABEL_LIMIT` labels, highest score
 * first. Codes the catalog does not know stay as the detector wrote them, lowercased. When a
 * detector gives no answer (empty or too short text) the output is `und` (ISO 639-2 for
 * "undetermined") with score 0, so every input still gets a non-empty label list.
 */
import { normaliseLanguage } from "../../catalog/languages.js";
import type { LabelScore } from "../model-backend.js";

/** Enough for "which language, and what else was close"; the tail is noise. */
export const LANGUAGE_LABEL_LIMIT = 5;

export const UNDETERMINED_LANGUAGE = "und";

export function languageLabels(scores: Iterable<readonly [string, number]>): LabelScore[] {
  const best = new Map<string, number>();
  for (const [code, score] of scores) {
    if (code === UNDETERMINED_LANGUAGE || code.length === 0) continue;
    const language = normaliseLanguage(code) ?? code.toLowerCase();
    // Several detector codes can name one catalog language (cmn and zh); keep the best.
    const clamped = Math.min(1, Math.max(0, score));
    best.set(language, Math.max(best.get(language) ?? 0, clamped));
  }
  const labels = [...best]
    .map(([label, score]) => ({ label, score }))
    .sort((left, right) => right.score - left.score || left.label.localeCompare(right.label))
    .slice(0, LANGUAGE_LABEL_LIMIT);
  return labels.length > 0 ? labels : [{ label: UNDETERMINED_LANGUAGE, score: 0 }];
}
