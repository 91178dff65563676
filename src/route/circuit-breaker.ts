/**
 * @module
 * A circuit breaker per model backend. Closed: calls pass, consecutive failures are counted.
 * After `failureThreshold` consecutive failures it opens: calls are refused without touching
 * the backend for `coolDownMs`, so a dead or overloaded server is not hammered and requests
 * fall through to the next candidate at once. After the cool-down it is half-open: exactly
 * one trial call goes through; success closes it, failure opens it for another cool-down.
 * A success in the closed state resets the count. Time is injectable for tests.
 */

export type BreakerState = "closed" | "open" | "half-open";

export interface CircuitBreakerOptions {
  failureThreshold: number;
  coolDownMs: number;
  now?: () => number;
}

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets a trial call through (epoch ms); null unless open. */
  retryAtMs: number | null;
  lastError: string | null;
}

export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAtMs = 0;
  #trialInFlight = false;
  #lastError: string | null = null;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The state as of now (an open breaker past its cool-down reads as half-open). */
  get state(): BreakerState {
    if (this.#state === "open" && this.#now() - this.#openedAtMs >= this.#options.coolDownMs) {
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
    this.#state = "closed";
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  recordFailure(reason: string): void {
    this.#lastError = reason;
    this.#failures += 1;
    if (this.#state === "half-open" || this.#failures >= this.#options.failureThreshold) {
      this.#state = "open";
      this.#openedAtMs = this.#now();
    }
    this.#trialInFlight = false;
  }

  /** A call that ended without judging the backend (the client went away): frees the trial. */
  release(): void {
    this.#trialInFlight = false;
  }

  snapshot(): BreakerSnapshot {
    const state = this.state;
    return {
      state,
      consecutiveFailures: this.#failures,
      retryAtMs: state === "open" ? this.#openedAtMs + this.#options.coolDownMs : null,
      lastError: this.#lastError,
    };
  }
}
