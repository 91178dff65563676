/**
 * @module
 * `readModelInfo`: one model's info, `GET {HF_ENDPOINT}/api/models/{owner}/{name}?expand=...`,
 * parsed and checked against `apiModelInfoSchema`, or `null` when the Hub says the model does
 * not exist. `fetchHubModel` (a record for an id named explicitly) and `listOnnxFiles` (the
 * files selection looks up) both start here, so they ask the same way and agree on what "no
 * such model" is; each caller says what any other failure means for it.
 *
 * "Does not exist" is `404`, and the `401` with `X-Error-Code: RepoNotFound` the Hub sends to
 * anonymous requests for a repository that is missing or private (it will not confirm which).
 * Any other refusal, and a Hub that cannot be reached, throws `hubRequest`'s
 * `HUB_REQUEST_FAILED` unchanged (its `details` keep `status`, `errorCode` and the redacted
 * `url`), so a caller can tell a refused token from a network failure; a body that is not
 * model info throws `HUB_RESPONSE_INVALID`.
 */
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { type ApiModelInfo, apiModelInfoSchema } from "./api-model-info.js";
import { hubAccess } from "./hub-endpoint.js";
import { type HubRequestOptions, hubRequest } from "./hub-request.js";
import { HUB_MODEL_EXPAND_FIELDS } from "./list-models.js";
import { redactSecrets } from "./redact-secrets.js";
import { repositoryPath } from "./repository-path.js";

export interface ReadModelInfoOptions extends HubRequestOptions {
  /** Base URL of the Hub or a mirror; defaults to `HF_ENDPOINT`, else the public Hub. */
  endpoint?: string;
  /** Defaults to `HF_TOKEN` / `HUGGING_FACE_HUB_TOKEN` (see `hubToken`). */
  token?: string;
  /** Fields to request; defaults to `HUB_MODEL_EXPAND_FIELDS`, the listing's. */
  expand?: readonly string[];
}

export interface ModelInfoAnswer {
  /** The model info as the Hub sent it, checked leniently (`apiModelInfoSchema`). */
  info: ApiModelInfo;
  /** The URL that answered, without credentials. */
  url: string;
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

/** A model info answer that cannot be used; `fetchHubModel` also says so for one it cannot map. */
export function invalidModelInfo(url: string, problem: string): ModelScoutError {
  return new ModelScoutError(
    "HUB_RESPONSE_INVALID",
    `The Hub sent invalid model info for ${url}: ${problem}. If HF_ENDPOINT points at a mirror or proxy, check it; otherwise try again later.`,
    { details: { url, problem } },
  );
}

/** The Hub's "no such model": any `404`, or the `401` that names `RepoNotFound`. */
function isModelNotFound(error: unknown): boolean {
  if (!ModelScoutError.isInstance(error) || error.code !== "HUB_REQUEST_FAILED") return false;
  const { status, errorCode } = error.details;
  return status === 404 || (status === 401 && errorCode === "RepoNotFound");
}

/**
 * The info of model `repositoryId` (`owner/name`, no variant suffix), or `null` when the Hub
 * says it does not exist. Throws `INVALID_ARGUMENT` for an id that is not `owner/name`.
 */
export async function readModelInfo(
  repositoryId: string,
  options: ReadModelInfoOptions = {},
): Promise<ModelInfoAnswer | null> {
  const { endpoint, token } = hubAccess(options);
  const url = buildModelInfoUrl(endpoint, repositoryId, options.expand);
  const safeUrl = redactSecrets(url, [token]);

  let text: string;
  try {
    ({ text } = await hubRequest(url, { ...options, token }));
  } catch (error) {
    if (isModelNotFound(error)) return null;
    throw error;
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidModelInfo(safeUrl, `the body is not valid JSON (${errorMessage(error)})`);
  }
  const parsed = apiModelInfoSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidModelInfo(
      safeUrl,
      `"${issue?.path.join(".") || "(root)"}" is invalid: ${issue?.message ?? "invalid"}`,
    );
  }
  return { info: parsed.data, url: safeUrl };
}
