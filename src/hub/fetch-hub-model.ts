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
 * "Does not exist" is an answer, not a failure: `null` on `404`, and on the `401` with
 * `X-Error-Code: RepoNotFound` the Hub sends to anonymous requests for a repository that is
 * missing or private (it will not confirm which). A Hub that cannot be reached, or refuses a
 * token, throws `HUB_REQUEST_FAILED` naming the endpoint and what to check.
 */
import { parseTransformersModelId } from "../backends/transformers-js/transformers-variants.js";
import type { ModelRecord } from "../catalog/model-record.js";
import { withOnnxFiles } from "../catalog/resolve-onnx-variants.js";
import { quantisedVariants } from "../catalog/store-onnx-files.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { networkReason } from "../http/fetch-with-retry.js";
import { apiModelInfoSchema } from "./api-model-info.js";
import { hubEndpoint, hubToken } from "./hub-endpoint.js";
import {
  DEFAULT_HUB_REQUEST_TIMEOUT_MS,
  type HubRequestOptions,
  hubRequest,
} from "./hub-request.js";
import { HUB_MODEL_EXPAND_FIELDS } from "./list-models.js";
import { listOnnxTree } from "./list-onnx-files.js";
import { mapHubModel } from "./map-hub-model.js";
import { redactSecrets } from "./redact-secrets.js";
import { repositoryPath } from "./repository-path.js";

export interface FetchHubModelOptions extends HubRequestOptions {
  /** Base URL of the Hub or a mirror; defaults to `HF_ENDPOINT`, else the public Hub. */
  endpoint?: string;
  /** Defaults to `HF_TOKEN` / `HUGGING_FACE_HUB_TOKEN` (see `hubToken`). */
  token?: string;
  /** Fields to request; defaults to `HUB_MODEL_EXPAND_FIELDS`, the listing's. */
  expand?: readonly string[];
}

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

/** Builds the request URL; exported for tests of the query. */
export function buildModelInfoUrl(
  endpoint: string,
  repositoryId: string,
  expand: readonly string[] = HUB_MODEL_EXPAND_FIELDS,
): string {
  const query = new URLSearchParams();
  // `expand` repeated, as the listing sends it and huggingface.js's `modelInfo` does.
  for (const field of expand) query.append("expand", field);
  const path = repositoryPath(repositoryId, repositoryId);
  return `${endpoint.replace(/\/+$/, "")}/api/models/${path}?${query.toString()}`;
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

function invalidAnswer(url: string, problem: string): ModelScoutError {
  return new ModelScoutError(
    "HUB_RESPONSE_INVALID",
    `The Hub sent invalid model info for ${url}: ${problem}. If HF_ENDPOINT points at a mirror or proxy, check it; otherwise try again later.`,
    { details: { url, problem } },
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
  const endpoint = (options.endpoint ?? hubEndpoint()).replace(/\/+$/, "");
  const token = options.token ?? hubToken();
  const url = buildModelInfoUrl(endpoint, repositoryId, options.expand);
  const safeUrl = redactSecrets(url, [token]);

  let text: string;
  try {
    ({ text } = await hubRequest(url, {
      ...options,
      token,
    }));
  } catch (error) {
    if (!ModelScoutError.isInstance(error) || error.code !== "HUB_REQUEST_FAILED") throw error;
    const status = error.details.status;
    if (status === 404) return null;
    if (status === 401 && error.details.errorCode === "RepoNotFound") return null;
    // A refused token or a rejected query already says what to fix; only failures worth
    // retrying (network, timeouts, 5xx, rate limits) point at the connection and HF_ENDPOINT.
    throw error.isRetryable
      ? unreachable(error, id, endpoint, options.requestTimeoutMs ?? DEFAULT_HUB_REQUEST_TIMEOUT_MS)
      : error;
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidAnswer(safeUrl, `the body is not valid JSON (${errorMessage(error)})`);
  }
  const parsed = apiModelInfoSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidAnswer(
      safeUrl,
      `"${issue?.path.join(".") || "(root)"}" is invalid: ${issue?.message ?? "invalid"}`,
    );
  }
  let repository: ModelRecord;
  try {
    repository = mapHubModel(parsed.data);
  } catch (error) {
    throw invalidAnswer(
      safeUrl,
      `it could not be read as a catalog record (${errorMessage(error)})`,
    );
  }
  // A mirror's model info may name no files (it ignores `expand`): the onnx/ folder's tree
  // does. When that cannot be read either, the record says its files are unknown.
  let filesNotListed: string | undefined;
  if (parsed.data.siblings === null || parsed.data.siblings === undefined) {
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
