/**
 * @module
 * Pages through `GET /api/models` the way the Hub paginates it: the first URL carries the
 * query (`search`, `author`, `pipeline_tag`, `sort`, `direction`, `limit`, repeated `expand`), every
 * later URL is the `Link: <...>; rel="next"` target the Hub returns, with its opaque `cursor`.
 * One yield per page, so a caller can commit each page (and the next URL, to resume from)
 * before asking for the next. Each page is validated with `apiModelInfoSchema`; a page that
 * is not a JSON array of entries with an `id` fails with `HUB_RESPONSE_INVALID`.
 */

import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { type ApiModelInfo, apiModelInfoSchema } from "./api-model-info.js";
import { type HubRequestOptions, hubRequest } from "./hub-request.js";
import { parseLinkHeader } from "./parse-link-header.js";
import { redactSecrets } from "./redact-secrets.js";

/** The fields `map-hub-model.ts` reads; the Hub sends only what `expand` names. */
export const HUB_MODEL_EXPAND_FIELDS = [
  "pipeline_tag",
  "library_name",
  "tags",
  "downloads",
  "likes",
  "lastModified",
  "createdAt",
  "gated",
  "cardData",
  "safetensors",
  "config",
  "siblings",
] as const;

/** The Hub serves at most 1,000 models per page. */
export const HUB_MAX_PAGE_SIZE = 1000;
export const DEFAULT_HUB_PAGE_SIZE = 500;

export type HubModelSort = "lastModified" | "downloads" | "likes" | "createdAt" | "trendingScore";

export interface ListModelsOptions extends Omit<HubRequestOptions, "token"> {
  /** Base URL of the Hub, e.g. `https://huggingface.co` (see `hubEndpoint`). */
  endpoint: string;
  /** Sent only to URLs on the endpoint's origin. */
  token?: string;
  /** Pipeline tag, e.g. `text-classification`. */
  task?: string;
  /** Substring of the repo id, e.g. `bert`. */
  search?: string;
  /** Owner (user or organisation), e.g. `google`. */
  author?: string;
  /** Tags every model must have (`filter`, repeated: the Hub ANDs them), e.g. `onnx`. */
  tags?: readonly string[];
  /** Models per page, 1..1000. */
  pageSize?: number;
  /** Always descending. */
  sort?: HubModelSort;
  /** Stop after this many models in total. */
  limit?: number;
  /** Resume from a `nextUrl` an earlier page yielded instead of building the first URL. */
  startUrl?: string;
  /** Fields to request; defaults to `HUB_MODEL_EXPAND_FIELDS`. */
  expand?: readonly string[];
}

export interface HubModelPage {
  models: ApiModelInfo[];
  /** The `rel="next"` target, or null on the last page. */
  nextUrl: string | null;
  /** The URL this page came from. */
  url: string;
}

