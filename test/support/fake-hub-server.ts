/**
 * A local stand-in for the Hugging Face Hub, on a real `node:http` server at 127.0.0.1 on a
 * free port. It speaks the part of the Hub's protocol ModelScout uses:
 * - `GET /api/models` with `search`, `author`, `pipeline_tag`, `filter` (repeatable), `sort`,
 *   `direction`, `limit` and `expand` (or `expand[]`), answered from fixture entries in the
 *   Hub's response shape, paginated with an opaque keyset `cursor` in a
 *   `Link: <...>; rel="next"` header, as the Hub does;
 * - `GET /api/models/{owner}/{name}` (one model, honouring `expand`; every field without it),
 *   answering a missing id as the Hub does: `401` to anonymous requests and `404` to
 *   authenticated ones, both with `X-Error-Code: RepoNotFound`;
 * - `GET /api/models/{owner}/{name}/tree/{revision}/{path}` (a folder's direct entries, from the
 *   files given with `setFiles` or else the model's `siblings`), paged `treePageSize` entries
 *   at a time with a `Link: <...>; rel="next"` header, a missing folder answered `404` with
 *   `X-Error-Code: EntryNotFound`, a revision other than `main` with `RevisionNotFound`;
 * - an optional required token (`401` without `Authorization: Bearer <token>`);
 * - scripted faults for the next `/api/models`, `/api/models/{id}` and tree requests (`429` with `Retry-After`, `503`,
 *   malformed JSON, a non-array body, an entry without `id`, a slow answer, a reset socket);
 * - extra routes (`route()`), so other suites can add `/resolve/` file serving.
 * Every request is recorded, to assert headers and queries.
 */

import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { HUB_DEFAULT_LISTING_FIELDS } from "../../src/mirror/mirror-api.js";

/** One model as the Hub stores it: any JSON fields, `id` required. */
export type FakeHubModel = { id: string } & Record<string, unknown>;

export type FakeHubStep =
  | { kind: "ok" }
  | { kind: "status"; status: number; retryAfter?: string; body?: string }
  | { kind: "malformed-json" }
  | { kind: "not-an-array" }
  | { kind: "entry-without-id" }
  | { kind: "slow"; delayMs: number }
  | { kind: "reset" };

/**
 * Plays the part of a scripted step every endpoint shares: a scripted status or a reset
 * connection answers for the handler, a slow step waits first. True when the response is done
 * (answered, reset, or closed by the client while waiting).
 */
async function playStep(step: FakeHubStep, response: ServerResponse): Promise<boolean> {
  if (step.kind === "status") {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (step.retryAfter !== undefined) headers["retry-after"] = step.retryAfter;
    response.writeHead(step.status, headers);
    response.end(step.body ?? JSON.stringify({ error: `Scripted HTTP ${step.status}` }));
    return true;
  }
  if (step.kind === "reset") {
    response.socket?.destroy();
    return true;
  }
  if (step.kind === "slow") await new Promise((resolve) => setTimeout(resolve, step.delayMs));
  return response.destroyed;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  headers: IncomingMessage["headers"];
}

export type FakeHubRouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) => void | Promise<void>;

export interface FakeHubOptions {
  models?: readonly FakeHubModel[];
  /** When set, every request without `Authorization: Bearer <token>` gets 401. */
  requiredToken?: string;
  /** Largest `limit` honoured; the Hub's is 1,000. */
  maxPageSize?: number;
  /**
   * A mirror's ways: the API served under this path prefix (`/hf`: `/hf/api/models`), and
   * next-page links written on `linkBase` (hf-mirror.com passes on `https://huggingface.co`).
   * Default: no prefix, links on the server's own URL (with the prefix).
   */
  pathPrefix?: string;
  linkBase?: string;
  /** Tree entries per page (the Hub's is 1,000 without `expand`). */
  treePageSize?: number;
}

