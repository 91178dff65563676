/**
 * @module
 * One HTTP request with the retry and timeout policy ModelScout's outbound calls to model
 * servers share: `408`, `429` (honouring `Retry-After`, capped), transient `5xx`, per-attempt
 * timeouts and network errors are retried with exponential backoff and jitter; anything else
 * is returned at once for the caller to judge. Each attempt gets its own timeout; the
 * caller's abort stops everything immediately and is never retried. The body is read inside
 * the attempt, so a server that sends headers and then stalls is caught by the same timeout.
 *
 * The loop (`retryHttp`) is separate from the transport: `fetchWithRetry` sends with `fetch`
 * (`AbortSignal.timeout` combined with the caller's signal), `undici-request.ts` with
 * undici's dispatcher and keep-alive connections for hot paths.
 *
 * The outcome is data, not an error: callers own their error codes and messages (a Hub call
 * and a model-server call say different things), and redact secrets before using any text
 * this returns (see `hub/redact-secrets.ts`).
 */

import { errorMessage } from "../errors/error-message.js";
import type { CancelSignal } from "./cancel-signal.js";

export interface HttpRetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** First backoff delay; doubles on each retry. */
  baseDelayMs: number;
  /** Upper bound on any single wait, including one a `Retry-After` header asks for. */
  maxDelayMs: number;
}

export const DEFAULT_HTTP_RETRY: HttpRetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

export const DEFAULT_HTTP_TIMEOUT_MS = 60_000;

/** Statuses worth another try: request timeout, rate limit, and gateway/overload 5xx. */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([
  408, 429, 500, 502, 503, 504, 522, 524,
]);

/** Told before each wait, so a caller can log "rate limited, retrying in 4 s". */
export interface HttpRetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  maxRetries: number;
  delayMs: number;
  /** HTTP status, absent for network errors and timeouts. */
  status?: number;
  /** `HTTP 429`, `timeout after 5000 ms`, `ECONNREFUSED`. Not redacted. */
  reason: string;
  /** What a `Retry-After` header asked for, when there was one. */
  retryAfterMs?: number;
}

/** The retry and timeout settings every transport shares. */
export interface HttpRetryOptions {
  /** The caller's signal (an `AbortSignal` will do): aborting it stops at once, without retrying. */
  signal?: CancelSignal;
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  retry?: HttpRetryPolicy;
  onRetry?: (event: HttpRetryEvent) => void;
  /** Source of jitter, injectable for tests; defaults to `Math.random`. */
  random?: () => number;
  /** Describes a retryable answer for `onRetry` (default `HTTP <status>`), e.g. with its error text. */
  describeResponse?: (status: number, text: string) => string;
}

export interface FetchWithRetryOptions extends HttpRetryOptions {
  fetch?: typeof fetch;
}

/** What an answer's headers must offer: `Headers` from fetch, a lighter view elsewhere. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** One exchange's answer, its body read in full. */
export interface HttpAnswer<H extends ResponseHeaders = Headers> {
  status: number;
  headers: H;
  text: string;
}

