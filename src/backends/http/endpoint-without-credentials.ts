/**
 * @module
 * A model server's URL as a decision may record it: where requests went, never what they
 * were allowed in with. User info is dropped, secret-looking query values are masked, and
 * anything that still looks like a token (`hf_...`, a known key) is redacted.
 */
import { redactSecrets } from "../../hub/redact-secrets.js";

const SECRET_PARAMETER = /token|key|secret|password|passwd|auth|sig|credential/i;

export function endpointWithoutCredentials(
  url: string,
  secrets: readonly (string | undefined)[] = [],
): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url, secrets);
  }
  parsed.username = "";
  parsed.password = "";
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, "REDACTED");
  }
  parsed.hash = "";
  return redactSecrets(parsed.href, secrets);
}
