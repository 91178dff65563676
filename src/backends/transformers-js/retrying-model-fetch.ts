/**
 * @module
 * The `fetch` transformers.js downloads model files with (`env.fetch`): the platform's, with
 * the retries the Hub client already has for its listing (`http/fetch-with-retry.ts`). A
 * mirror or proxy that answers one `502`/`503` (or `429`, or drops a connection) while a
 * model downloads made the whole load fail, reported as a corrupt model file; now the request
 * is sent again after a backoff, honouring `Retry-After`. Only the answer's status is judged:
 * the body is handed to transformers.js unread, so a model of gigabytes is not buffered twice.
 *
 * It also sends the Hub token (`HF_TOKEN`) to the configured endpoint. transformers.js sends
 * it only to huggingface.co, so behind `HF_ENDPOINT` a gated or private model was requested
 * without it and refused, though `huggingface-cli` and ModelScout's own sync send it there.
 * Other origins (a CDN the mirror redirects to) never get it.
 */
import {
  backoffDelayMs,
  type HttpRetryPolicy,
  parseRetryAfterMs,
  RETRYABLE_HTTP_STATUSES,
} from "../../http/fetch-with-retry.js";

/** Four retries over about 15 s at most: a gateway restarting, not a server that is down. */
export const MODEL_DOWNLOAD_RETRY: HttpRetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
};

export interface RetryingModelFetchOptions {
  fetch?: typeof fetch;
  policy?: HttpRetryPolicy;
  /** Told before each wait (the CLI prints it). */
  onRetry?: (event: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Waits `delayMs`; tests pass one that does not. */
  sleep?: (delayMs: number) => Promise<void>;
  random?: () => number;
  /** Origin (`http://mirror:8080`) whose requests carry `token()`; none when absent. */
  tokenOrigin?: string;
  /** The token, read when a request is sent (the environment may change between loads). */
  token?: () => string | undefined;
}

function defaultSleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === "string") return input;
  return input instanceof URL ? input.href : input.url;
}

/** `init` with `Authorization: Bearer <token>` when the request goes to `tokenOrigin`. */
function withToken(
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  options: RetryingModelFetchOptions,
): RequestInit | undefined {
  const token = options.token?.();
  if (token === undefined || options.tokenOrigin === undefined) return init;
  let origin: string;
  try {
    origin = new URL(urlOf(input)).origin;
  } catch {
    return init;
  }
  if (origin !== options.tokenOrigin) return init;
  const headers = new Headers(init?.headers);
  if (headers.has("authorization")) return init;
  headers.set("authorization", `Bearer ${token}`);
  // biome-ignore lint/plugin/no-spread-then-field: once per downloaded file, not per request
  return { ...init, headers };
}

/** A `fetch` that sends a request again on a transient failure (see the module header). */
export function retryingModelFetch(options: RetryingModelFetchOptions = {}): typeof fetch {
  const policy = options.policy ?? MODEL_DOWNLOAD_RETRY;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const send = options.fetch ?? globalThis.fetch.bind(globalThis);
  return async (input, givenInit) => {
    const init = withToken(input, givenInit, options);
    for (let attempt = 1; ; attempt += 1) {
      let reason: string;
      let retryAfterMs: number | undefined;
      try {
        const response = await send(input, init);
        if (!RETRYABLE_HTTP_STATUSES.has(response.status) || attempt > policy.maxRetries) {
          return response;
        }
        reason = `HTTP ${response.status}`;
        retryAfterMs = parseRetryAfterMs(response.headers.get("retry-after"));
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        if (init?.signal?.aborted || attempt > policy.maxRetries) throw error;
        reason = error instanceof Error ? error.message : String(error);
      }
      const delayMs = Math.min(
        policy.maxDelayMs,
        retryAfterMs ?? backoffDelayMs(attempt, policy, random),
      );
      options.onRetry?.({ url: urlOf(input), attempt, delayMs, reason });
      await sleep(delayMs);
    }
  };
}
