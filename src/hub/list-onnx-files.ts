/**
 * @module
 * `listOnnxFiles`: the files of one model's `onnx/` folder, for a record whose listing named
 * no files (`extra.filesUnknown`, see `catalog/resolve-onnx-variants.ts`). Two questions, the
 * second only when the first gets no answer:
 *
 * 1. the model info, `GET /api/models/{id}?expand=siblings` (`readModelInfo`, as `fetchHubModel`
 *    asks it; the repeated `expand` form the listing and huggingface.js's `modelInfo` send, the
 *    Hub accepts `expand[]` too), whose `siblings` name every file of the repository;
 * 2. when that answer has no `siblings` (mirrors that ignore `expand`), the folder's tree,
 *    `GET /api/models/{id}/tree/main/onnx`, page by page along its `Link: <...>; rel="next"`
 *    headers, as huggingface.js's `listFiles` follows them. The Hub answers a folder that does
 *    not exist with `404` and `X-Error-Code: EntryNotFound` (huggingface_hub's
 *    `list_repo_tree` raises `EntryNotFoundError` on it): no ONNX files. A `404` that says
 *    nothing of the kind is a mirror without the tree API, and the files stay unknown.
 *
 * `HF_ENDPOINT` and the token are read as in the rest of `hub/` (`hubAccess`); a next-page link
 * is read on the endpoint (`onEndpoint`), and the token goes only to the endpoint's origin. A
 * missing repository (what `readModelInfo` answers `null` for) is `NOT_FOUND`; a Hub that
 * cannot be reached `HUB_REQUEST_FAILED`; a body that is not what the Hub sends
 * `HUB_RESPONSE_INVALID`. Unlike `fetchHubModel`, which keeps a record whose tree could not be
 * read (`filesNotListed`), a look-up throws when the tree fails: selection drops a candidate
 * the Hub lacks and stops looking up at the first other failure.
 */
import { z } from "zod";
import { ONNX_FOLDER } from "../catalog/resolve-onnx-variants.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { hubAccess } from "./hub-endpoint.js";
import { hubRequest } from "./hub-request.js";
import { onEndpoint } from "./list-models.js";
import { parseLinkHeader } from "./parse-link-header.js";
import {
  type ModelInfoAnswer,
  type ReadModelInfoOptions,
  readModelInfo,
} from "./read-model-info.js";
import { redactSecrets } from "./redact-secrets.js";
import { repositoryPath } from "./repository-path.js";

/** The tree API names a folder by its path without a trailing slash (`tree/main/onnx`). */
const ONNX_TREE_PATH = ONNX_FOLDER.replace(/\/+$/, "");

/** Only the file list: the rest of the model info is `fetchHubModel`'s business. */
const SIBLINGS_ONLY = ["siblings"] as const;

/** The model info request's (`endpoint`, `token`, retries) but `expand`: the look-up asks for the files only. */
export type ListOnnxFilesOptions = Omit<ReadModelInfoOptions, "expand">;

export interface OnnxFileListing {
  /** Repository-relative paths of the files under `onnx/` (`onnx/model.onnx`), sorted; none when the folder is missing. */
  files: string[];
  /** Which answer named them: the model info's `siblings`, or the folder's tree. */
  source: "model-info" | "tree";
  /** The URLs asked, in order, without credentials. */
  urls: string[];
}

/** One entry of `GET /api/models/{id}/tree/{revision}/{path}` (huggingface.js `ApiIndexTreeEntry`). */
const treeEntrySchema = z.looseObject({
  /** `file` or `directory` (older answers: `unknown`). */
  type: z.string().nullish(),
  /** Repository-relative: `onnx/model.onnx`. */
  path: z.string().min(1),
});

interface Answer {
  text: string;
  headers: Headers;
}

/** What a refused request said: its status and the Hub's `X-Error-Code`, if any. */
interface Refusal {
  status: number;
  errorCode: string | null;
}

function invalidAnswer(url: string, problem: string): ModelScoutError {
  return new ModelScoutError(
    "HUB_RESPONSE_INVALID",
    `The Hub sent an invalid answer for ${url}: ${problem}. If HF_ENDPOINT points at a mirror or proxy, check it; otherwise try again later.`,
    { details: { url, problem } },
  );
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidAnswer(url, `the body is not valid JSON (${errorMessage(error)})`);
  }
}

/** What `hubRequest` threw for a 4xx it would not retry, or `null` for any other failure. */
function refusalOf(error: unknown): Refusal | null {
  if (
    !ModelScoutError.isInstance(error) ||
    error.code !== "HUB_REQUEST_FAILED" ||
    error.isRetryable
  ) {
    return null;
  }
  const { status, errorCode } = error.details;
  if (typeof status !== "number") return null;
  return { status, errorCode: typeof errorCode === "string" ? errorCode : null };
}

/**
 * GETs `url` with the shared retry policy; a refusal (4xx) comes back as its status and error
 * code instead of throwing, since here "not found" is often an answer.
 */
async function ask(
  url: string,
  options: ListOnnxFilesOptions,
  token: string | undefined,
): Promise<Answer | Refusal> {
  try {
    const { text, headers } = await hubRequest(url, {
      ...options,
      ...(token === undefined ? { token: undefined } : { token }),
    });
    return { text, headers };
  } catch (error) {
    const refusal = refusalOf(error);
    if (refusal === null) throw error;
    return refusal;
  }
}

function isRefusal(answer: Answer | Refusal): answer is Refusal {
  return "status" in answer;
}

