/**
 * @module
 * Keeps credentials out of every message, log line and error detail that mentions a Hub URL
 * or request headers: the known token itself, anything that looks like a Hub token
 * (`hf_...`), bearer credentials, and secret-looking query parameters.
 */

const REDACTED = "[REDACTED]";

/** Secrets we may not know verbatim (a token pasted into HF_ENDPOINT, say), and their masks. */
const SECRET_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/\bhf_[A-Za-z0-9]{8,}\b/g, REDACTED],
  [/(\bBearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/([?&](?:token|access_token|api_key|apikey|password)=)[^&#\s"']+/gi, `$1${REDACTED}`],
  // user:password@ in a URL
  [/(\/\/)[^/@\s"']+:[^/@\s"']+@/g, `$1${REDACTED}@`],
];

export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    // Very short values would redact innocent text; real tokens are long.
    if (secret !== undefined && secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  for (const [pattern, mask] of SECRET_PATTERNS) result = result.replace(pattern, mask);
  return result;
}
