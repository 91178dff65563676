/**
 * @module
 * Who may use the admin API, `/metrics` and the dashboard. One shared token
 * (`--admin-token`, `MODELSCOUT_ADMIN_TOKEN`, or the file `MODELSCOUT_ADMIN_TOKEN_FILE` names,
 * which `modelscout serve` reads again on SIGHUP: ADR 0052), presented as
 * `Authorization: Bearer <token>` by programs, or as a session cookie by the dashboard after
 * its login form. The cookie holds an HMAC of the token, not the token, so it cannot be
 * replayed as a Bearer token elsewhere, and changing the token ends every session.
 * Comparisons are constant-time.
 *
 * Without a token the admin side is open, which is only allowed when the server listens on a
 * loopback address (127.0.0.0/8, ::1, localhost): anyone who can reach the port can then
 * already act as the local user. On any other address the server refuses to start.
 *
 * State-changing requests must be JSON (`Content-Type: application/json`): a browser cannot
 * send that cross-site without a CORS preflight, which the server never grants, so a page on
 * another site cannot approve a review item with the operator's cookie (the cookie is also
 * `SameSite=Strict`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { openAIError } from "../openai-errors.js";

export const ADMIN_TOKEN_ENV = "MODELSCOUT_ADMIN_TOKEN";
export const ADMIN_TOKEN_FILE_ENV = "MODELSCOUT_ADMIN_TOKEN_FILE";
export const ADMIN_COOKIE = "modelscout_admin";

export interface AdminAccess {
  /** False when no token is set (loopback only). */
  readonly required: boolean;
  /** Whether the request carries the token (Bearer) or a valid session cookie. */
  allows(context: Context): boolean;
  /**
   * Whether an `Authorization` header carries the token as Bearer (true when no token is
   * required); the session cookie is not looked at, for clients that are not the dashboard.
   */
  allowsBearer(authorization: string | undefined): boolean;
  /** Whether `token` is the admin token. */
  checkToken(token: string): boolean;
  /** The session cookie's value (an HMAC of the token); null when no token is required. */
  sessionValue(): string | null;
  /**
   * Puts `token` in force from the next request on; sessions of the old one end. Refused
   * (throws, and the token in force stays) for a token too short, or when the admin side was
   * started open: requiring a token then takes a restart.
   */
  useToken(token: string): void;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare === "::1" || bare === "0:0:0:0:0:0:0:1") return true;
  if (bare.startsWith("::ffff:")) return isLoopbackHost(bare.slice("::ffff:".length));
  return /^127(?:\.\d{1,3}){3}$/.test(bare);
}

/** The token from the option or the environment; empty means none. */
export function resolveAdminToken(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const token = option ?? env[ADMIN_TOKEN_ENV];
  return token === undefined || token.trim() === "" ? null : token;
}

/**
 * The admin token and, when it came from `MODELSCOUT_ADMIN_TOKEN_FILE` (as Docker and
 * Kubernetes hand secrets to a process), the file to read it from again.
 */
export function resolveAdminTokenSource(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { token: string | null; file: string | null } {
  const file = env[ADMIN_TOKEN_FILE_ENV]?.trim() || null;
  const token = resolveAdminToken(option, env);
  if (file === null) return { token, file: null };
  if (token !== null) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Both ${option === undefined ? ADMIN_TOKEN_ENV : "--admin-token"} and ${ADMIN_TOKEN_FILE_ENV} are set; set one (the file's token can be rotated without a restart).`,
    );
  }
  return { token: readAdminTokenFile(file), file };
}

/** The token in `path`: its content without surrounding white space, on one line. */
export function readAdminTokenFile(path: string): string {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${ADMIN_TOKEN_FILE_ENV}: ${path} cannot be read (${errorMessage(error)}).`,
      { cause: error },
    );
  }
  const token = content.trim();
  if (token === "" || /[\r\n]/.test(token)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${ADMIN_TOKEN_FILE_ENV}: ${path} must hold the token alone, on one line (it ${token === "" ? "is empty" : "has several lines"}).`,
    );
  }
  return token;
}

const MIN_TOKEN_CHARS = 16;

function checkTokenLength(token: string): void {
  if (token.length < MIN_TOKEN_CHARS) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The admin token is ${token.length} characters; use at least ${MIN_TOKEN_CHARS} (for example: openssl rand -hex 24).`,
    );
  }
}

/** What checking one token needs: its digest, its session cookie's value and that value's digest. */
interface TokenState {
  expected: Buffer;
  session: string;
  sessionDigest: Buffer;
}

const digest = (text: string) =>
  createHmac("sha256", "modelscout-admin-token").update(text).digest();

function tokenState(token: string): TokenState {
  const session = createHmac("sha256", token).update("modelscout-admin-session-v1").digest("hex");
  return { expected: digest(token), session, sessionDigest: digest(session) };
}

export function createAdminAccess(options: { token: string | null; host: string }): AdminAccess {
  const { token, host } = options;
  if (token === null && !isLoopbackHost(host)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The server would listen on ${host} with the admin API and dashboard open to anyone who can reach it. Set an admin token (--admin-token, ${ADMIN_TOKEN_ENV} or ${ADMIN_TOKEN_FILE_ENV}), or listen on 127.0.0.1.`,
      { details: { host } },
    );
  }
  if (token !== null) checkTokenLength(token);
  let state: TokenState | null = token === null ? null : tokenState(token);

  const checkToken = (candidate: string) =>
    state !== null && timingSafeEqual(digest(candidate), state.expected);
  const allowsBearer = (authorization: string | undefined): boolean => {
    if (state === null) return true;
    const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? "");
    return match !== null && checkToken(match[1] as string);
  };
  const checkSession = (candidate: string) =>
    state !== null && timingSafeEqual(digest(candidate), state.sessionDigest);

  return {
    required: token !== null,
    checkToken,
    sessionValue: () => state?.session ?? null,
    useToken(next) {
      if (state === null) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          "The admin side was started without a token; requiring one takes a restart.",
        );
      }
      checkTokenLength(next);
      state = tokenState(next);
    },
    allowsBearer,
    allows(context) {
      if (state === null) return true;
      const authorization = context.req.header("authorization");
      if (authorization !== undefined) return allowsBearer(authorization);
      const cookie = getCookie(context, ADMIN_COOKIE);
      return cookie !== undefined && checkSession(cookie);
    },
  };
}

/** 401 in the OpenAI error format, with the challenge a client needs. */
export function unauthorized(): Response {
  const http = openAIError(
    401,
    `This needs the admin token: send "Authorization: Bearer <token>" (the token given to modelscout serve with --admin-token or ${ADMIN_TOKEN_ENV}), or log in on the dashboard.`,
    { code: "invalid_admin_token" },
  );
  return new Response(JSON.stringify(http.body), {
    status: 401,
    headers: {
      "content-type": "application/json",
      "www-authenticate": 'Bearer realm="modelscout-admin"',
    },
  });
}

/** Refuses requests without the token (401) and state changes that are not JSON (415). */
export function requireAdmin(access: AdminAccess): MiddlewareHandler {
  return async (context, next) => {
    if (!access.allows(context)) return unauthorized();
    const method = context.req.method;
    if (method !== "GET" && method !== "HEAD") {
      const type = context.req.header("content-type") ?? "";
      if (!/^application\/json\b/i.test(type)) {
        const http = openAIError(
          415,
          "Admin changes must be sent as JSON (Content-Type: application/json).",
          { code: "unsupported_media_type" },
        );
        return context.json(http.body, 415);
      }
    }
    await next();
  };
}
