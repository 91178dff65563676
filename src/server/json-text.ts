/**
 * @module
 * Pieces of JSON written by hand, for the answers the routing server writes on every request
 * (`decision-wire.ts`, `chat-completion-body.ts`). On Node.js 20 `JSON.stringify` of a small object
 * costs thousands of instructions, most of them spent escaping each key and text character
 * by character; a text that needs no escape (nearly all of them) can be quoted with one
 * regular-expression test and a concatenation. Each hand-written body is tested against
 * `JSON.stringify` of the object it stands for.
 */

/**
 * What `JSON.stringify` escapes: quotes, backslashes, control characters and lone surrogates.
 * A text with any surrogate goes to `JSON.stringify`, which keeps a pair as it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters JSON escapes
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(text)`. */
export function jsonText(text: string): string {
  return JSON_ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** `JSON.stringify(text)`, null included. */
export function jsonTextOrNull(text: string | null): string {
  return text === null ? "null" : jsonText(text);
}

/** `JSON.stringify(value)`: a number that is not finite is null. */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}
