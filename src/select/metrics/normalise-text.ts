/**
 * @module
 * Text normalisation and tokenisation shared by the text metrics (exact match, token F1,
 * CER, WER, text agreement), so "the same answer" means the same thing in every metric.
 *
 * Normalisation: Unicode NFKC (full-width `ＡＢＣ１` becomes `ABC1`, `，` becomes `,`, the
 * ideographic space becomes a space), then case folding, then whitespace collapsed to single
 * spaces and trimmed. Case folding is `toUpperCase().toLowerCase()`, the portable
 * approximation of Unicode full case folding (`ß` and `SS` both become `ss`, final sigma
 * matches sigma); Chinese, Japanese and Korean have no case, so folding leaves them as they are.
 *
 * Tokens: whitespace separates words, except in CJK scripts (Han, Hiragana, Katakana, Hangul,
 * Bopomofo), where every character is a token of its own: Chinese and Japanese do not mark
 * word boundaries with spaces, and word segmenters disagree with each other, so characters
 * are the unit every evaluation can agree on (CMRC and KorQuAD score F1 per character too).
 * Mixed text works per run: `我用iPhone 15` gives `我`, `用`, `iphone`, `15`.
 */

const CJK_CHARACTER =
  /[\p{Script_Extensions=Han}\p{Script_Extensions=Hiragana}\p{Script_Extensions=Katakana}\p{Script_Extensions=Hangul}\p{Script_Extensions=Bopomofo}]/u;
const PUNCTUATION = /\p{P}/gu;
const WHITESPACE = /\s+/gu;

/** NFKC, case-folded, whitespace collapsed and trimmed. */
export function normaliseText(text: string): string {
  return text
    .normalize("NFKC")
    .toUpperCase()
    .toLowerCase()
    .normalize("NFKC")
    .replace(WHITESPACE, " ")
    .trim();
}

export interface TextTokenOptions {
  /**
   * Drop Unicode punctuation (`\p{P}`) before splitting, as SQuAD's F1 does: `Paris.` and
   * `Paris` are the same word. Characters inside a word are removed, not replaced by a
   * space, so `don't` becomes `dont` on both sides.
   */
  removePunctuation: boolean;
}

/** Tokens of `text` after `normaliseText`: whitespace words, CJK characters one by one. */
export function textTokens(text: string, options: TextTokenOptions): string[] {
  let normalised = normaliseText(text);
  if (options.removePunctuation) normalised = normalised.replace(PUNCTUATION, "");
  const tokens: string[] = [];
  for (const word of normalised.split(" ")) {
    let run = "";
    for (const character of word) {
      if (CJK_CHARACTER.test(character)) {
        if (run.length > 0) tokens.push(run);
        run = "";
        tokens.push(character);
      } else {
        run += character;
      }
    }
    if (run.length > 0) tokens.push(run);
  }
  return tokens;
}

/** True when `text` contains at least one CJK character (reports say WER fell back to characters). */
export function containsCjk(text: string): boolean {
  return CJK_CHARACTER.test(text);
}
