/**
 * @module
 * SHA-256 of the files a pipeline read from a `local:` model folder, for the load's artifact.
 * Each file is hashed once per (size, modification time), like the Hub cache's marker
 * (`verify-model-files.ts`), but the hashes are kept under MODELSCOUT_HOME, not in the
 * user's folder: the folder is theirs (it may be read-only, in version control, or shared),
 * and a marker beside their files would be litter. In memory alone would not do: a
 * selection loads each model in a fresh child process, so every run would hash every file
 * again (ADR 0082 measures what that costs).
 *
 * The cache is one small JSON file, one entry per folder holding the files any load read
 * from it (so bounded by the folder's files); it is written to a temporary file and renamed,
 * so two processes writing at once lose at most an entry, which costs a hash next time.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { ArtifactFile } from "../model-artifact.js";

export const LOCAL_HASH_CACHE_FILE = "local-model-hashes.json";

const cacheSchema = z.object({
  folders: z.record(
    z.string(),
    z.record(
      z.string(),
      z.object({ sizeBytes: z.number(), mtimeMs: z.number(), sha256: z.string() }),
    ),
  ),
});
type HashCache = z.infer<typeof cacheSchema>;

export interface HashLocalModelFilesOptions {
  /** Absolute folder of the model. */
  folder: string;
  /** Paths inside it, `/`-separated: the files the pipeline read. */
  files: readonly string[];
  /** The JSON file the hashes are kept in (`LOCAL_HASH_CACHE_FILE` under MODELSCOUT_HOME). */
  cachePath: string;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function readCache(path: string): Promise<HashCache> {
  try {
    return cacheSchema.parse(JSON.parse(await readFile(path, "utf8")));
  } catch {
    // Missing or damaged: every file is hashed again, which is only slower.
    return { folders: {} };
  }
}

/** The files' sizes and hashes, in path order; hashes only files whose size or mtime changed. */
export async function hashLocalModelFiles(
  options: HashLocalModelFilesOptions,
): Promise<ArtifactFile[]> {
  const cache = await readCache(options.cachePath);
  const known = cache.folders[options.folder] ?? {};
  // Merged, not replaced: two variants of one folder (fp32 and @q8) read different weights.
  const entries: HashCache["folders"][string] = { ...known };
  const files: ArtifactFile[] = [];
  let changed = false;
  for (const path of [...new Set(options.files)].sort()) {
    const absolute = join(options.folder, ...path.split("/"));
    const info = await stat(absolute);
    const cached = known[path];
    const sha256 =
      cached !== undefined && cached.sizeBytes === info.size && cached.mtimeMs === info.mtimeMs
        ? cached.sha256
        : await sha256OfFile(absolute);
    if (cached === undefined || sha256 !== cached.sha256 || cached.mtimeMs !== info.mtimeMs) {
      changed = true;
    }
    entries[path] = { sizeBytes: info.size, mtimeMs: info.mtimeMs, sha256 };
    files.push({ path, sizeBytes: info.size, sha256 });
  }
  if (changed) {
    cache.folders[options.folder] = entries;
    await writeCache(options.cachePath, cache);
  }
  return files;
}

async function writeCache(path: string, cache: HashCache): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.tmp.${process.pid}`;
    await writeFile(temporary, `${JSON.stringify(cache)}\n`);
    await rename(temporary, path);
  } catch {
    // An unwritable MODELSCOUT_HOME costs a hash next time, not the load.
  }
}
