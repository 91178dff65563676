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

/**
 * `make(text)`, kept per text, for texts from a small set that come back on every request:
 * route and model names from the routes config, policies, attempt outcomes. For such a text,
 * the same string each time, a map lookup costs less than the escape test (whose calls were
 * about 8k instructions of a proxied request, `bench/router-instructions.ts --functions`).
 * Bounded, so a field fed from client input cannot grow it: past `max` texts it starts again.
 */
export function keptPerText(make: (text: string) => string, max = 1024): (text: string) => string {
  const kept = new Map<string, string>();
  return (text) => {
    let form = kept.get(text);
    if (form === undefined) {
      if (kept.size >= max) kept.clear();
      form = make(text);
      kept.set(text, form);
    }
    return form;
  };
}

/** `JSON.stringify(name)` for a name from a small set (`keptPerText`). */
export const jsonName = keptPerText(jsonText);

/** `JSON.stringify(name)` for a name from a small set, or null. */
export function jsonNameOrNull(name: string | null): string {
  return name === null ? "null" : jsonName(name);
}

/** `JSON.stringify(value)`: a number that is not finite is null. */
export function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}
