/**
 * @module
 * How many terminal columns a text takes, for the plain-text tables: Chinese, Japanese and
 * Korean characters (East Asian Wide and Fullwidth) and most emoji take two, combining marks
 * and zero-width joiners none, everything else one. `String.length` counts UTF-16 units, so
 * a route called 外卖 padded by it pushed every later column of its row two places left.
 * The ranges follow Unicode's EastAsianWidth.txt (W and F) in the blocks text in tables meets;
 * a rarely used wide character outside them is counted as one column, as before.
 */

const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], // Hangul Jamo initials
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2e80, 0x303e], // CJK radicals, Kangxi, ideographic description, CJK symbols and punctuation
  [0x3041, 0x33ff], // Hiragana, Katakana, Bopomofo, Hangul compatibility, CJK compatibility
  [0x3400, 0x4dbf], // CJK Extension A
  [0x4e00, 0x9fff], // CJK Unified Ideographs
  [0xa000, 0xa4cf], // Yi
  [0xa960, 0xa97f], // Hangul Jamo Extended-A
  [0xac00, 0xd7a3], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0xfe10, 0xfe19], // vertical forms
  [0xfe30, 0xfe6f], // CJK compatibility forms, small form variants
  [0xff00, 0xff60], // fullwidth forms
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f], // pictographs, emoticons
  [0x1f680, 0x1f6ff], // transport and map symbols
  [0x1f900, 0x1f9ff], // supplemental symbols and pictographs
  [0x20000, 0x3fffd], // CJK Extensions B and later, planes 2 and 3
];

const COMBINING_MARK = /^(?:\p{Mn}|\p{Me})$/u;

/** Zero-width spaces and joiners, word joiner, variation selectors, combining marks. */
function isZeroWidth(code: number, character: string): boolean {
  return (
    (code >= 0x200b && code <= 0x200f) ||
    code === 0x2060 ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    COMBINING_MARK.test(character)
  );
}

/** Columns one code point takes. */
function codePointWidth(character: string): number {
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x300) return 1; // Latin and the common cases, without a regular expression
  if (isZeroWidth(code, character)) return 0;
  for (const [first, last] of WIDE_RANGES) {
    if (code < first) return 1;
    if (code <= last) return 2;
  }
  return 1;
}

/** Terminal columns `text` takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += codePointWidth(character);
  return width;
}

/** The longest start of `text` that fits in `width` columns. */
export function sliceToWidth(text: string, width: number): string {
  let used = 0;
  let end = 0;
  for (const character of text) {
    const next = used + codePointWidth(character);
    if (next > width) break;
    used = next;
    end += character.length;
  }
  return text.slice(0, end);
}

/** The longest end of `text` that fits in `width` columns. */
export function sliceEndToWidth(text: string, width: number): string {
  const characters = [...text];
  let used = 0;
  let start = characters.length;
  while (start > 0) {
    const next = used + codePointWidth(characters[start - 1] as string);
    if (next > width) break;
    used = next;
    start -= 1;
  }
  return characters.slice(start).join("");
}

/** `text` padded with spaces to `width` columns, on the right (`left` alignment) or the left. */
export function padToWidth(text: string, width: number, align: "left" | "right"): string {
  const padding = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "right" ? padding + text : text + padding;
}
