/**
 * @module
 * U+0000 in strings kept on PostgreSQL, whose text cannot hold it (ADR 0068). Apart from
 * `postgres-state-database.ts` so that code reading PostgreSQL's JSON can undo it without
 * loading the driver.
 */

/**
 * PostgreSQL's text cannot hold U+0000, which SQLite's can (a request's text may, and the
 * alert engine's state keys join their parts with it). Stored as U+FFFF followed by "0", with
 * U+FFFF itself doubled, so every string reads back as it was written; one character that is
 * not a character (U+FFFF) is the cost of escaping the rare string that has either.
 */
export function escapeNul(value: string): string {
  if (!value.includes("\0") && !value.includes("\uffff")) return value;
  return value.replace(/\uffff/g, "\uffff\uffff").replace(/\0/g, "\uffff0");
}

export function unescapeNul(value: string): string {
  if (!value.includes("\uffff")) return value;
  return value.replace(/\uffff([\uffff0])/g, (_match, next: string) =>
    next === "0" ? "\0" : "\uffff",
  );
}