export interface FakeHub {
  /** Base URL, e.g. `http://127.0.0.1:41234`: use as `HF_ENDPOINT`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The recorded `/api/models` requests only. */
  modelRequests(): RecordedRequest[];
  models(): FakeHubModel[];
  setModels(models: readonly FakeHubModel[]): void;
  /** Sets `lastModified` (and optionally other fields) of existing models, like a push would. */
  touch(ids: readonly string[], lastModified: string, changes?: Record<string, unknown>): void;
  /**
   * The repository's files for the tree API, kept apart from its JSON: model info names them
   * only when the entry has `siblings`, as on a mirror that does not expand them.
   */
  setFiles(id: string, paths: readonly string[]): void;
  /** Queues what the next `/api/models` (and `/api/models/{id}`, and tree) requests get, one step per request. */
  script(...steps: FakeHubStep[]): void;
  route(method: string, pathPrefix: string, handler: FakeHubRouteHandler): void;
  close(): Promise<void>;
}

/** `expand` values the Hub documents for `/api/models` (hub-docs api.md); others get 400. */
export const HUB_EXPANDABLE_FIELDS = new Set([
  "author",
  "cardData",
  "config",
  "createdAt",
  "disabled",
  "downloads",
  "downloadsAllTime",
  "gated",
  "inference",
  "inferenceProviderMapping",
  "lastModified",
  "library_name",
  "likes",
  "mask_token",
  "model-index",
  "pipeline_tag",
  "private",
  "safetensors",
  "sha",
  "siblings",
  "spaces",
  "tags",
  "transformersInfo",
  "trendingScore",
  "widgetData",
  "gguf",
  "resourceGroup",
  "xetEnabled",
]);

const FIXTURE_DIRECTORY = fileURLToPath(new URL("../fixtures/hub/", import.meta.url));

/** The hand-written recorded-shape entries in test/fixtures/hub/. */
export function loadHubFixtures(): FakeHubModel[] {
  return readdirSync(FIXTURE_DIRECTORY)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(`${FIXTURE_DIRECTORY}${name}`, "utf8")) as FakeHubModel);
}

const GENERATED_TASKS = [
  ["text-classification", "transformers"],
  ["feature-extraction", "sentence-transformers"],
  ["text-generation", "transformers"],
  ["token-classification", "transformers"],
  ["image-classification", "timm"],
  ["automatic-speech-recognition", "transformers"],
] as const;
const GENERATED_LICENSES = ["apache-2.0", "mit", "cc-by-4.0", "other"] as const;

/**
 * `count` deterministic entries in the Hub's shape, newest first: entry i was modified i
 * minutes before `newestMs`. Ids are `gen-org-<n>/model-<i>`.
 */
export function generateHubModels(
  count: number,
  options: { newestMs?: number; idPrefix?: string } = {},
): FakeHubModel[] {
  const newestMs = options.newestMs ?? Date.parse("2025-06-01T00:00:00.000Z");
  const prefix = options.idPrefix ?? "gen";
  return Array.from({ length: count }, (_, index) => {
    const [task, library] = GENERATED_TASKS[index % GENERATED_TASKS.length] ?? GENERATED_TASKS[0];
    const license = GENERATED_LICENSES[index % GENERATED_LICENSES.length] ?? "mit";
    const languages = index % 3 === 0 ? ["en", "fr"] : "en";
    const parameters = 1_000_000 * (1 + (index % 700));
    return {
      _id: index.toString(16).padStart(24, "0"),
      id: `${prefix}-org-${index % 97}/model-${String(index).padStart(6, "0")}`,
      author: `${prefix}-org-${index % 97}`,
      gated: false,
      private: false,
      lastModified: new Date(newestMs - index * 60_000).toISOString(),
      createdAt: "2024-01-01T00:00:00.000Z",
      downloads: ((count - index) * 7919) % 1_000_000,
      likes: index % 500,
      pipeline_tag: task,
      library_name: library,
      tags: [library, "safetensors", task, "en", `license:${license}`, "region:us"],
      modelId: `${prefix}-org-${index % 97}/model-${String(index).padStart(6, "0")}`,
      config: { architectures: ["BertModel"], model_type: "bert" },
      cardData: { language: languages, license, datasets: ["glue"] },
      safetensors: { parameters: { F32: parameters }, total: parameters },
    };
  });
}

type SortValue = string | number | null;

function sortValue(model: FakeHubModel, field: string): SortValue {
  const value = model[field];
  return typeof value === "string" || typeof value === "number" ? value : null;
}

