/**
 * @module
 * A Hub model id as the path of its API URLs (`/api/models/{owner}/{name}/...`), checked by
 * the Hub's own rule for repository names (shared with the mirror), so a typo fails here with
 * a message instead of reaching the Hub as an odd URL.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";

/** A Hub repository name segment. */
const SEGMENT_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

/** `owner/name` URL-encoded segment by segment; `originalId` is the id as the user wrote it. */
export function repositoryPath(repositoryId: string, originalId: string = repositoryId): string {
  const segments = repositoryId.split("/");
  if (segments.length > 2 || !segments.every((segment) => SEGMENT_PATTERN.test(segment))) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `"${originalId}" is not a Hugging Face model id. Use owner/name, e.g. "Xenova/distilbert-base-uncased-finetuned-sst-2-english" (optionally with a variant suffix such as "@q8").`,
      { details: { modelId: originalId } },
    );
  }
  return segments.map(encodeURIComponent).join("/");
}
