/**
 * @module
 * Cross-origin calls to the OpenAI-compatible API from web pages (CORS), for the origins in
 * `server.cors_origins` (ADR 0063). A request to `/v1/...` that carries an `Origin`:
 *
 * - a preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin gets
 *   `204` with the methods (`GET, POST`), the request headers it asked for (the OpenAI SDKs
 *   send their own `x-stainless-*` ones), and a max age of 10 minutes; from another origin a
 *   `403` in OpenAI's error format that names the setting;
 * - any other request from an allowed origin is served as usual, with
 *   `Access-Control-Allow-Origin` and the `x-modelscout-*` decision headers exposed to the
 *   page's script; from the server's own origin (its `Host`) as usual, without them;
 * - from any other origin it gets the same `403`, with or without a list: a browser sends a
 *   "simple" request (a `text/plain` or form body, no `Authorization`) without asking first,
 *   and keeps only the answer from the page. Served, such a request from any site the user
 *   visits would spend a keyless local router's model calls and teach its learner false
 *   feedback. Clients outside browsers send no `Origin` and are not affected.
 *
 * Paths outside `/v1/` (the dashboard, the admin API, `/metrics`, `/health`) never answer
 * a preflight or carry the headers: the admin side relies on browsers refusing cross-site
 * calls (`admin/admin-access.ts`). No cookies are involved (`Allow-Credentials` is never
 * sent): a page's script sends its API key in `Authorization`, as OpenAI's SDKs do.
 *
 * The origins are read per request (`origins()`), so a reload of the routes config changes
 * them; a request without `Origin` (every client outside a browser) costs one check and is
 * passed on untouched.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { openAIError } from "./openai-errors.js";

type NodeListener = (request: IncomingMessage, response: ServerResponse) => void;

/** The decision headers a page's script may read (`x-modelscout-*`, decision-wire.ts). */
const EXPOSED_HEADERS = [
  "x-modelscout-request-id",
  "x-modelscout-route",
  "x-modelscout-model",
  "x-modelscout-reason",
  // A batch whose items went to different routes (batch-decision-wire.ts, ADR 0081).
  "x-modelscout-batch",
].join(", ");

/** How long a browser may keep a preflight's answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

function allowedOrigin(origins: readonly string[], origin: string): string | null {
  if (origins.includes(origin)) return origin;
  return origins.includes("*") ? "*" : null;
}

/** Whether `origin` is the server's own, as the request's `Host` names it (a same-origin page). */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  const scheme = origin.indexOf("://");
  return scheme !== -1 && origin.slice(scheme + 3) === host;
}

function refuseOrigin(response: ServerResponse, origin: string): void {
  const body = JSON.stringify(
    openAIError(
      403,
      `Origin ${origin} may not call this server from a browser: server.cors_origins in the routes config lists the origins that may.`,
      { code: "origin_not_allowed" },
    ).body,
  );
  response.writeHead(403, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    vary: "Origin",
  });
  response.end(body);
}

/** `listener` with CORS for `/v1/...` from the origins `origins()` gives at each request. */
export function corsListener(
  listener: NodeListener,
  origins: () => readonly string[],
): NodeListener {
  return (request, response) => {
    const origin = request.headers.origin;
    if (origin === undefined || !request.url?.startsWith("/v1/")) {
      listener(request, response);
      return;
    }
    const configured = origins();
    const allowed = allowedOrigin(configured, origin);
    const preflight =
      request.method === "OPTIONS" &&
      request.headers["access-control-request-method"] !== undefined;
    if (preflight) {
      request.resume();
      if (allowed === null) {
        refuseOrigin(response, origin);
        return;
      }
      const asked = request.headers["access-control-request-headers"];
      response.writeHead(204, {
        "access-control-allow-origin": allowed,
        "access-control-allow-methods": "GET, POST",
        ...(asked !== undefined && { "access-control-allow-headers": asked }),
        "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
        vary: "Origin",
      });
      response.end();
      return;
    }
    if (allowed === null && !isOwnOrigin(origin, request.headers.host)) {
      request.resume();
      refuseOrigin(response, origin);
      return;
    }
    if (configured.length > 0) response.setHeader("vary", "Origin");
    if (allowed !== null) {
      response.setHeader("access-control-allow-origin", allowed);
      response.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
    }
    listener(request, response);
  };
}
