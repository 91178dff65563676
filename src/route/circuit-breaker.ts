/**
 * @module
 * A circuit breaker per model backend. Closed: calls pass, consecutive failures are counted.
 * After `failureThreshold` consecutive failures it opens: calls are refused without touching
 * the backend for `coolDownMs`, so a dead or overloaded server is not hammered and requests
 * fall through to the next candidate at once. After the cool-down it is half-open: exactly
 * one trial call goes through; success closes it, failure opens it for another cool-down.
 * A success in the closed state resets the count. Time is injectable for tests.
 *
 * A failure that comes with the server's own `Retry-After` (a 429 or 503) opens the breaker
 * for that long at once, whatever the count: the server said when to come back, so no
 * request is spent asking sooner (ADR 0034). Never for longer than `MAX_REST_MS`, and never
 * for less than the cool-down when the count opens it too.
 *
 * Active health checks (`health-checker.ts`) hold a breaker open apart from all this: while a
 * model's server fails its checks, `markUnhealthy` refuses every call, trial calls included,
 * so no request is spent finding out; `markHealthy` lifts that, and the breaker is as the
 * calls left it.
 *
 * Servers that share the model's backend (`modelscout serve --workers`, ADR 0062) follow one
 * another's breakers: `onChange` hears of each opening this breaker's own calls make (until
 * when, and why) and of each closing after a passed trial, and `adopt` applies another
 * server's, so a `Retry-After` one worker was given rests the model on every worker, and a
 * trial one passed closes it on all. What is adopted is not told on again.
 */

export type BreakerState = "closed" | "open" | "half-open";

/** The longest a server's `Retry-After` holds a breaker open: then one trial call asks again. */
export const MAX_REST_MS = 10 * 60_000;

/** A move of a breaker's own that the same model's breakers elsewhere may follow (`adopt`). */
export type BreakerChange =
  /** Opened by failures or a `Retry-After`: no call until `untilMs` (epoch ms). */
  | { kind: "opened"; untilMs: number; reason: string }
  /** Closed by a call that passed while it was open or half-open. */
  | { kind: "closed" };

export interface CircuitBreakerOptions {
  failureThreshold: number;
  coolDownMs: number;
  now?: () => number;
  /** Hears of this breaker's own openings and closings (not of adopted ones). */
  onChange?: (change: BreakerChange) => void;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets a trial call through (epoch ms); null unless open. */
  retryAtMs: number | null;
  lastError: string | null;
  /** Present while active health checks hold the breaker open. */
  unhealthy?: true;
}

export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAtMs = 0;
  /** How long the current opening lasts: the cool-down, or what the server asked for. */
  #openForMs = 0;
  #trialInFlight = false;
  #lastError: string | null = null;
  /** Why health checks hold the breaker open; null while they do not. */
  #unhealthy: string | null = null;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The state as of now (an open breaker past its cool-down reads as half-open). */
  get state(): BreakerState {
    if (this.#unhealthy !== null) return "open";
    if (this.#state === "open" && this.#now() - this.#openedAtMs >= this.#openForMs) {
      return "half-open";
    }
    return this.#state;
  }

  /**
   * Whether a call may go through now. In half-open, the first caller gets the one trial
   * and later callers are refused until it reports.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open") return false;
    if (this.#trialInFlight) return false;
    this.#state = "half-open";
    this.#trialInFlight = true;
    return true;
  }

  /** Whether a call would be let through now, without taking the half-open trial. */
  wouldAllow(): boolean {
    const state = this.state;
    return state === "closed" || (state === "half-open" && !this.#trialInFlight);
  }

  recordSuccess(): void {
    const wasOpen = this.#state !== "closed";
    this.#state = "closed";
    this.#failures = 0;
    this.#trialInFlight = false;
    if (wasOpen) this.#options.onChange?.({ kind: "closed" });
  }

  /** `restMs`: the server's `Retry-After`, when it gave one. */
  recordFailure(reason: string, restMs?: number): void {
    this.#lastError = reason;
    this.#failures += 1;
    const tripped = this.#state === "half-open" || this.#failures >= this.#options.failureThreshold;
    const rest = restMs !== undefined && restMs > 0 ? Math.min(restMs, MAX_REST_MS) : 0;
    this.#trialInFlight = false;
    if (tripped || rest > 0) {
      this.#state = "open";
      this.#openedAtMs = this.#now();
      this.#openForMs = Math.max(tripped ? this.#options.coolDownMs : 0, rest);
      this.#options.onChange?.({
        kind: "opened",
        untilMs: this.#openedAtMs + this.#openForMs,
        reason,
      });
    }
  }

  /**
   * Follows another server's breaker of the same model: an opening holds this one open until
   * the same time (unless it is already open for longer; one already over is ignored), a
   * closing closes it. A trial call of this breaker's in flight still reports as usual.
   */
  adopt(change: BreakerChange): void {
    if (change.kind === "closed") {
      this.#state = "closed";
      this.#failures = 0;
      return;
    }
    const nowMs = this.#now();
    const untilMs = Math.min(change.untilMs, nowMs + MAX_REST_MS);
    if (untilMs <= nowMs) return;
    if (this.#state === "open" && this.#openedAtMs + this.#openForMs >= untilMs) return;
    this.#state = "open";
    this.#openedAtMs = nowMs;
    this.#openForMs = untilMs - nowMs;
    this.#lastError = change.reason;
  }

  /** A call that ended without judging the backend (the client went away): frees the trial. */
  release(): void {
    this.#trialInFlight = false;
  }

  /**
   * The opening this breaker's calls hold now, as a change another breaker can adopt (for a
   * server that starts after it was told); null when its calls have not opened it.
   */
  currentOpening(): Extract<BreakerChange, { kind: "opened" }> | null {
    if (this.#state !== "open") return null;
    const untilMs = this.#openedAtMs + this.#openForMs;
    if (untilMs <= this.#now()) return null;
    return { kind: "opened", untilMs, reason: this.#lastError ?? "open" };
  }

  /** Health checks found the model's server down: refuse every call until `markHealthy`. */
  markUnhealthy(reason: string): void {
    this.#unhealthy = reason;
  }

  /** Health checks found the server up again: calls go as the breaker's own state allows. */
  markHealthy(): void {
    this.#unhealthy = null;
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    const unhealthy = this.#unhealthy;
    return {
      state,
      consecutiveFailures: this.#failures,
      // Held open by health checks: open until a check passes, not until a time.
      retryAtMs: state === "open" && unhealthy === null ? this.#openedAtMs + this.#openForMs : null,
      lastError: unhealthy === null ? this.#lastError : `health check: ${unhealthy}`,
      ...(unhealthy !== null && { unhealthy: true }),
    };
  }
}
