/**
 * @module
 * Names a client gives a request (its `x-modelscout-session` and `x-modelscout-domain`) are
 * stored and learned under, so they are not texts redaction can replace with a placeholder:
 * every session named by an email would become one session `[EMAIL]`. A name that holds
 * personal data is kept as a pseudonym instead: `pd_` and a keyed hash of it (HMAC-SHA256,
 * 22 base64url characters), the same for the same name on every server sharing the state,
 * which holds the key (`RoutingStore.pseudonymKey`). Without the key the hash cannot be
 * reversed by trying every phone number, as a plain hash could.
 */
import { createHmac } from "node:crypto";

/** What a pseudonym starts with. */
export const PSEUDONYM_PREFIX = "pd_";

/** The pseudonym of `name` under `key`. */
export function pseudonymOf(name: string, key: Buffer): string {
  return `${PSEUDONYM_PREFIX}${createHmac("sha256", key).update(name).digest("base64url").slice(0, 22)}`;
}

/**
 * A function that returns a name as given, or its pseudonym when `findsPersonalData` finds
 * personal data in it. `key` is read on first need, and kept.
 */
export function namePseudonymizer(
  findsPersonalData: (text: string) => boolean,
  key: () => Buffer,
): (name: string) => string {
  let kept: Buffer | undefined;
  return (name) => {
    if (!findsPersonalData(name)) return name;
    kept ??= key();
    return pseudonymOf(name, kept);
  };
}
