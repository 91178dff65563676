/**
 * @module
 * `fetchHubModel`: one model's metadata from `GET {HF_ENDPOINT}/api/models/{owner}/{name}`,
 * for an id named explicitly (a task spec's `candidates.ids`, `catalog show`) that the local
 * catalog does not hold yet. It asks for the same `expand` fields as the listing
 * (`HUB_MODEL_EXPAND_FIELDS`), so the record is mapped exactly as a synced one would be
 * (`mapHubModel`), quantised ONNX variants included (`transformersVariants`, as the sync
 * stores them). When the model info names no files (a mirror that ignores `expand`), the
 * `onnx/` folder's tree is read instead (`listOnnxTree`); when that fails too, the record is
 * returned with its files unknown and `filesNotListed` saying why.
 *
 * "Does not exist" is an answer, not a failure: `null` when `readModelInfo` says so (`404`,
 * or the `401` with `X-Error-Code: RepoNotFound` the Hub sends to anonymous requests for a
 * repository that is missing or private). A Hub that cannot be reached, or refuses a token,
 * throws `HUB_REQUEST_FAILED` naming the endpoint and what to check.
 */
import { parseTransformersModelId } from "../backends/transformers-js/transformers-variants.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { withOnnxFiles } from "../catalog/resolve-onnx-variants.js";
import { quantisedVariants } from "../catalog/store-onnx-files.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { networkReason } from "../http/fetch-with-retry.js";
import { hubAccess } from "./hub-endpoint.js";
import { DEFAULT_HUB_REQUEST_TIMEOUT_MS } from "./hub-request.js";
import { listOnnxTree } from "./list-onnx-files.js";
import { mapHubModel } from "./map-hub-model.js";
import {
  invalidModelInfo,
  type ModelInfoAnswer,
  type ReadModelInfoOptions,
  readModelInfo,
} from "./read-model-info.js";
import { repositoryPath } from "./repository-path.js";

/** Those of the model info request (`endpoint`, `token`, `expand`, retries); the tree read reuses them. */
export type FetchHubModelOptions = ReadModelInfoOptions;

export interface FetchedHubModel {
  /** The model asked for: the repository, or one of its variants for an `owner/name@q8` id. */
  record: ModelRecord;
  /** The repository's own record (the same as `record` unless a variant was asked for). */
  repository: ModelRecord;
  /** Quantised ONNX weights the repository ships, as candidates of their own (`owner/name@q8`). */
  variants: ModelRecord[];
  /** The URL that answered. */
  url: string;
  /**
   * Why the repository's files are unknown (`extra.filesUnknown`): its model info named none
   * and the tree of onnx/ could not be read. Absent when the files are known.
   */
  filesNotListed?: string;
}

function unreachable(
  error: ModelScoutError,
  id: string,
  endpoint: string,
  timeoutMs: number,
): ModelScoutError {
  const { status, attempts } = error.details;
  const cause = error.cause;
  const reason =
    typeof status === "number"
      ? `HTTP ${status}`
      : cause instanceof Error && cause.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : networkReason(cause);
  const tries =
    typeof attempts === "number" ? ` after ${attempts} ${attempts === 1 ? "try" : "tries"}` : "";
  return new ModelScoutError(
    "HUB_REQUEST_FAILED",
    `Could not fetch ${id} from the Hub at ${endpoint} (${reason}${tries}). Check the network connection and HF_ENDPOINT; offline, point HF_ENDPOINT at a mirror started with \`modelscout mirror serve <folder>\`.`,
    {
      isRetryable: true,
      cause: error,
      details: { ...error.details, endpoint, modelId: id },
    },
  );
}

/**
 * One model by id (`owner/name`, or `owner/name@q8` for a quantised variant), or `null`
 * when the Hub says it does not exist.
 */
export async function fetchHubModel(
  id: string,
  options: FetchHubModelOptions = {},
): Promise<FetchedHubModel | null> {
  const { repositoryId, dtype } = parseTransformersModelId(id.trim());
  repositoryPath(repositoryId, id);
  // Resolved once: the request and the messages name the same Hub.
  const { endpoint, token } = hubAccess(options);

  let answer: ModelInfoAnswer | null;
  try {
    answer = await readModelInfo(repositoryId, {
      ...options,
      endpoint,
      ...(token !== undefined && { token }),
    });
  } catch (error) {
    // A refused token or a rejected query already says what to fix; only failures worth
    // retrying (network, timeouts, 5xx, rate limits) point at the connection and HF_ENDPOINT.
    if (
      ModelScoutError.isInstance(error) &&
      error.code === "HUB_REQUEST_FAILED" &&
      error.isRetryable
    ) {
      const timeoutMs = options.requestTimeoutMs ?? DEFAULT_HUB_REQUEST_TIMEOUT_MS;
      throw unreachable(error, id, endpoint, timeoutMs);
    }
    throw error;
  }
  if (answer === null) return null;
  const { info, url: safeUrl } = answer;

  let repository: ModelRecord;
  try {
    repository = mapHubModel(info);
  } catch (error) {
    throw invalidModelInfo(
      safeUrl,
      `it could not be read as a catalog record (${errorMessage(error)})`,
    );
  }
  // A mirror's model info may name no files (it ignores `expand`): the onnx/ folder's tree
  // does. When that cannot be read either, the record says its files are unknown.
  let filesNotListed: string | undefined;
  if (info.siblings === null || info.siblings === undefined) {
    try {
      const tree = await listOnnxTree(repositoryId, {
        ...options,
        endpoint,
        ...(token !== undefined && { token }),
      });
      repository = withOnnxFiles(repository, tree.files);
    } catch (error) {
      if (!ModelScoutError.isInstance(error) || error.code === "ABORTED") throw error;
      filesNotListed = error.message;
    }
  }
  const variants = quantisedVariants(repository);
  const found = {
    repository,
    variants,
    url: safeUrl,
    ...(filesNotListed !== undefined && { filesNotListed }),
  };
  if (dtype === null) return { record: repository, ...found };
  // A variant the repository does not ship is an id that does not exist (when the files are
  // unknown, that cannot be told: the id is not found either, and filesNotListed says why).
  const variant = variants.find((candidate) => candidate.extra.transformersDtype === dtype);
  return variant === undefined ? null : { record: variant, ...found };
}