/** Thrown by an attempt whose own per-attempt timeout fired (not a network failure). */
export class HttpAttemptTimeout extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number, cause?: unknown) {
    super(`timeout after ${timeoutMs} ms`, { cause });
    this.name = "HttpAttemptTimeout";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * One attempt of an exchange, as a transport performs it: resolves with the answer (any
 * status), rejects with `HttpAttemptTimeout` when `timeoutMs` passes first, with the
 * caller's abort reason when `signal` fires, and with the transport's error otherwise.
 */
export type HttpAttempt<H extends ResponseHeaders = Headers> = (
  timeoutMs: number,
  signal: CancelSignal | undefined,
) => Promise<HttpAnswer<H>>;

/** What the last attempt ended with, after retries. */
export type HttpOutcome<H extends ResponseHeaders = Headers> =
  | {
      kind: "response";
      status: number;
      headers: H;
      text: string;
      attempts: number;
    }
  | { kind: "timeout"; timeoutMs: number; attempts: number; cause: unknown }
  | { kind: "network"; reason: string; attempts: number; cause: unknown };

/** `Retry-After` as milliseconds from `nowMs`: delay-seconds or an HTTP date. */
export function parseRetryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with "equal jitter": half fixed, half random, never above the cap. */
export function backoffDelayMs(
  attempt: number,
  policy: HttpRetryPolicy,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function sleep(delayMs: number, signal: CancelSignal | undefined): Promise<void> {
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

/** The most specific reason for a failed connection (`ECONNREFUSED`, ...): undici's cause, or Node's own code. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === "string") return cause.code;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string") return code;
  if (typeof cause?.message === "string") return cause.message;
  return errorMessage(error);
}

/**
 * Failures no retry can mend: `fetch` refuses the address itself (a port browsers block, such
 * as 1, or a scheme it does not speak) before any connection, so the same call fails the same
 * way every time.
 */
const REFUSED_ADDRESS_REASONS = new Set(["bad port", "unknown scheme", "ERR_INVALID_URL"]);

/** Whether a network failure's reason is `fetch` refusing the address itself (no retry mends it). */
export function isRefusedAddress(reason: string): boolean {
  return REFUSED_ADDRESS_REASONS.has(reason);
}

/** An attempt with `fetch`: per-attempt `AbortSignal.timeout`, combined with the caller's signal. */
function fetchAttempt(
  url: string,
  init: RequestInit,
  fetchImplementation: typeof fetch,
): HttpAttempt {
  return async (timeoutMs, callerSignal) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal =
      callerSignal === undefined
        ? timeout
        : AbortSignal.any([toAbortSignal(callerSignal), timeout]);
    try {
      const response = await fetchImplementation(url, Object.assign({}, init, { signal }));
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    } catch (error) {
      if (timeout.aborted && callerSignal?.aborted !== true) {
        throw new HttpAttemptTimeout(timeoutMs, error);
      }
      throw error;
    }
  };
}

/**
 * Sends `init` to `url` with `fetch` until it gets an answer that is not worth retrying, or
 * retries run out. Rejects only with the caller's abort reason.
 */
export function fetchWithRetry(
  url: string,
  init: RequestInit,
  options: FetchWithRetryOptions = {},
): Promise<HttpOutcome> {
  return retryHttp(fetchAttempt(url, init, options.fetch ?? globalThis.fetch), options);
}

/**
 * Runs `attempt` until it gets an answer that is not worth retrying, or retries run out, for
 * any transport (`fetchWithRetry`, `undici-request.ts`). Rejects only with the caller's
 * abort reason.
 */
export async function retryHttp<H extends ResponseHeaders>(
  attempt: HttpAttempt<H>,
  options: HttpRetryOptions = {},
): Promise<HttpOutcome<H>> {
  const policy = options.retry ?? DEFAULT_HTTP_RETRY;
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;

  for (let attemptIndex = 0; ; attemptIndex += 1) {
    options.signal?.throwIfAborted();
    let outcome: HttpOutcome<H>;
    let retryAfterMs: number | undefined;
    try {
      const answer = await attempt(timeoutMs, options.signal);
      outcome = {
        kind: "response",
        status: answer.status,
        headers: answer.headers,
        text: answer.text,
        attempts: attemptIndex + 1,
      };
      if (!RETRYABLE_HTTP_STATUSES.has(answer.status)) return outcome;
      retryAfterMs = parseRetryAfterMs(answer.headers.get("retry-after"));
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      outcome =
        error instanceof HttpAttemptTimeout
          ? { kind: "timeout", timeoutMs, attempts: attemptIndex + 1, cause: error.cause }
          : {
              kind: "network",
              reason: networkReason(error),
              attempts: attemptIndex + 1,
              cause: error,
            };
    }

    if (attemptIndex >= policy.maxRetries) return outcome;
    if (outcome.kind === "network" && isRefusedAddress(outcome.reason)) return outcome;
    const retryNumber = attemptIndex + 1;
    const delayMs =
      retryAfterMs !== undefined
        ? Math.min(retryAfterMs, policy.maxDelayMs)
        : backoffDelayMs(retryNumber, policy, random);
    options.onRetry?.({
      attempt: retryNumber,
      maxRetries: policy.maxRetries,
      delayMs,
      reason:
        outcome.kind === "response"
          ? (options.describeResponse?.(outcome.status, outcome.text) ?? `HTTP ${outcome.status}`)
          : outcome.kind === "timeout"
            ? `timeout after ${timeoutMs} ms`
            : outcome.reason,
      ...(outcome.kind === "response" && { status: outcome.status }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
    await sleep(delayMs, options.signal);
  }
}

/** `fetch` needs a real `AbortSignal`: `signal` itself, or one that follows it. */
export function toAbortSignal(signal: CancelSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
