/**
 * @module
 * What the mirror knows about one model folder, `<directory>/<owner>/<name>/`: its files
 * with sizes, a commit id derived from them, and the Hub metadata a listing shows, read from
 * the folder's README.md front matter and config.json. The Hub computes these from git; a
 * mirror has only the files, so:
 * - `sha` (the commit) is a SHA-1 over every file's path, size and modification time: it
 *   changes whenever a file does, which is what clients compare it for;
 * - `lastModified` is the newest file's modification time, `createdAt` the folder's birth;
 * - `tags` are assembled the way the Hub does (library, model type, pipeline tag, languages,
 *   `license:`, `dataset:`, card tags).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readFrontMatter } from "./read-front-matter.js";

export interface MirrorFile {
  /** Repo-relative, `/`-separated: `onnx/model.onnx`. */
  path: string;
  size: number;
  modifiedMs: number;
}

export interface MirrorRepository {
  /** `owner/name`. */
  id: string;
  folder: string;
  files: MirrorFile[];
  /** 40 hex digits, stands in for the git commit. */
  sha: string;
  lastModified: string;
  createdAt: string;
  cardData: Record<string, unknown>;
  /** config.json's `architectures`, `model_type` and the like: what the Hub's listing trims to. */
  config: Record<string, unknown> | null;
  pipelineTag: string | null;
  libraryName: string | null;
  tags: string[];
}

/** Owner and name segments the Hub accepts; anything else is not a repo of this mirror. */
export const REPO_SEGMENT_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;

async function listFiles(folder: string, prefix = ""): Promise<MirrorFile[]> {
  const entries = await readdir(join(folder, prefix), { withFileTypes: true });
  const files: MirrorFile[] = [];
  for (const entry of entries.sort((left, right) => (left.name < right.name ? -1 : 1))) {
    if (entry.name.startsWith(".")) continue; // .git, .cache: never served
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await listFiles(folder, path)));
    else if (entry.isFile()) {
      const info = await stat(join(folder, path));
      files.push({ path, size: info.size, modifiedMs: info.mtimeMs });
    }
  }
  return files;
}

function asStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}

const CONFIG_FIELDS = ["architectures", "model_type", "tokenizer_config", "task_specific_params"];

async function readJsonObject(path: string): Promise<Record<string, unknown> | null> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Reads one repo folder; null when it holds no files. */
export async function readMirrorRepository(
  directory: string,
  id: string,
): Promise<MirrorRepository | null> {
  const folder = join(directory, ...id.split("/"));
  let files: MirrorFile[];
  let createdMs: number;
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) return null;
    createdMs = info.birthtimeMs > 0 ? info.birthtimeMs : info.ctimeMs;
    files = await listFiles(folder);
  } catch {
    return null;
  }
  if (files.length === 0) return null;
  const hasReadme = files.some((file) => file.path === "README.md");
  const cardData = hasReadme
    ? readFrontMatter(await readFile(join(folder, "README.md"), "utf8"))
    : {};
  const fullConfig = files.some((file) => file.path === "config.json")
    ? await readJsonObject(join(folder, "config.json"))
    : null;
  const config =
    fullConfig === null
      ? null
      : Object.fromEntries(
          CONFIG_FIELDS.filter((key) => key in fullConfig).map((key) => [key, fullConfig[key]]),
        );
  const pipelineTag = typeof cardData.pipeline_tag === "string" ? cardData.pipeline_tag : null;
  const libraryName = typeof cardData.library_name === "string" ? cardData.library_name : null;
  const modelType = typeof config?.model_type === "string" ? config.model_type : null;
  const tags = [
    ...new Set([
      ...(libraryName === null ? [] : [libraryName]),
      ...(files.some((file) => file.path.endsWith(".onnx")) ? ["onnx"] : []),
      ...(modelType === null ? [] : [modelType]),
      ...(pipelineTag === null ? [] : [pipelineTag]),
      ...asStrings(cardData.tags),
      ...asStrings(cardData.language),
      ...asStrings(cardData.license).map((license) => `license:${license}`),
      ...asStrings(cardData.datasets).map((dataset) => `dataset:${dataset}`),
    ]),
  ];
  const lastModifiedMs = Math.max(...files.map((file) => file.modifiedMs));
  const sha = createHash("sha1")
    .update(
      files.map((file) => `${file.path}\0${file.size}\0${Math.round(file.modifiedMs)}`).join("\n"),
    )
    .digest("hex");
  return {
    id,
    folder,
    files,
    sha,
    lastModified: new Date(lastModifiedMs).toISOString(),
    createdAt: new Date(Math.min(createdMs, lastModifiedMs)).toISOString(),
    cardData,
    config,
    pipelineTag,
    libraryName,
    tags,
  };
}

/** Every `<owner>/<name>` folder under `directory` with at least one file, sorted by id. */
export async function readMirrorRepositories(directory: string): Promise<MirrorRepository[]> {
  const repositories: MirrorRepository[] = [];
  const owners = await readdir(directory, { withFileTypes: true });
  for (const owner of owners) {
    if (!owner.isDirectory() || !REPO_SEGMENT_PATTERN.test(owner.name)) continue;
    for (const name of await readdir(join(directory, owner.name), { withFileTypes: true })) {
      if (!name.isDirectory() || !REPO_SEGMENT_PATTERN.test(name.name)) continue;
      const repository = await readMirrorRepository(directory, `${owner.name}/${name.name}`);
      if (repository !== null) repositories.push(repository);
    }
  }
  return repositories.sort((left, right) => (left.id < right.id ? -1 : 1));
}

/** SHA-256 of a file, streamed; the Hub's `lfs.sha256` for a sibling. */
export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}
