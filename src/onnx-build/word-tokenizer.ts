/**
 * @module
 * A whole-word tokenizer in the Hugging Face `tokenizer.json` format, and the same
 * tokenisation in TypeScript for training.
 *
 * transformers.js 4 (through `@huggingface/tokenizers`) has no `WordLevel` model, so the
 * vocabulary is written as a `WordPiece` model without any `##` continuation pieces: a word
 * in the vocabulary is one token, any other word is `[UNK]`, exactly word-level behaviour.
 * The normaliser is `BertNormalizer` (clean text, space around CJK ideographs, lowercase,
 * strip accents) and the pre-tokenizer `BertPreTokenizer` (split on whitespace and
 * punctuation), so English splits into words and Chinese into characters.
 * `wordTokens` reimplements both; a test checks it against transformers.js's tokenizer.
 */

export const PAD_TOKEN = "[PAD]";
export const UNKNOWN_TOKEN = "[UNK]";
/** Longest input the models accept, in tokens (`model_max_length`). */
export const MAX_SEQUENCE_TOKENS = 512;

// The character classes of @huggingface/tokenizers' BertNormalizer and BertPreTokenizer.
const PUNCTUATION = "\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E";
const WORD_PATTERN = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, "gu");
const CONTROL_PATTERN = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;

function isChineseCodeUnit(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

function normalise(text: string): string {
  let cleaned = "";
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (code === 0 || code === 0xfffd) continue;
    if (char !== "\t" && char !== "\n" && char !== "\r" && CONTROL_PATTERN.test(char)) continue;
    cleaned += /^\s$/.test(char) ? " " : char;
  }
  let spaced = "";
  // Per UTF-16 code unit, as the reference does: astral ideographs are not split out.
  for (let index = 0; index < cleaned.length; index += 1) {
    const char = cleaned[index] ?? "";
    spaced += isChineseCodeUnit(cleaned.charCodeAt(index)) ? ` ${char} ` : char;
  }
  return spaced
    .toLowerCase()
    .normalize("NFD")
    .replace(/\p{Mn}/gu, "");
}

/** The words the tokenizer sees, before the vocabulary lookup. */
export function wordTokens(text: string): string[] {
  return normalise(text).trim().match(WORD_PATTERN) ?? [];
}

/**
 * Token ids as transformers.js computes them: unknown words map to `[UNK]`, the sequence is
 * cut at `MAX_SEQUENCE_TOKENS`.
 */
export function encodeWords(text: string, vocabulary: ReadonlyMap<string, number>): number[] {
  const unknownId = vocabulary.get(UNKNOWN_TOKEN) ?? 1;
  return wordTokens(text)
    .slice(0, MAX_SEQUENCE_TOKENS)
    .map((word) => vocabulary.get(word) ?? unknownId);
}

/**
 * Vocabulary of the words seen at least `minimumCount` times, most frequent first, capped at
 * `maximumSize` (special tokens included). Ties break alphabetically, so builds repeat.
 */
export function buildVocabulary(
  texts: readonly string[],
  options: { minimumCount?: number; maximumSize?: number } = {},
): Map<string, number> {
  const minimumCount = options.minimumCount ?? 2;
  const maximumSize = options.maximumSize ?? 30_000;
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const word of wordTokens(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const words = [...counts]
    .filter(
      ([word, count]) => count >= minimumCount && word !== PAD_TOKEN && word !== UNKNOWN_TOKEN,
    )
    .sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1))
    .slice(0, Math.max(0, maximumSize - 2))
    .map(([word]) => word);
  return new Map([PAD_TOKEN, UNKNOWN_TOKEN, ...words].map((word, index) => [word, index]));
}

/** `tokenizer.json` and `tokenizer_config.json` for a vocabulary from `buildVocabulary`. */
export function tokenizerFiles(vocabulary: ReadonlyMap<string, number>): {
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
} {
  const special = (content: string) => ({
    id: vocabulary.get(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    tokenizer: {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [special(PAD_TOKEN), special(UNKNOWN_TOKEN)],
      normalizer: {
        type: "BertNormalizer",
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: true,
      },
      pre_tokenizer: { type: "BertPreTokenizer" },
      // No [CLS]/[SEP]: a bag of words has no use for them.
      post_processor: null,
      decoder: { type: "WordPiece", prefix: "##", cleanup: true },
      model: {
        type: "WordPiece",
        unk_token: UNKNOWN_TOKEN,
        continuing_subword_prefix: "##",
        max_input_chars_per_word: 100,
        vocab: Object.fromEntries(vocabulary),
      },
    },
    tokenizerConfig: {
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      tokenize_chinese_chars: true,
      model_max_length: MAX_SEQUENCE_TOKENS,
      pad_token: PAD_TOKEN,
      unk_token: UNKNOWN_TOKEN,
      clean_up_tokenization_spaces: true,
    },
  };
}
