/**
 * @module
 * One GET against the Hub with the retry policy every HTTP call shares (`http/fetch-with-retry.ts`): `429` waits for
 * `Retry-After` (seconds or an HTTP date, capped), transient `5xx`, timeouts and network
 * errors back off exponentially with jitter, any other `4xx` fails at once with a message
 * that says what to do. Every URL, header and body that reaches an error or a retry event is
 * passed through `redactSecrets` first.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import {
  fetchWithRetry,
  isRefusedAddress,
  RETRYABLE_HTTP_STATUSES,
} from "../http/fetch-with-retry.js";
import { redactSecrets } from "./redact-secrets.js";

export { parseRetryAfterMs } from "../http/fetch-with-retry.js";

export interface HubRetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** First backoff delay; doubles on each retry. */
  baseDelayMs: number;
  /** Upper bound on any single wait, including one a `Retry-After` header asks for. */
  maxDelayMs: number;
}

export const DEFAULT_HUB_RETRY: HubRetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

export const DEFAULT_HUB_REQUEST_TIMEOUT_MS = 60_000;

/** Told before each wait, so a CLI can show "rate limited, retrying in 4 s". */
export interface HubRetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  maxRetries: number;
  /** How long we wait before the retry. */
  delayMs: number;
  /** What the Hub asked for in `Retry-After`, before capping. */
  retryAfterMs?: number;
  /** HTTP status, absent for network errors and timeouts. */
  status?: number;
  /** Short human reason: `HTTP 429`, `HTTP 503`, `timeout after 60000 ms`, `ECONNRESET`. */
  reason: string;
  /** Redacted. */
  url: string;
}

export interface HubRequestOptions {
  /** Sent as `Authorization: Bearer`; never appears in errors or events. */
  token?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  retry?: HubRetryPolicy;
  requestTimeoutMs?: number;
  onRetry?: (event: HubRetryEvent) => void;
  /** Source of jitter, injectable for tests; defaults to `Math.random`. */
  random?: () => number;
}

export interface HubResponse {
  status: number;
  headers: Headers;
  text: string;
}

const MAX_ERROR_BODY_CHARS = 300;

function hubErrorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "error" in parsed) {
      const message = (parsed as { error: unknown }).error;
      if (typeof message === "string") return message.slice(0, MAX_ERROR_BODY_CHARS);
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return body.replace(/\s+/g, " ").trim().slice(0, MAX_ERROR_BODY_CHARS);
}

function clientErrorMessage(
  status: number,
  url: string,
  hubMessage: string,
  hasToken: boolean,
): string {
  const said = hubMessage === "" ? "" : `: ${hubMessage}`;
  if (status === 401 || status === 403) {
    const hint = hasToken
      ? "HF_TOKEN was sent and refused: check that it is valid, not expired, and has read access (https://huggingface.co/settings/tokens)."
      : "Set HF_TOKEN to a Hugging Face access token with read access (https://huggingface.co/settings/tokens), or leave out private and gated models.";
    return `The Hub refused the request (HTTP ${status}) for ${url}${said}. ${hint}`;
  }
  if (status === 404) {
    return `The Hub answered HTTP 404 for ${url}${said}. Check that HF_ENDPOINT points at a Hugging Face Hub or mirror.`;
  }
  if (status === 400 || status === 422) {
    return `The Hub rejected the query (HTTP ${status}) for ${url}${said}. Check the --task, --search and --author values.`;
  }
  return `The Hub answered HTTP ${status} for ${url}${said}. This is not a temporary error; check the request and HF_ENDPOINT.`;
}

/** GETs `url`, retrying what is worth retrying (`fetchWithRetry`); resolves only for 2xx answers. */
export async function hubRequest(
  url: string,
  options: HubRequestOptions = {},
): Promise<HubResponse> {
  const policy = options.retry ?? DEFAULT_HUB_RETRY;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_HUB_REQUEST_TIMEOUT_MS;
  const secrets = [options.token];
  const safeUrl = redactSecrets(url, secrets);
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const describe = (status: number, text: string) => {
    const hubMessage = redactSecrets(hubErrorText(text), secrets);
    return `HTTP ${status}${hubMessage === "" ? "" : ` (${hubMessage})`}`;
  };

  const outcome = await fetchWithRetry(
    url,
    { headers },
    {
      retry: policy,
      timeoutMs,
      describeResponse: describe,
      ...(options.fetch !== undefined && { fetch: options.fetch }),
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.random !== undefined && { random: options.random }),
      onRetry: (event) =>
        options.onRetry?.({ ...event, reason: redactSecrets(event.reason, secrets), url: safeUrl }),
    },
  );
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) {
    return { status: outcome.status, headers: outcome.headers, text: outcome.text };
  }
  if (outcome.kind === "response" && !RETRYABLE_HTTP_STATUSES.has(outcome.status)) {
    const hubMessage = redactSecrets(hubErrorText(outcome.text), secrets);
    throw new ModelScoutError(
      "HUB_REQUEST_FAILED",
      clientErrorMessage(outcome.status, safeUrl, hubMessage, options.token !== undefined),
      // The Hub's `X-Error-Code` tells a missing repository (`RepoNotFound`) from a missing
      // file or folder (`EntryNotFound`) and from a refused token, where the status cannot.
      {
        details: {
          status: outcome.status,
          url: safeUrl,
          errorCode: outcome.headers.get("x-error-code"),
        },
      },
    );
  }
  if (outcome.kind === "network" && isRefusedAddress(outcome.reason)) {
    // Not the Hub being busy: fetch will never call this address (port 9, a scheme it does
    // not speak), so "try again later" would send the user the wrong way. Still a Hub request
    // that failed, for callers that carry on without the Hub (a listed id recorded as failed).
    throw new ModelScoutError(
      "HUB_REQUEST_FAILED",
      `Node's fetch refuses to call ${safeUrl} (${outcome.reason}${outcome.reason === "bad port" ? ": a port that browsers and fetch block, such as 9 or 6000" : ""}). Check HF_ENDPOINT, and serve a mirror on another port.`,
      { cause: outcome.cause, isRetryable: false, details: { url: safeUrl } },
    );
  }
  const reason =
    outcome.kind === "response"
      ? describe(outcome.status, outcome.text)
      : outcome.kind === "timeout"
        ? `timeout after ${outcome.timeoutMs} ms`
        : redactSecrets(outcome.reason, secrets);
  const tries = outcome.attempts;
  throw new ModelScoutError(
    "HUB_REQUEST_FAILED",
    `The Hub did not answer ${safeUrl} successfully after ${tries} ${tries === 1 ? "try" : "tries"} (last: ${reason}). It may be busy or unreachable: try again later; a sync resumes where it stopped.`,
    {
      isRetryable: true,
      ...(outcome.kind !== "response" && { cause: outcome.cause }),
      details: {
        url: safeUrl,
        attempts: tries,
        ...(outcome.kind === "response" && { status: outcome.status }),
      },
    },
  );
}
