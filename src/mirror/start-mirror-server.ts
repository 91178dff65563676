/**
 * @module
 * `startMirrorServer`: a `node:http` server that serves a folder of Hugging Face-layout
 * model repos (`<directory>/<owner>/<name>/...`) over the part of the Hub's protocol that
 * model loaders and ModelScout's catalog sync use, so air-gapped sites and tests can point
 * `HF_ENDPOINT` (or transformers.js's `env.remoteHost`) at it:
 * - `GET|HEAD /{owner}/{name}/resolve/{revision}/{path}`: the file, with `Content-Length`,
 *   `ETag`, `X-Repo-Commit`, `Accept-Ranges` and single-range `Range` requests (transformers.js
 *   probes files with `Range: bytes=0-0`); revision `main` or the repo's commit id;
 * - `GET /api/models` and `GET /api/models/{owner}/{name}` (see `mirror-api.ts`);
 * - Hub-style errors: JSON `{"error": ...}` with `X-Error-Code` (`RepoNotFound`,
 *   `RevisionNotFound`, `EntryNotFound`) and `X-Error-Message`.
 * Paths are checked segment by segment on the raw request target, before any URL
 * normalisation, and the resolved file must lie inside the repo folder after symlinks are
 * followed: `..`, encoded slashes and hidden files are refused.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { listenServer } from "../http/listen-server.js";
import { listMirrorModels, type MirrorApiResponse, mirrorModelInfo } from "./mirror-api.js";
import {
  type MirrorRepository,
  REPO_SEGMENT_PATTERN,
  readMirrorRepositories,
  readMirrorRepository,
} from "./mirror-repository.js";

export interface MirrorServerOptions {
  /** Folder holding `<owner>/<name>/` repos. */
  directory: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1; `0.0.0.0` serves the network. */
  host?: string;
  /** Called once per answered request, e.g. for an access log. */
  onRequest?: (entry: MirrorRequestLog) => void;
}

export interface MirrorRequestLog {
  method: string;
  path: string;
  status: number;
  bytes: number;
  durationMs: number;
}

