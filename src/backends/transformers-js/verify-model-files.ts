/**
 * @module
 * Integrity checks for model files transformers.js downloaded into the cache. A file is
 * checked once after it appears: its SHA-256 against the `lfs.sha256` the Hub (or a mirror)
 * publishes for it (`/api/models/{repo}/revision/{revision}?blobs=true`), else its size
 * against the published size or the server's `Content-Length`. A file that fails is deleted,
 * so the next run downloads it again, and the load fails with `MODEL_CORRUPT`. Verified files
 * are remembered in a marker file beside them (by size and modification time), so loading a
 * cached model costs one `stat` per file, and offline mode needs no server. The commit the
 * server said the revision was, when it was asked, is remembered there too: a decision
 * records it as the files' provenance (ADR 0082).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { z } from "zod";
import { ModelScoutError } from "../../errors/modelscout-error.js";

export const VERIFIED_MARKER_FILE = ".modelscout-verified.json";

export interface VerifyModelFilesOptions {
  /** Root of the transformers.js file cache. */
  cacheDirectory: string;
  repositoryId: string;
  revision: string;
  /** Base URL with a trailing slash. */
  remoteHost: string;
  /** When true no request is made: only files already verified (or new ones, by nothing) pass. */
  offline: boolean;
  fetch?: typeof fetch;
}

export interface VerifiedFile {
  /** Path inside the repository, with `/` separators. */
  path: string;
  sizeBytes: number;
  sha256: string;
  /** What the file was checked against when it was first seen. */
  checkedAgainst: "sha256" | "size" | "content-length" | "nothing";
}

const markerSchema = z.object({
  /** The commit `revision` resolved to when the server was last asked. */
  commit: z.object({ revision: z.string(), sha: z.string() }).optional(),
  files: z.record(
    z.string(),
    z.object({
      sizeBytes: z.number(),
      mtimeMs: z.number(),
      sha256: z.string(),
      checkedAgainst: z.enum(["sha256", "size", "content-length", "nothing"]),
    }),
  ),
});
type Marker = z.infer<typeof markerSchema>;

/** The Hub's model info with `blobs=true`: lenient, since mirrors fill in different fields. */
const blobsSchema = z.looseObject({
  sha: z.string().nullish(),
  siblings: z
    .array(
      z.looseObject({
        rfilename: z.string(),
        size: z.number().nullish(),
        lfs: z.looseObject({ sha256: z.string().nullish(), size: z.number().nullish() }).nullish(),
      }),
    )
    .nullish(),
});

interface PublishedFile {
  sizeBytes?: number;
  sha256?: string;
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .filter((path) => path !== VERIFIED_MARKER_FILE && !path.includes(".tmp."));
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function readMarker(path: string): Promise<Marker> {
  try {
    return markerSchema.parse(JSON.parse(await readFile(path, "utf8")));
  } catch {
    // Missing or damaged marker: every file is checked again, which is only slower.
    return { files: {} };
  }
}

interface PublishedRevision {
  files: Map<string, PublishedFile>;
  /** The commit the revision resolved to, when the server said. */
  commitSha?: string;
}

async function publishedFiles(
  options: VerifyModelFilesOptions,
  fetchImpl: typeof fetch,
): Promise<PublishedRevision | null> {
  const url = `${options.remoteHost}api/models/${options.repositoryId}/revision/${encodeURIComponent(options.revision)}?blobs=true`;
  try {
    const response = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) return null;
    const parsed = blobsSchema.safeParse(await response.json());
    if (!parsed.success || !parsed.data.siblings) return null;
    const files = new Map<string, PublishedFile>();
    for (const sibling of parsed.data.siblings) {
      const sizeBytes = sibling.lfs?.size ?? sibling.size ?? undefined;
      const sha256 = sibling.lfs?.sha256 ?? undefined;
      // biome-ignore lint/plugin/no-spread-then-field: once per model file
      files.set(sibling.rfilename, {
        ...(sizeBytes !== undefined && { sizeBytes }),
        ...(sha256 !== undefined && { sha256 }),
      });
    }
    const commitSha = parsed.data.sha ?? undefined;
    return { files, ...(commitSha !== undefined && { commitSha }) };
  } catch {
    // A server without the metadata endpoint still serves files; fall back to Content-Length.
    return null;
  }
}