function notFound(id: string, endpoint: string): ModelScoutError {
  return new ModelScoutError(
    "NOT_FOUND",
    `The Hub at ${endpoint} has no model ${id} (or it is private and the token cannot read it). Check the id, HF_ENDPOINT and HF_TOKEN.`,
    { details: { modelId: id, endpoint } },
  );
}

/** A refusal that is not an answer about the files: missing repository, or any other 4xx. */
function refused(
  refusal: Refusal,
  id: string,
  endpoint: string,
  url: string,
  hasToken: boolean,
): ModelScoutError {
  if (refusal.errorCode === "RepoNotFound" && (refusal.status === 401 || refusal.status === 404)) {
    return notFound(id, endpoint);
  }
  if (refusal.status === 401 || refusal.status === 403) {
    return new ModelScoutError(
      "HUB_REQUEST_FAILED",
      `The Hub refused to list the files of ${id} (HTTP ${refusal.status}) at ${url}. ${hasToken ? "HF_TOKEN was sent and refused: check that it is valid and can read this model." : "Set HF_TOKEN to a token that can read this model."}`,
      { details: { modelId: id, url, status: refusal.status } },
    );
  }
  return new ModelScoutError(
    "HUB_REQUEST_FAILED",
    `The Hub answered HTTP ${refusal.status}${refusal.errorCode === null ? "" : ` (${refusal.errorCode})`} for ${url} while listing the files of ${id}. Check HF_ENDPOINT.`,
    { details: { modelId: id, url, status: refusal.status, errorCode: refusal.errorCode } },
  );
}

/**
 * The files of `id`'s `onnx/` folder from its tree, every page of it; exported for
 * `fetchHubModel`, which has the model info already.
 */
export async function listOnnxTree(
  id: string,
  options: ListOnnxFilesOptions = {},
): Promise<{ files: string[]; urls: string[] }> {
  const { endpoint, token } = hubAccess(options);
  const origin = new URL(endpoint).origin;
  const files: string[] = [];
  const urls: string[] = [];
  const seen = new Set<string>();
  let url: string | null =
    `${endpoint}/api/models/${repositoryPath(id)}/tree/main/${ONNX_TREE_PATH}`;
  while (url !== null) {
    const safeUrl = redactSecrets(url, [token]);
    if (seen.has(url)) {
      throw invalidAnswer(safeUrl, "the next-page link points back to a page already read");
    }
    seen.add(url);
    urls.push(safeUrl);
    const sameOrigin = new URL(url).origin === origin;
    const answer = await ask(url, options, sameOrigin ? token : undefined);
    if (isRefusal(answer)) {
      // Only the first page can be the folder's absence; a later 404 is a broken cursor.
      if (answer.status === 404 && answer.errorCode === "EntryNotFound" && urls.length === 1) {
        return { files: [], urls };
      }
      if (answer.status === 404 && answer.errorCode === null && urls.length === 1) {
        throw new ModelScoutError(
          "HUB_REQUEST_FAILED",
          `The Hub at ${endpoint} answered HTTP 404 for ${safeUrl} without saying what is missing (no X-Error-Code: EntryNotFound or RepoNotFound): HF_ENDPOINT may point at a mirror that does not serve the tree API. The files of ${id} stay unknown.`,
          { details: { modelId: id, url: safeUrl, status: 404 } },
        );
      }
      throw refused(answer, id, endpoint, safeUrl, token !== undefined);
    }
    const body = parseJson(answer.text, safeUrl);
    if (!Array.isArray(body)) {
      throw invalidAnswer(safeUrl, `expected a JSON array of tree entries, got ${typeof body}`);
    }
    for (const [index, entry] of body.entries()) {
      const parsed = treeEntrySchema.safeParse(entry);
      if (!parsed.success) throw invalidAnswer(safeUrl, `entry ${index} has no "path"`);
      if (parsed.data.type !== "directory") files.push(parsed.data.path);
    }
    const link = answer.headers.get("link");
    const next: string | undefined =
      link === null ? undefined : parseLinkHeader(link, url).get("next");
    url = next === undefined ? null : onEndpoint(next, endpoint);
  }
  return { files: files.sort(), urls };
}

/** The files under `onnx/` of model `id` (`owner/name`): model info first, then the tree. */
export async function listOnnxFiles(
  id: string,
  options: ListOnnxFilesOptions = {},
): Promise<OnnxFileListing> {
  // Resolved once: the model info, the tree and the messages name the same Hub.
  const { endpoint, token } = hubAccess(options);
  const access = { ...options, endpoint, ...(token !== undefined && { token }) };
  let answer: ModelInfoAnswer | null;
  try {
    answer = await readModelInfo(id, { ...access, expand: SIBLINGS_ONLY });
  } catch (error) {
    // A refusal other than "no such model" says so for this look-up (`refused`); the URL is
    // the one `hubRequest` asked, already without credentials.
    const refusal = refusalOf(error);
    const url = ModelScoutError.isInstance(error) ? error.details.url : undefined;
    if (refusal === null || typeof url !== "string") throw error;
    throw refused(refusal, id, endpoint, url, token !== undefined);
  }
  if (answer === null) throw notFound(id, endpoint);
  const siblings = answer.info.siblings;
  if (siblings !== null && siblings !== undefined) {
    const files = siblings
      .map((sibling) => sibling.rfilename)
      .filter((path) => path.startsWith(ONNX_FOLDER))
      .sort();
    return { files, source: "model-info", urls: [answer.url] };
  }
  const tree = await listOnnxTree(id, access);
  return { files: tree.files, source: "tree", urls: [answer.url, ...tree.urls] };
}
