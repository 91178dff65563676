/**
 * @module
 * Who may use the OpenAI-compatible API (`/v1/...`): with API keys set
 * (`MODELSCOUT_API_KEYS`, comma-separated, or a file named by `MODELSCOUT_API_KEYS_FILE`, one
 * per line), a request must carry one as `Authorization: Bearer <key>`, which is what
 * OpenAI's SDKs send from their `apiKey`. Keys from a file can be rotated without a restart:
 * `modelscout serve` reads the file again on SIGHUP (`RoutingServer.useApiKeys`, ADR 0049).
 * The router calls model servers with its own credentials, so without keys anyone who
 * reaches the port spends them. Keys are optional, as they are for vLLM, Ollama and
 * LiteLLM: `modelscout serve` warns when it listens beyond loopback without them.
 *
 * A refused request gets OpenAI's `401` (`code: invalid_api_key`). Its body is not read, it
 * never reaches a model, and it is not written to the request log, so a stranger cannot fill
 * the log. `/health` and `/ready` stay open for orchestrators' probes; the admin side has its
 * own token (`admin/admin-access.ts`). Comparisons are constant-time: both sides are hashed
 * with HMAC-SHA-256 first, so neither a key's content nor its length leaks through timing.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { type HttpError, openAIError } from "./openai-errors.js";

export const API_KEYS_ENV = "MODELSCOUT_API_KEYS";
export const API_KEYS_FILE_ENV = "MODELSCOUT_API_KEYS_FILE";

const MIN_KEY_CHARS = 16;

/** The API keys in `MODELSCOUT_API_KEYS` (comma-separated; blanks ignored). */
export function resolveApiKeys(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[API_KEYS_ENV] ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
}

/** Where the keys came from: the file to read again on a reload, or null (the variable, or none). */
export interface ApiKeySource {
  keys: string[];
  file: string | null;
}

/**
 * The API keys `modelscout serve` requires: from `MODELSCOUT_API_KEYS_FILE` (as Docker and
 * Kubernetes mount secrets) or `MODELSCOUT_API_KEYS`, not both. A file that cannot be read or
 * holds no key is an error, not an open API.
 */
export function resolveApiKeySource(env: NodeJS.ProcessEnv = process.env): ApiKeySource {
  const file = env[API_KEYS_FILE_ENV]?.trim() || undefined;
  if (file === undefined) return { keys: resolveApiKeys(env), file: null };
  if (resolveApiKeys(env).length > 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Both ${API_KEYS_ENV} and ${API_KEYS_FILE_ENV} are set; set one (the file's keys can be rotated without a restart).`,
    );
  }
  return { keys: readApiKeysFile(file), file };
}

/**
 * The keys in a keys file: one per line; blank lines and lines starting with `#` are skipped.
 * Throws if the file cannot be read or holds no key.
 */
export function readApiKeysFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${API_KEYS_FILE_ENV}: ${path} cannot be read (${errorMessage(error)}).`,
      { cause: error },
    );
  }
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  if (keys.length === 0) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${API_KEYS_FILE_ENV}: ${path} holds no key (one per line; lines starting with # are comments).`,
    );
  }
  return keys;
}

export interface ApiAccess {
  /** False when no keys are set: every request is allowed. */
  readonly required: boolean;
  /** Null when the `Authorization` header carries a key; otherwise the 401 to answer. */
  refusal(authorization: string | undefined): HttpError | null;
}

export function createApiAccess(keys: readonly string[]): ApiAccess {
  const short = keys.find((key) => key.length < MIN_KEY_CHARS);
  if (short !== undefined) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `An API key in ${API_KEYS_ENV} (or ${API_KEYS_FILE_ENV}) is ${short.length} characters; use at least ${MIN_KEY_CHARS} (for example: openssl rand -hex 24).`,
    );
  }
  if (keys.length === 0) return { required: false, refusal: () => null };
  const digest = (text: string) => createHmac("sha256", "modelscout-api-key").update(text).digest();
  const expected = keys.map(digest);
  const refused = (message: string) => openAIError(401, message, { code: "invalid_api_key" });
  return {
    required: true,
    refusal(authorization) {
      const match = authorization === undefined ? null : /^Bearer\s+(.+)$/i.exec(authorization);
      if (match === null) {
        return refused(
          "This server needs an API key: send Authorization: Bearer <key> (OpenAI clients: their apiKey setting), with a key from the server's MODELSCOUT_API_KEYS (or MODELSCOUT_API_KEYS_FILE).",
        );
      }
      const presented = digest((match[1] as string).trim());
      // Every key is compared, so the time does not say which one matched.
      let allowed = false;
      for (const key of expected) allowed = timingSafeEqual(presented, key) || allowed;
      return allowed
        ? null
        : refused(
            "Incorrect API key: it is not one of this server's MODELSCOUT_API_KEYS (or MODELSCOUT_API_KEYS_FILE).",
          );
    },
  };
}