async function contentLength(
  options: VerifyModelFilesOptions,
  path: string,
  fetchImpl: typeof fetch,
): Promise<number | undefined> {
  const url = `${options.remoteHost}${options.repositoryId}/resolve/${encodeURIComponent(options.revision)}/${path}`;
  try {
    const response = await fetchImpl(url, { method: "HEAD", signal: AbortSignal.timeout(30_000) });
    const header = response.ok ? response.headers.get("content-length") : null;
    return header === null ? undefined : Number(header);
  } catch {
    return undefined;
  }
}

function corrupt(
  options: VerifyModelFilesOptions,
  path: string,
  problem: string,
  details: Record<string, unknown>,
): ModelScoutError {
  return new ModelScoutError(
    "MODEL_CORRUPT",
    `Downloaded file ${path} of ${options.repositoryId} is corrupt (${problem}); it was deleted. Run again to download it again; if it keeps failing, the server (${options.remoteHost}) serves a damaged file.`,
    { details: { model: options.repositoryId, file: path, ...details } },
  );
}

export interface VerifiedModelFiles {
  files: VerifiedFile[];
  /**
   * The commit the server said `revision` was when files were last checked against it;
   * absent when it was never asked (offline) or did not say.
   */
  commitSha?: string;
}

/** Checks every cached file of the repository; throws `MODEL_CORRUPT` for the first bad one. */
export async function verifyModelFiles(
  options: VerifyModelFilesOptions,
): Promise<VerifiedModelFiles> {
  const fetchImpl = options.fetch ?? fetch;
  const directory = join(options.cacheDirectory, ...options.repositoryId.split("/"));
  const markerPath = join(directory, VERIFIED_MARKER_FILE);
  const marker = await readMarker(markerPath);
  const verified: VerifiedFile[] = [];
  let published: PublishedRevision | null | undefined;
  let changed = false;

  for (const path of await listFiles(directory)) {
    const absolute = join(directory, ...path.split("/"));
    const info = await stat(absolute);
    const known = marker.files[path];
    if (known !== undefined && known.sizeBytes === info.size && known.mtimeMs === info.mtimeMs) {
      verified.push({ path, ...known });
      continue;
    }
    const sha256 = await sha256Of(absolute);
    let checkedAgainst: VerifiedFile["checkedAgainst"] = "nothing";
    if (!options.offline) {
      if (published === undefined) {
        published = await publishedFiles(options, fetchImpl);
        if (published?.commitSha !== undefined) {
          marker.commit = { revision: options.revision, sha: published.commitSha };
          changed = true;
        }
      }
      const expected = published?.files.get(path);
      if (expected?.sha256 !== undefined) {
        if (expected.sha256.toLowerCase() !== sha256) {
          await rm(absolute, { force: true });
          throw corrupt(options, path, "SHA-256 does not match the published lfs.sha256", {
            expectedSha256: expected.sha256,
            actualSha256: sha256,
          });
        }
        checkedAgainst = "sha256";
      }
      const expectedSize = expected?.sizeBytes ?? (await contentLength(options, path, fetchImpl));
      if (expectedSize !== undefined && Number.isFinite(expectedSize)) {
        if (expectedSize !== info.size) {
          await rm(absolute, { force: true });
          throw corrupt(
            options,
            path,
            `${info.size} bytes on disk, ${expectedSize} bytes published`,
            { expectedBytes: expectedSize, actualBytes: info.size },
          );
        }
        if (checkedAgainst === "nothing") {
          checkedAgainst = expected?.sizeBytes !== undefined ? "size" : "content-length";
        }
      }
    }
    marker.files[path] = { sizeBytes: info.size, mtimeMs: info.mtimeMs, sha256, checkedAgainst };
    changed = true;
    verified.push({ path, sizeBytes: info.size, sha256, checkedAgainst });
  }
  if (changed) await writeFile(markerPath, `${JSON.stringify(marker, null, 2)}\n`);
  const commitSha = marker.commit?.revision === options.revision ? marker.commit.sha : undefined;
  return { files: verified, ...(commitSha !== undefined && { commitSha }) };
}