export function buildListModelsUrl(options: ListModelsOptions): string {
  const pageSize = options.pageSize ?? DEFAULT_HUB_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > HUB_MAX_PAGE_SIZE) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Hub page size must be a whole number from 1 to ${HUB_MAX_PAGE_SIZE} (got ${pageSize}).`,
    );
  }
  const limit = options.limit === undefined ? pageSize : Math.min(pageSize, options.limit);
  const query = new URLSearchParams();
  if (options.search !== undefined) query.set("search", options.search);
  if (options.author !== undefined) query.set("author", options.author);
  if (options.task !== undefined) query.set("pipeline_tag", options.task);
  for (const tag of options.tags ?? []) query.append("filter", tag);
  query.set("sort", options.sort ?? "lastModified");
  query.set("direction", "-1");
  query.set("limit", String(limit));
  for (const field of options.expand ?? HUB_MODEL_EXPAND_FIELDS) query.append("expand", field);
  return `${options.endpoint.replace(/\/+$/, "")}/api/models?${query.toString()}`;
}

function invalidPage(url: string, problem: string, token: string | undefined): ModelScoutError {
  const safeUrl = redactSecrets(url, [token]);
  return new ModelScoutError(
    "HUB_RESPONSE_INVALID",
    `The Hub sent an invalid page for ${safeUrl}: ${problem}. If HF_ENDPOINT points at a mirror or proxy, check it; otherwise try again later (pages already synced are kept).`,
    { details: { url: safeUrl, problem } },
  );
}

/** Validates one page body; exported for tests of the error wording. */
export function parseModelPage(text: string, url: string, token?: string): ApiModelInfo[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const reason = errorMessage(error);
    throw invalidPage(url, `the body is not valid JSON (${reason})`, token);
  }
  if (!Array.isArray(body)) {
    const kind = body === null ? "null" : typeof body;
    throw invalidPage(url, `expected a JSON array of models, got ${kind}`, token);
  }
  const models: ApiModelInfo[] = [];
  for (const [index, entry] of body.entries()) {
    const parsed = apiModelInfoSchema.safeParse(entry);
    if (parsed.success) {
      models.push(parsed.data);
      continue;
    }
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id !== "string" || id === "") {
      throw invalidPage(url, `entry ${index} has no "id"`, token);
    }
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") ?? "?";
    throw invalidPage(
      url,
      `entry ${index} (${id}) has an invalid "${field}": ${issue?.message ?? "invalid"}`,
      token,
    );
  }
  return models;
}

function withLimit(url: string, limit: number): string {
  const parsed = new URL(url);
  const current = Number(parsed.searchParams.get("limit"));
  if (Number.isFinite(current) && current > 0 && current <= limit) return url;
  parsed.searchParams.set("limit", String(limit));
  return parsed.toString();
}

/**
 * A next-page link read under `endpoint`. A mirror may pass on the Hub's own link:
 * hf-mirror.com answers with `Link: <https://huggingface.co/api/models?...cursor=...>`
 * (padeoe/hf-mirror-site#65; huggingface_hub rewrites it too, its PR #3646), and a mirror
 * behind a path prefix (`https://mirror.example/hf`) may link to `/api/models` at its root.
 * Followed as sent, paging would leave the mirror after the first page, for a host the user
 * may not reach. So a link outside the endpoint that names a Hub API path (`/api/...`) is
 * that path and query on the endpoint; any other link is followed as sent.
 */
export function onEndpoint(link: string, endpoint: string): string {
  const base = endpoint.replace(/\/+$/, "");
  if (link.startsWith(`${base}/`)) return link;
  const url = new URL(link);
  const api = url.pathname.indexOf("/api/");
  return api === -1 ? link : `${base}${url.pathname.slice(api)}${url.search}`;
}

export async function* listModels(options: ListModelsOptions): AsyncGenerator<HubModelPage> {
  const endpointOrigin = new URL(options.endpoint).origin;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let url: string | null =
    options.startUrl === undefined
      ? buildListModelsUrl(options)
      : onEndpoint(options.startUrl, options.endpoint);
  const seen = new Set<string>();
  while (url !== null && remaining > 0) {
    // The cursor is independent of the page size, so asking for fewer is safe.
    if (Number.isFinite(remaining)) url = withLimit(url, remaining);
    if (seen.has(url))
      throw invalidPage(
        url,
        "the next-page link points back to a page already read",
        options.token,
      );
    seen.add(url);
    const sameOrigin = new URL(url).origin === endpointOrigin;
    const response = await hubRequest(url, {
      ...options,
      ...(sameOrigin && options.token !== undefined
        ? { token: options.token }
        : { token: undefined }),
    });
    let models = parseModelPage(response.text, url, options.token);
    if (models.length > remaining) models = models.slice(0, remaining);
    remaining -= models.length;
    const link = response.headers.get("link");
    const nextUrl: string | null =
      link === null ? null : (parseLinkHeader(link, url).get("next") ?? null);
    const nextOnEndpoint: string | null =
      nextUrl === null ? null : onEndpoint(nextUrl, options.endpoint);
    yield { models, nextUrl: nextOnEndpoint, url };
    url = nextOnEndpoint;
  }
}