function compareValues(left: SortValue, right: SortValue): number {
  if (left === right) return 0;
  if (left === null) return -1;
  if (right === null) return 1;
  return left < right ? -1 : 1;
}

interface Cursor {
  value: SortValue;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64");
}

function decodeCursor(text: string): Cursor | null {
  try {
    const parsed = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as Cursor;
    return typeof parsed.id === "string" ? parsed : null;
  } catch {
    return null;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}

export async function startFakeHubServer(options: FakeHubOptions = {}): Promise<FakeHub> {
  let models: FakeHubModel[] = [...(options.models ?? loadHubFixtures())];
  const maxPageSize = options.maxPageSize ?? 1000;
  const requests: RecordedRequest[] = [];
  const steps: FakeHubStep[] = [];
  const routes: { method: string; prefix: string; handler: FakeHubRouteHandler }[] = [];
  const files = new Map<string, string[]>();
  // Sorted views and serialised entries are cached so the server is not the bottleneck in
  // bench/hub-sync.ts; any change to the models clears them.
  const sortedCache = new Map<string, FakeHubModel[]>();
  const entryCache = new Map<string, Map<string, string>>();
  const invalidate = () => {
    sortedCache.clear();
    entryCache.clear();
  };
  let baseUrl = "";

  function selectModels(query: URLSearchParams, sortField: string, descending: boolean) {
    const key = JSON.stringify([
      query.get("search"),
      query.get("author"),
      query.get("pipeline_tag"),
      query.getAll("filter"),
      sortField,
      descending,
    ]);
    const cached = sortedCache.get(key);
    if (cached !== undefined) return cached;
    const search = query.get("search")?.toLowerCase();
    const author = query.get("author")?.toLowerCase();
    const pipelineTag = query.get("pipeline_tag");
    const filters = query.getAll("filter");
    const selected = models
      .filter((model) => {
        if (search !== undefined && !model.id.toLowerCase().includes(search)) return false;
        if (author !== undefined && !model.id.toLowerCase().startsWith(`${author}/`)) return false;
        if (pipelineTag !== null && model.pipeline_tag !== pipelineTag) return false;
        const tags = Array.isArray(model.tags) ? (model.tags as unknown[]) : [];
        return filters.every(
          (filter) =>
            tags.includes(filter) || model.pipeline_tag === filter || model.library_name === filter,
        );
      })
      .sort((left, right) => {
        const byValue = compareValues(sortValue(left, sortField), sortValue(right, sortField));
        const ordered = byValue !== 0 ? byValue : compareValues(left.id, right.id);
        return descending ? -ordered : ordered;
      });
    sortedCache.set(key, selected);
    return selected;
  }

  function serialise(model: FakeHubModel, fields: readonly string[]): string {
    const key = fields.join(",");
    let cache = entryCache.get(key);
    if (cache === undefined) {
      cache = new Map();
      entryCache.set(key, cache);
    }
    let text = cache.get(model.id);
    if (text === undefined) {
      const entry: Record<string, unknown> = { _id: model._id, id: model.id };
      for (const field of fields) if (field in model) entry[field] = model[field];
      text = JSON.stringify(entry);
      cache.set(model.id, text);
    }
    return text;
  }

  async function listModels(url: URL, response: ServerResponse): Promise<void> {
    const step = steps.shift() ?? { kind: "ok" };
    if (step.kind === "not-an-array") {
      sendJson(response, 200, { error: "not a list" });
      return;
    }
    if (await playStep(step, response)) return;

    const query = url.searchParams;
    const expand = [...query.getAll("expand[]"), ...query.getAll("expand")];
    const unknown = expand.filter((field) => !HUB_EXPANDABLE_FIELDS.has(field));
    if (unknown.length > 0) {
      sendJson(response, 400, { error: `Invalid expand values: ${unknown.join(", ")}` });
      return;
    }
    const sortField = query.get("sort") ?? "id";
    const descending = query.get("direction") === "-1";
    const requestedLimit = Number(query.get("limit") ?? maxPageSize);
    const limit = Math.max(
      1,
      Math.min(maxPageSize, Number.isFinite(requestedLimit) ? requestedLimit : maxPageSize),
    );
    const selected = selectModels(query, sortField, descending);
    let start = 0;
    const cursorText = query.get("cursor");
    if (cursorText !== null) {
      const cursor = decodeCursor(cursorText);
      if (cursor === null) {
        sendJson(response, 400, { error: "Invalid cursor" });
        return;
      }
      // Keyset pagination: resume strictly after (value, id) in the current order, so models
      // modified meanwhile neither shift the page boundary nor repeat.
      start = selected.findIndex((model) => {
        const byValue = compareValues(sortValue(model, sortField), cursor.value);
        const ordered = byValue !== 0 ? byValue : compareValues(model.id, cursor.id);
        return descending ? ordered < 0 : ordered > 0;
      });
      if (start === -1) start = selected.length;
    }
    const page = selected.slice(start, start + limit);
    const fields = expand.length > 0 ? expand : HUB_DEFAULT_LISTING_FIELDS;
    const entries = page.map((model) => serialise(model, fields));
    if (step.kind === "entry-without-id" && entries.length > 0) {
      const broken = JSON.parse(entries[entries.length - 1] ?? "{}") as Record<string, unknown>;
      delete broken.id;
      entries[entries.length - 1] = JSON.stringify(broken);
    }
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    const last = page[page.length - 1];
    if (last !== undefined && start + limit < selected.length) {
      const next = new URLSearchParams(query);
      next.set("cursor", encodeCursor({ value: sortValue(last, sortField), id: last.id }));
      const linkBase = options.linkBase ?? `${baseUrl}${options.pathPrefix ?? ""}`;
      headers.link = `<${linkBase}/api/models?${next.toString()}>; rel="next"`;
    }
    let body = `[${entries.join(",")}]`;
    if (step.kind === "malformed-json") body = body.slice(0, Math.max(1, body.length - 7));
    response.writeHead(200, headers);
    response.end(body);
  }

  async function modelInfo(
    url: URL,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const step = steps.shift() ?? { kind: "ok" };
    if (await playStep(step, response)) return;
    const id = decodeURIComponent(url.pathname.slice("/api/models/".length));
    // The Hub matches ids case-insensitively and answers with the canonical spelling.
    const model = models.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    if (model === undefined) {
      // The Hub will not confirm to an anonymous caller that a private repo exists.
      const status = request.headers.authorization === undefined ? 401 : 404;
      response.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "x-error-code": "RepoNotFound",
        "x-error-message": "Repository not found",
      });
      response.end(JSON.stringify({ error: "Repository not found" }));
      return;
    }
    const expand = [...url.searchParams.getAll("expand[]"), ...url.searchParams.getAll("expand")];
    const unknown = expand.filter((field) => !HUB_EXPANDABLE_FIELDS.has(field));
    if (unknown.length > 0) {
      sendJson(response, 400, { error: `Invalid expand values: ${unknown.join(", ")}` });
      return;
    }
    let body = expand.length > 0 ? serialise(model, expand) : JSON.stringify(model);
    if (step.kind === "malformed-json") body = body.slice(0, Math.max(1, body.length - 7));
    response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    response.end(body);
  }

  async function tree(url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const step = steps.shift() ?? { kind: "ok" };
    if (await playStep(step, response)) return;
    const match = /^\/api\/models\/([^/]+)\/([^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    const [, owner = "", name = "", revision = "", folderPath = ""] = (match ?? []).map((part) =>
      part === undefined ? "" : decodeURIComponent(part),
    );
    const folder = folderPath.split("/").filter((segment) => segment !== "");
    const id = `${owner}/${name}`;
    const model = models.find((candidate) => candidate.id.toLowerCase() === id.toLowerCase());
    const hubError = (status: number, code: string, message: string) => {
      response.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "x-error-code": code,
        "x-error-message": message,
      });
      response.end(JSON.stringify({ error: message }));
    };
    if (model === undefined) {
      hubError(
        request.headers.authorization === undefined ? 401 : 404,
        "RepoNotFound",
        "Repository not found",
      );
      return;
    }
    if (revision !== "main") {
      hubError(404, "RevisionNotFound", `Invalid rev id: ${revision}`);
      return;
    }
    const siblings = Array.isArray(model.siblings)
      ? (model.siblings as { rfilename: string }[]).map((sibling) => sibling.rfilename)
      : [];
    const paths = files.get(model.id) ?? siblings;
    const prefix = folder.length === 0 ? "" : `${folder.join("/")}/`;
    const entries = new Map<string, { type: "file" | "directory"; path: string }>();
    for (const path of [...paths].sort()) {
      if (!path.startsWith(prefix)) continue;
      const [first = "", ...rest] = path.slice(prefix.length).split("/");
      const entryPath = `${prefix}${first}`;
      entries.set(entryPath, { type: rest.length === 0 ? "file" : "directory", path: entryPath });
    }
    if (prefix !== "" && entries.size === 0) {
      hubError(404, "EntryNotFound", `${prefix.slice(0, -1)} does not exist on "main"`);
      return;
    }
    const listed = [...entries.values()].map((entry) => ({
      ...entry,
      oid: Buffer.from(entry.path).toString("hex").slice(0, 40),
      size: entry.type === "file" ? 1024 : 0,
    }));
    const pageSize = options.treePageSize ?? 1000;
    const cursor = url.searchParams.get("cursor");
    const start = cursor === null ? 0 : Number(Buffer.from(cursor, "base64").toString("utf8"));
    const page = listed.slice(start, start + pageSize);
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    if (start + pageSize < listed.length) {
      const next = new URLSearchParams(url.searchParams);
      next.set("cursor", Buffer.from(String(start + pageSize)).toString("base64"));
      const linkBase = options.linkBase ?? `${baseUrl}${options.pathPrefix ?? ""}`;
      headers.link = `<${linkBase}${url.pathname}?${next.toString()}>; rel="next"`;
    }
    let body = JSON.stringify(page);
    if (step.kind === "malformed-json") body = body.slice(0, Math.max(1, body.length - 7));
    response.writeHead(200, headers);
    response.end(body);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", baseUrl);
    const prefix = options.pathPrefix;
    // Behind a prefix, the API is there and only there, as on a mirror's reverse proxy;
    // requests are recorded with the prefix taken off.
    const outsidePrefix = prefix !== undefined && !url.pathname.startsWith(`${prefix}/`);
    if (prefix !== undefined && !outsidePrefix) url.pathname = url.pathname.slice(prefix.length);
    requests.push({
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      authorization: request.headers.authorization,
      headers: request.headers,
    });
    if (
      options.requiredToken !== undefined &&
      request.headers.authorization !== `Bearer ${options.requiredToken}`
    ) {
      sendJson(response, 401, { error: "Invalid credentials in Authorization header" });
      return;
    }
    if (outsidePrefix) {
      sendJson(response, 404, { error: `not under ${prefix}` });
      return;
    }
    const route = routes.find(
      (candidate) =>
        candidate.method === request.method && url.pathname.startsWith(candidate.prefix),
    );
    const handle = async () => {
      if (route !== undefined) await route.handler(request, response, url);
      else if (request.method === "GET" && url.pathname === "/api/models")
        await listModels(url, response);
      else if (request.method === "GET" && /^\/api\/models\/[^/]+(\/[^/]+)?$/.test(url.pathname))
        await modelInfo(url, request, response);
      else if (
        request.method === "GET" &&
        /^\/api\/models\/[^/]+\/[^/]+\/tree\/[^/]+(\/.*)?$/.test(url.pathname)
      )
        await tree(url, request, response);
      else sendJson(response, 404, { error: "Repository not found" });
    };
    handle().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    url: `${baseUrl}${options.pathPrefix ?? ""}`,
    requests,
    modelRequests: () => requests.filter((request) => request.path === "/api/models"),
    models: () => models,
    setModels(next) {
      models = [...next];
      invalidate();
    },
    touch(ids, lastModified, changes = {}) {
      const wanted = new Set(ids);
      models = models.map((model) =>
        wanted.has(model.id) ? { ...model, ...changes, lastModified } : model,
      );
      invalidate();
    },
    setFiles(id, paths) {
      files.set(id, [...paths]);
    },
    script(...next) {
      steps.push(...next);
    },
    route(method, prefix, handler) {
      routes.push({ method, prefix, handler });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
