/**
 * @module
 * One GET against the Hub with the retry policy every Hub call shares: `429` waits for
 * `Retry-After` (seconds or an HTTP date, capped), transient `5xx`, timeouts and network
 * errors back off exponentially with jitter, any other `4xx` fails at once with a message
 * that says what to do. Every URL, header and body that reaches an error or a retry event is
 * passed through `redactSecrets` first.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";
import { redactSecrets } from "./redact-secrets.js";

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

const RETRYABLE_STATUSES = new Set([408, 429, 500, 502, 503, 504, 522, 524]);
const MAX_ERROR_BODY_CHARS = 300;

/** `Retry-After` as milliseconds from `nowMs`: delay-seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half fixed, half random, never above the cap. */
export function backoffDelayMs(attempt: number, policy: HubRetryPolicy, random: () => number) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function sleep(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, delayMs);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}

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

/** GETs `url`, retrying what is worth retrying; resolves only for 2xx answers. */
export async function hubRequest(
  url: string,
  options: HubRequestOptions = {},
): Promise<HubResponse> {
  const policy = options.retry ?? DEFAULT_HUB_RETRY;
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  const random = options.random ?? Math.random;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_HUB_REQUEST_TIMEOUT_MS;
  const secrets = [options.token];
  const safeUrl = redactSecrets(url, secrets);
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

  for (let attempt = 0; ; attempt += 1) {
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal =
      options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
    let failure: { reason: string; status?: number; retryAfterMs?: number; cause?: unknown };
    try {
      const response = await fetchImplementation(url, { headers, signal });
      const text = await response.text();
      if (response.ok) return { status: response.status, headers: response.headers, text };
      const hubMessage = redactSecrets(hubErrorText(text), secrets);
      if (!RETRYABLE_STATUSES.has(response.status)) {
        throw new ModelScoutError(
          "HUB_REQUEST_FAILED",
          clientErrorMessage(response.status, safeUrl, hubMessage, options.token !== undefined),
          { details: { status: response.status, url: safeUrl } },
        );
      }
      const retryAfterMs = parseRetryAfterMs(response.headers.get("retry-after"));
      failure = {
        reason: `HTTP ${response.status}${hubMessage === "" ? "" : ` (${hubMessage})`}`,
        status: response.status,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      };
    } catch (error) {
      if (ModelScoutError.isInstance(error)) throw error;
      // The caller's own abort is not a transient failure: stop now, quietly.
      if (options.signal?.aborted) throw options.signal.reason;
      failure = timeout.aborted
        ? { reason: `timeout after ${timeoutMs} ms`, cause: error }
        : { reason: redactSecrets(networkReason(error), secrets), cause: error };
    }

    if (attempt >= policy.maxRetries) {
      const tries = attempt + 1;
      throw new ModelScoutError(
        "HUB_REQUEST_FAILED",
        `The Hub did not answer ${safeUrl} successfully after ${tries} ${tries === 1 ? "try" : "tries"} (last: ${failure.reason}). It may be busy or unreachable: try again later; a sync resumes where it stopped.`,
        {
          isRetryable: true,
          cause: failure.cause,
          details: {
            url: safeUrl,
            attempts: tries,
            ...(failure.status && { status: failure.status }),
          },
        },
      );
    }
    const retryNumber = attempt + 1;
    const delayMs =
      failure.retryAfterMs !== undefined
        ? Math.min(failure.retryAfterMs, policy.maxDelayMs)
        : backoffDelayMs(retryNumber, policy, random);
    options.onRetry?.({
      attempt: retryNumber,
      maxRetries: policy.maxRetries,
      delayMs,
      reason: failure.reason,
      url: safeUrl,
      ...(failure.status !== undefined && { status: failure.status }),
      ...(failure.retryAfterMs !== undefined && { retryAfterMs: failure.retryAfterMs }),
    });
    await sleep(delayMs, options.signal);
  }
}
