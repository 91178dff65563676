/**
 * @module
 * The text of anything thrown: an `Error`'s message, or the thrown value as a string (a
 * library may throw a string or an object). For messages that quote what went wrong.
 */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