export interface MirrorServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`: use as `HF_ENDPOINT`. */
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

type HubErrorCode = "RepoNotFound" | "RevisionNotFound" | "EntryNotFound" | "InvalidPath";

class HubError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: HubErrorCode | null,
    message: string,
  ) {
    super(message);
  }
}

function decodeSegments(rawPath: string): string[] {
  return rawPath
    .split("/")
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new HubError(400, "InvalidPath", "Invalid path encoding");
      }
    });
}

function isUnsafeSegment(segment: string): boolean {
  return (
    segment === "" ||
    segment === "." ||
    segment === ".." ||
    segment.startsWith(".") ||
    /[/\\\0]/.test(segment)
  );
}

function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | "invalid" | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return null; // multi-range or another unit: ignored, as RFC 9110 allows
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (size === 0) return "invalid"; // no byte to send, whatever the range (RFC 9110 14.1.1)
  if (first === "") {
    const length = Number(last);
    if (length === 0) return "invalid";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

export async function startMirrorServer(options: MirrorServerOptions): Promise<MirrorServer> {
  const directory = resolve(options.directory);
  let rootRealPath: string;
  try {
    rootRealPath = await realpath(directory);
    if (!(await stat(rootRealPath)).isDirectory()) throw new Error("not a directory");
  } catch (error) {
    throw new ModelScoutError(
      "NOT_FOUND",
      `Mirror folder "${directory}" does not exist or is not a folder. Pass a folder holding <owner>/<name>/ model repos (build some with: npx tsx scripts/build-onnx-models.ts --out ${directory}).`,
      { cause: error },
    );
  }
  const host = options.host ?? "127.0.0.1";
  let baseUrl = "";

  async function repositoryOrThrow(owner: string, name: string): Promise<MirrorRepository> {
    if (!REPO_SEGMENT_PATTERN.test(owner) || !REPO_SEGMENT_PATTERN.test(name)) {
      throw new HubError(404, "RepoNotFound", "Repository not found");
    }
    const repository = await readMirrorRepository(directory, `${owner}/${name}`);
    if (repository === null) throw new HubError(404, "RepoNotFound", "Repository not found");
    return repository;
  }

  async function serveFile(
    request: IncomingMessage,
    response: ServerResponse,
    segments: string[],
  ): Promise<number> {
    const [owner = "", name = "", , revision = "", ...fileSegments] = segments;
    if (fileSegments.length === 0 || fileSegments.some(isUnsafeSegment)) {
      throw new HubError(400, "InvalidPath", "Invalid file path");
    }
    const repository = await repositoryOrThrow(owner, name);
    if (revision !== "main" && revision !== repository.sha) {
      throw new HubError(404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    }
    const filePath = join(repository.folder, ...fileSegments);
    let fileRealPath: string;
    try {
      fileRealPath = await realpath(filePath);
    } catch {
      throw new HubError(404, "EntryNotFound", "Entry not found");
    }
    const repositoryRealPath = await realpath(repository.folder);
    if (
      !fileRealPath.startsWith(`${repositoryRealPath}${sep}`) ||
      // With the separator: a bare prefix let a repo linked to a sibling such as
      // `<root>-private/...` through.
      !fileRealPath.startsWith(`${rootRealPath}${sep}`)
    ) {
      throw new HubError(400, "InvalidPath", "Invalid file path");
    }
    const info = await stat(fileRealPath);
    if (!info.isFile()) throw new HubError(404, "EntryNotFound", "Entry not found");
    const etag = `"${createHash("sha1")
      .update(`${fileSegments.join("/")}\0${info.size}\0${info.mtimeMs}`)
      .digest("hex")}"`;
    const headers: Record<string, string | number> = {
      "content-type": CONTENT_TYPES[extname(fileRealPath)] ?? "application/octet-stream",
      etag,
      "x-repo-commit": repository.sha,
      "accept-ranges": "bytes",
      "last-modified": info.mtime.toUTCString(),
    };
    if (request.headers["if-none-match"] === etag) {
      response.writeHead(304, headers);
      response.end();
      return 0;
    }
    const range =
      request.headers.range === undefined ? null : parseRange(request.headers.range, info.size);
    if (range === "invalid") {
      response.writeHead(416, { ...headers, "content-range": `bytes */${info.size}` });
      response.end();
      return 0;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? info.size - 1;
    const length = info.size === 0 ? 0 : end - start + 1;
    headers["content-length"] = length;
    if (range !== null) headers["content-range"] = `bytes ${start}-${end}/${info.size}`;
    response.writeHead(range === null ? 200 : 206, headers);
    if (request.method === "HEAD" || length === 0) {
      response.end();
      return 0;
    }
    await new Promise<void>((done, fail) => {
      createReadStream(fileRealPath, { start, end })
        .on("error", fail)
        .pipe(response)
        .on("finish", done)
        .on("error", fail);
    });
    return length;
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<number> {
    const rawTarget = request.url ?? "/";
    const rawPath = rawTarget.split("?")[0] ?? "/";
    const segments = decodeSegments(rawPath);
    const method = request.method ?? "GET";
    if (segments.length >= 5 && segments[2] === "resolve") {
      if (method !== "GET" && method !== "HEAD")
        throw new HubError(405, null, "Method not allowed");
      return serveFile(request, response, segments);
    }
    if (segments[0] === "api" && segments[1] === "models") {
      if (method !== "GET" && method !== "HEAD")
        throw new HubError(405, null, "Method not allowed");
      // Links must point where the client connected, which may not be the listening address.
      const origin =
        request.headers.host === undefined ? baseUrl : `http://${request.headers.host}`;
      const requestUrl = new URL(rawTarget, origin);
      let answer: MirrorApiResponse;
      if (segments.length === 2 || (segments.length === 3 && segments[2] === "")) {
        answer = listMirrorModels(await readMirrorRepositories(directory), requestUrl);
      } else if (segments.length === 4 || (segments.length === 6 && segments[4] === "revision")) {
        const repository = await repositoryOrThrow(segments[2] ?? "", segments[3] ?? "");
        const revision = segments[5];
        if (revision !== undefined && revision !== "main" && revision !== repository.sha) {
          throw new HubError(404, "RevisionNotFound", `Invalid rev id: ${revision}`);
        }
        answer = await mirrorModelInfo(repository);
      } else {
        throw new HubError(404, null, "Not found");
      }
      const body = JSON.stringify(answer.body);
      response.writeHead(answer.status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        ...answer.headers,
      });
      response.end(method === "HEAD" ? undefined : body);
      return Buffer.byteLength(body);
    }
    throw new HubError(404, null, "Not found");
  }

  const server = createServer((request, response) => {
    const startedMs = performance.now();
    const finish = (bytes: number) =>
      options.onRequest?.({
        method: request.method ?? "GET",
        path: (request.url ?? "/").split("?")[0] ?? "/",
        status: response.statusCode,
        bytes,
        durationMs: performance.now() - startedMs,
      });
    route(request, response).then(finish, (error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        finish(0);
        return;
      }
      const hubError =
        error instanceof HubError ? error : new HubError(500, null, "Internal mirror error");
      const body = JSON.stringify({ error: hubError.message });
      response.writeHead(hubError.status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "x-error-message": hubError.message,
        ...(hubError.errorCode !== null && { "x-error-code": hubError.errorCode }),
      });
      response.end(request.method === "HEAD" ? undefined : body);
      finish(Buffer.byteLength(body));
    });
  });
  await listenServer(server, options.port ?? 0, host);
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  baseUrl = `http://${urlHost}:${address.port}`;
  return {
    url: baseUrl,
    close: () =>
      new Promise<void>((closed, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : closed()));
      }),
  };
}
