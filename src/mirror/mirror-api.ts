/**
 * @module
 * The mirror's `/api/models` answers in the Hub's wire shape (the one
 * `hub/api-model-info.ts` validates): the listing with `search`, `author`, `pipeline_tag`,
 * `filter` (repeatable), `sort`, `direction`, `limit`, `expand`, keyset-paginated with an
 * opaque `cursor` in a `Link: <...>; rel="next"` header as the Hub does, and one model's
 * info with `siblings` (sizes, and SHA-256 in `lfs` for weight files).
 */
import { join } from "node:path";
import { type MirrorRepository, sha256OfFile } from "./mirror-repository.js";

/** The Hub's cap on `limit`. */
export const MIRROR_MAX_PAGE_SIZE = 1000;

/** Fields the Hub returns per listing entry when no `expand` is given (its protocol, shared with the test Hub). */
export const HUB_DEFAULT_LISTING_FIELDS = [
  "likes",
  "private",
  "downloads",
  "tags",
  "pipeline_tag",
  "library_name",
  "createdAt",
  "modelId",
];

/** Files the Hub stores in LFS by extension; these get `lfs.sha256` in model info. */
const LFS_EXTENSIONS = [".onnx", ".onnx_data", ".bin", ".safetensors", ".gguf", ".pt", ".msgpack"];

/** Every field the mirror can fill for one model, keyed by the Hub's names. */
export function hubModelFields(repository: MirrorRepository): Record<string, unknown> {
  const [author] = repository.id.split("/");
  return {
    _id: repository.sha.slice(0, 24),
    id: repository.id,
    modelId: repository.id,
    author,
    sha: repository.sha,
    private: false,
    gated: false,
    disabled: false,
    downloads: 0,
    likes: 0,
    tags: repository.tags,
    pipeline_tag: repository.pipelineTag,
    library_name: repository.libraryName,
    createdAt: repository.createdAt,
    lastModified: repository.lastModified,
    cardData: repository.cardData,
    config: repository.config,
    siblings: repository.files.map((file) => ({ rfilename: file.path })),
    ...(repository.cardData["model-index"] !== undefined && {
      "model-index": repository.cardData["model-index"],
    }),
  };
}

type SortValue = string | number | null;

interface Cursor {
  value: SortValue;
  id: string;
}

function sortValue(fields: Record<string, unknown>, sort: string): SortValue {
  const value = fields[sort];
  return typeof value === "string" || typeof value === "number" ? value : null;
}

function compare(left: SortValue, right: SortValue): number {
  if (left === right) return 0;
  if (left === null) return -1;
  if (right === null) return 1;
  return left < right ? -1 : 1;
}

export interface MirrorApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** `GET /api/models?...` over the given repositories; `requestUrl` is the absolute request URL. */
export function listMirrorModels(
  repositories: readonly MirrorRepository[],
  requestUrl: URL,
): MirrorApiResponse {
  const query = requestUrl.searchParams;
  const search = query.get("search")?.toLowerCase();
  const author = query.get("author")?.toLowerCase();
  const pipelineTag = query.get("pipeline_tag");
  const filters = query.getAll("filter");
  const sort = query.get("sort") ?? "id";
  const descending = query.get("direction") === "-1";
  const requestedLimit = Number(query.get("limit") ?? MIRROR_MAX_PAGE_SIZE);
  if (!Number.isFinite(requestedLimit) || requestedLimit < 1) {
    return { status: 400, body: { error: `Invalid limit "${query.get("limit")}"` } };
  }
  const limit = Math.min(MIRROR_MAX_PAGE_SIZE, Math.floor(requestedLimit));
  const selected = repositories
    .map(hubModelFields)
    .filter((fields) => {
      const id = String(fields.id).toLowerCase();
      const tags = fields.tags as string[];
      if (search !== undefined && !id.includes(search)) return false;
      if (author !== undefined && !id.startsWith(`${author}/`)) return false;
      if (pipelineTag !== null && fields.pipeline_tag !== pipelineTag) return false;
      return filters.every(
        (filter) =>
          tags.includes(filter) || fields.pipeline_tag === filter || fields.library_name === filter,
      );
    })
    .sort((left, right) => {
      const byValue = compare(sortValue(left, sort), sortValue(right, sort));
      const ordered = byValue !== 0 ? byValue : compare(String(left.id), String(right.id));
      return descending ? -ordered : ordered;
    });
  let start = 0;
  const cursorText = query.get("cursor");
  if (cursorText !== null) {
    let cursor: Cursor;
    try {
      cursor = JSON.parse(Buffer.from(cursorText, "base64url").toString("utf8")) as Cursor;
      if (typeof cursor.id !== "string") throw new Error("no id");
    } catch {
      return { status: 400, body: { error: "Invalid cursor" } };
    }
    // Keyset: resume strictly after (value, id), so repos added meanwhile never repeat a row.
    start = selected.findIndex((fields) => {
      const byValue = compare(sortValue(fields, sort), cursor.value);
      const ordered = byValue !== 0 ? byValue : compare(String(fields.id), cursor.id);
      return descending ? ordered < 0 : ordered > 0;
    });
    if (start === -1) start = selected.length;
  }
  const page = selected.slice(start, start + limit);
  const expand = [...query.getAll("expand"), ...query.getAll("expand[]")];
  const wanted = expand.length > 0 ? expand : HUB_DEFAULT_LISTING_FIELDS;
  const body = page.map((fields) => {
    const entry: Record<string, unknown> = { _id: fields._id, id: fields.id };
    for (const field of wanted) if (field in fields) entry[field] = fields[field];
    return entry;
  });
  const headers: Record<string, string> = {};
  const last = page[page.length - 1];
  if (last !== undefined && start + limit < selected.length) {
    const next = new URL(requestUrl);
    const cursor: Cursor = { value: sortValue(last, sort), id: String(last.id) };
    next.searchParams.set("cursor", Buffer.from(JSON.stringify(cursor)).toString("base64url"));
    headers.link = `<${next.toString()}>; rel="next"`;
  }
  return { status: 200, body, headers };
}

/** `GET /api/models/{owner}/{name}`: all fields, siblings with sizes and LFS hashes. */
export async function mirrorModelInfo(repository: MirrorRepository): Promise<MirrorApiResponse> {
  const siblings = [];
  for (const file of repository.files) {
    const isLfs = LFS_EXTENSIONS.some((extension) => file.path.endsWith(extension));
    siblings.push({
      rfilename: file.path,
      size: file.size,
      ...(isLfs && {
        lfs: {
          sha256: await sha256OfFile(join(repository.folder, ...file.path.split("/"))),
          size: file.size,
          pointerSize: 134,
        },
      }),
    });
  }
  return {
    status: 200,
    body: {
      ...hubModelFields(repository),
      siblings,
      usedStorage: repository.files.reduce((sum, file) => sum + file.size, 0),
    },
  };
}
