/**
 * @module
 * The dashboard's files as the server sends them: the page's HTML and the script
 * (`assets/dashboard.js`, read once from beside this module: `src/` when run from source,
 * `dist/` after `npm run build`, which copies it there as `allowJs` output), each with an
 * ETag and a gzip copy made once at start-up, so a page load costs no compression work and a
 * reload with a warm cache costs a 304; and the middleware that gzips the other HTML, JSON
 * and text answers.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { MiddlewareHandler } from "hono";
import { ModelScoutError } from "../errors/modelscout-error.js";

export interface StaticAsset {
  body: Uint8Array;
  gzip: Uint8Array;
  etag: string;
  contentType: string;
}

export function staticAsset(content: string | Uint8Array, contentType: string): StaticAsset {
  const body = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return {
    body,
    gzip: gzipSync(body, { level: 9 }),
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    contentType,
  };
}

export function loadDashboardScript(): StaticAsset {
  const url = new URL("./assets/dashboard.js", import.meta.url);
  try {
    return staticAsset(readFileSync(url), "text/javascript; charset=utf-8");
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The dashboard script is missing at ${url.pathname} (${(error as Error).message}); rebuild ModelScout (npm run build) or reinstall it.`,
      { cause: error },
    );
  }
}

const COMPRESSIBLE = /^\s*(?:text\/html|text\/plain|application\/json)\b/i;

/**
 * Gzips HTML, JSON and plain-text answers of at least `minBytes` when the client accepts gzip,
 * in one piece with a Content-Length. (Hono's `compress` streams through a CompressionStream;
 * an answer the client then leaves unread held `server.close()` for 3 s.) Answers already
 * encoded and event streams pass as they are.
 */
export function gzipWhenAccepted(minBytes = 1024): MiddlewareHandler {
  return async (context, next) => {
    await next();
    const response = context.res;
    if (
      response.body === null ||
      response.headers.has("content-encoding") ||
      !COMPRESSIBLE.test(response.headers.get("content-type") ?? "") ||
      !/\bgzip\b/i.test(context.req.header("accept-encoding") ?? "")
    ) {
      return;
    }
    const body = new Uint8Array(await response.arrayBuffer());
    const headers = new Headers(response.headers);
    headers.append("vary", "accept-encoding");
    let sent: Uint8Array = body;
    if (body.byteLength >= minBytes) {
      sent = gzipSync(body);
      headers.set("content-encoding", "gzip");
    }
    headers.set("content-length", String(sent.byteLength));
    context.res = new Response(sent, { status: response.status, headers });
  };
}

/** The response for an asset: 304 when the ETag matches, gzip when the client takes it. */
export function assetResponse(
  asset: StaticAsset,
  request: Request,
  headers: Record<string, string> = {},
): Response {
  const common = { etag: asset.etag, vary: "accept-encoding", ...headers };
  if (request.headers.get("if-none-match") === asset.etag) {
    return new Response(null, { status: 304, headers: common });
  }
  const gzip = /\bgzip\b/i.test(request.headers.get("accept-encoding") ?? "");
  const body = gzip ? asset.gzip : asset.body;
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": asset.contentType,
      "content-length": String(body.byteLength),
      ...(gzip && { "content-encoding": "gzip" }),
      ...common,
    },
  });
}
