/**
 * @module
 * A cap on the calls one model has in flight (a model declaration's `max_in_flight`), the
 * bulkhead beside each model's circuit breaker: a model server that can take 8 generations at
 * once gets at most 8 from this router, and the ninth request goes to the route's next
 * candidate at once, or, when every candidate is full, is answered 503 with `Retry-After`
 * instead of queueing behind the others (ADR 0033). A streamed answer holds its slot until
 * the stream ends. Without a cap (`max` undefined) every call is let through and only counted.
 */

export interface InFlightSnapshot {
  /** Calls to the model that have not ended (streams until their last piece). */
  inFlight: number;
  /** The model's `max_in_flight`; null when it has none. */
  maxInFlight: number | null;
  /** Calls refused since start-up because the model was at its cap. */
  refused: number;
}

export class InFlightLimit {
  readonly #max: number;
  #inFlight = 0;
  #refused = 0;

  constructor(max?: number) {
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new RangeError(`max_in_flight must be a whole number of at least 1 (got ${max}).`);
    }
    this.#max = max ?? Number.POSITIVE_INFINITY;
  }

  /** Takes a slot when one is free; a refusal is counted. Every `true` needs one `release`. */
  tryAcquire(): boolean {
    if (this.#inFlight >= this.#max) {
      this.#refused += 1;
      return false;
    }
    this.#inFlight += 1;
    return true;
  }

  /** Whether a call would get a slot now, without taking it. */
  hasRoom(): boolean {
    return this.#inFlight < this.#max;
  }

  release(): void {
    if (this.#inFlight === 0) throw new Error("InFlightLimit.release without a slot taken.");
    this.#inFlight -= 1;
  }

  snapshot(): InFlightSnapshot {
    return {
      inFlight: this.#inFlight,
      maxInFlight: Number.isFinite(this.#max) ? this.#max : null,
      refused: this.#refused,
    };
  }
}
