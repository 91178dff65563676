/**
 * @module
 * The observations a windowed condition keeps per route and model: the last `events` of them,
 * dropping those older than `seconds` before the newest (event time). Held as `(timeMs,
 * value)` pairs, oldest first (`SampleWindow`); stored as base64 of the packed float64
 * values, because turning hundreds of floats into decimal text on every request cost several
 * times more than the rest of the evaluation (measured with bench/alert-engine.ts).
 */

export interface WindowOptions {
  events?: number | undefined;
  seconds?: number | undefined;
}

/** Largest window kept when only `seconds` bounds it. */
export const MAX_WINDOW_EVENTS = 10_000;

const FIRST_CAPACITY = 16;

/**
 * A window's samples, oldest first, as `(timeMs, value)` pairs packed in one `Float64Array`
 * from `#start` to `#end`. Dropping the oldest moves `#start`; the live pairs are moved back
 * to the front only when the array is full, so a sample costs O(1) amortised. (An array of
 * pairs spliced at its front on every request cost O(window): at 5,000 requests/s into a
 * full 10,000-request window, about 15 ms of every 100 ms fold, docs/benchmarks.md.)
 */
export class SampleWindow {
  #packed: Float64Array;
  /** Pair indexes: the oldest live pair, and one past the newest. */
  #start = 0;
  #end = 0;

  private constructor(packed: Float64Array, end: number) {
    this.#packed = packed;
    this.#end = end;
  }

  static empty(): SampleWindow {
    return new SampleWindow(new Float64Array(FIRST_CAPACITY * 2), 0);
  }

  /** From `encode()`'s text (the stored form, as written since windows were first packed). */
  static decode(encoded: string): SampleWindow {
    const bytes = Buffer.from(encoded, "base64");
    const pairs = Math.floor(bytes.length / 16);
    const packed = new Float64Array(Math.max(pairs, FIRST_CAPACITY) * 2);
    // Copied through bytes: a Float64Array view needs an 8-byte-aligned offset, which a
    // pooled Buffer may not have.
    new Uint8Array(packed.buffer).set(bytes.subarray(0, pairs * 16));
    return new SampleWindow(packed, pairs);
  }

  get length(): number {
    return this.#end - this.#start;
  }

  /**
   * Appends a sample, then drops those that fell out of `window` (more than its `events`, or
   * older than its `seconds` before this one), oldest first, calling `dropped` with each one's
   * value.
   */
  push(timeMs: number, value: number, window: WindowOptions, dropped?: (value: number) => void) {
    if (this.#end * 2 === this.#packed.length) this.#makeRoom();
    this.#packed[this.#end * 2] = timeMs;
    this.#packed[this.#end * 2 + 1] = value;
    this.#end += 1;
    const limit = window.events ?? MAX_WINDOW_EVENTS;
    const oldest = window.seconds === undefined ? -Infinity : timeMs - window.seconds * 1000;
    while (
      this.#start < this.#end &&
      (this.#end - this.#start > limit || (this.#packed[this.#start * 2] as number) < oldest)
    ) {
      dropped?.(this.#packed[this.#start * 2 + 1] as number);
      this.#start += 1;
    }
  }

  /** The values, oldest first. */
  values(): number[] {
    const values: number[] = [];
    for (let pair = this.#start; pair < this.#end; pair++) {
      values.push(this.#packed[pair * 2 + 1] as number);
    }
    return values;
  }

  /** The pairs, oldest first (tests and tools; the conditions read `values`). */
  pairs(): [number, number][] {
    const pairs: [number, number][] = [];
    for (let pair = this.#start; pair < this.#end; pair++) {
      pairs.push([this.#packed[pair * 2] as number, this.#packed[pair * 2 + 1] as number]);
    }
    return pairs;
  }

  /** The stored form: base64 of the pairs' float64 values, oldest first. */
  encode(): string {
    const bytes = new Uint8Array(this.#packed.buffer, this.#start * 16, this.length * 16);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  }

  /** Moves the live pairs to the front, or doubles the array when they fill most of it. */
  #makeRoom(): void {
    const live = this.length;
    if (live * 2 <= this.#end) {
      this.#packed.copyWithin(0, this.#start * 2, this.#end * 2);
    } else {
      const grown = new Float64Array(this.#packed.length * 2);
      grown.set(this.#packed.subarray(this.#start * 2, this.#end * 2));
      this.#packed = grown;
    }
    this.#start = 0;
    this.#end = live;
  }
}

export function describeWindow(window: WindowOptions): string {
  const parts: string[] = [];
  if (window.events !== undefined) parts.push(`last ${window.events} requests`);
  if (window.seconds !== undefined) parts.push(`last ${window.seconds} s`);
  return parts.join(", ") || `last ${MAX_WINDOW_EVENTS} requests`;
}
