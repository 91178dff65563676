/**
 * @module
 * The dashboard's files as the server sends them: the page's HTML and the script
 * (`assets/dashboard.js`, read once from beside this module: `src/` when run from source,
 * `dist/` after `npm run build`, which copies it there as `allowJs` output), each with an
 * ETag and a gzip copy made once at start-up, so a page load costs no compression work and a
 * reload with a warm cache costs a 304.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
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
