/**
 * @module
 * Turns what a model server answered (or failed to answer) into a `ModelScoutError` that
 * says what to do, for every HTTP backend alike. Error bodies come in several dialects and
 * are all read: OpenAI's `{error: {message}}`, TGI's and Ollama's `{error: "..."}`, older
 * vLLM's top-level `{message}`, FastAPI's `{detail}`. Every text that reaches a message or
 * `details` passes through `redactSecrets` with the caller's credentials first.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { HttpOutcome, ResponseHeaders } from "../../http/fetch-with-retry.js";
import { parseRetryAfterMs, RETRYABLE_HTTP_STATUSES } from "../../http/fetch-with-retry.js";
import { redactSecrets } from "../../hub/redact-secrets.js";

const MAX_ERROR_BODY_CHARS = 300;

export interface BackendHttpErrorContext {
  /** Who answered, for the message: `the OpenAI-compatible server at http://...`. */
  serverName: string;
  /** Redacted before use. */
  url: string;
  modelId: string;
  /** Credentials to scrub from every text. */
  secrets: readonly (string | undefined)[];
  /** Whether a credential was sent, to tell "refused" from "missing" on 401/403. */
  sentCredentials: boolean;
  /** How to supply a credential: `set the variable named by apiKeyEnv`, `set HF_TOKEN`. */
  credentialHint: string;
}

/** The server's own words from an error body, whatever dialect it speaks. */
export function upstreamErrorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const error = record.error;
      if (typeof error === "string") return error.slice(0, MAX_ERROR_BODY_CHARS);
      if (typeof error === "object" && error !== null) {
        const message = (error as Record<string, unknown>).message;
        if (typeof message === "string") return message.slice(0, MAX_ERROR_BODY_CHARS);
      }
      for (const key of ["message", "detail"]) {
        const value = record[key];
        if (typeof value === "string") return value.slice(0, MAX_ERROR_BODY_CHARS);
      }
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.replace(/\s+/g, " ").trim().slice(0, MAX_ERROR_BODY_CHARS);
}

function statusAdvice(status: number, context: BackendHttpErrorContext): string {
  if (status === 401 || status === 403) {
    return context.sentCredentials
      ? `The credential was sent and refused: check that it is valid and allowed to use ${context.modelId}.`
      : `No credential was sent: ${context.credentialHint}.`;
  }
  if (status === 404) {
    return `Check the base URL (it usually ends in /v1) and that the server serves model "${context.modelId}".`;
  }
  if (status === 400 || status === 422) {
    return "The server rejected the request: check that the model supports this task and that the inputs fit its context length.";
  }
  if (RETRYABLE_HTTP_STATUSES.has(status)) {
    return "The server is overloaded or failing: try again later, or lower the request rate.";
  }
  return "This is not a temporary error: check the endpoint configuration.";
}

/** The error for any outcome that is not a usable 2xx answer. */
export function backendHttpError(
  outcome: HttpOutcome<ResponseHeaders>,
  context: BackendHttpErrorContext,
): ModelScoutError {
  const url = redactSecrets(context.url, context.secrets);
  const tries = `${outcome.attempts} ${outcome.attempts === 1 ? "try" : "tries"}`;
  if (outcome.kind === "timeout") {
    return new ModelScoutError(
      "BACKEND_TIMEOUT",
      `${context.serverName} did not answer ${url} within ${outcome.timeoutMs} ms (${tries}). Raise the timeout for slow models, or check that the server is not stuck.`,
      {
        isRetryable: true,
        details: { url, timeoutMs: outcome.timeoutMs, attempts: outcome.attempts },
      },
    );
  }
  if (outcome.kind === "network") {
    const reason = redactSecrets(outcome.reason, context.secrets);
    return new ModelScoutError(
      "BACKEND_REQUEST_FAILED",
      `Could not reach ${context.serverName} at ${url} (${reason}, ${tries}). Check that the server is running and the base URL is right.`,
      { isRetryable: true, details: { url, reason, attempts: outcome.attempts } },
    );
  }
  const said = redactSecrets(upstreamErrorText(outcome.text), context.secrets);
  const isRetryable = RETRYABLE_HTTP_STATUSES.has(outcome.status);
  // How long the server asked callers to wait (429, 503): the router rests the model so long.
  const retryAfterMs = isRetryable
    ? parseRetryAfterMs(outcome.headers.get("retry-after"))
    : undefined;
  return new ModelScoutError(
    "BACKEND_REQUEST_FAILED",
    `${context.serverName} answered HTTP ${outcome.status} for ${url}${said === "" ? "" : `: ${said}`} (${tries}). ${statusAdvice(outcome.status, context)}`,
    {
      isRetryable,
      details: {
        url,
        status: outcome.status,
        attempts: outcome.attempts,
        modelId: context.modelId,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      },
    },
  );
}
