/**
 * @module
 * The observations a windowed condition keeps per route and model: the last `events` of them,
 * dropping those older than `seconds` before the newest (event time). Held as `(timeMs,
 * value)` pairs, oldest first (`SampleWindow`); stored as base64 of the packed float64
 * values, because turning hundreds of floats into decimal text on every request cost several
 * times more than the rest of the evaluation (measured with bench/alert-engine.ts), and in
 * blocks of `BLOCK_PAIRS` pairs, rows of their own beside the condition's entry, so that a
 * fold writes the blocks that gained samples rather than the whole window (ADR 0094).
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { StateCodec } from "./alert-condition.js";

export interface WindowOptions {
  events?: number | undefined;
  seconds?: number | undefined;
}

/** Largest window kept when only `seconds` bounds it. */
export const MAX_WINDOW_EVENTS = 10_000;

const FIRST_CAPACITY = 16;

/**
 * Pairs per stored block (4 kB of floats, about 5.5 kB of base64). A fold at 5,000 requests/s
 * adds about 500 pairs to a window, so it writes three blocks and deletes two rather than
 * rewriting 10,000 pairs (ADR 0094).
 */
export const BLOCK_PAIRS = 256;

/** A stored block: the pairs from sequence number `from` on, base64 of their float64 values. */
interface StoredBlock {
  from: number;
  pairs: string;
}

/** A window's own stored entry: the sequence numbers of its oldest pair and one past its newest. */
interface StoredRange {
  first: number;
  next: number;
}

/**
 * A window's samples, oldest first, as `(timeMs, value)` pairs packed in one `Float64Array`
 * from `#start` to `#end`. Dropping the oldest moves `#start`; the live pairs are moved back
 * to the front only when the array is full, so a sample costs O(1) amortised. (An array of
 * pairs spliced at its front on every request cost O(window): at 5,000 requests/s into a
 * full 10,000-request window, about 15 ms of every 100 ms fold, docs/benchmarks.md.)
 *
 * Pairs are numbered in the order pushed (their sequence number), which places each in a
 * stored block (`sequence / BLOCK_PAIRS`); the window remembers which range of them its
 * stored blocks hold, so `takeBlocks` gives only the blocks that changed since.
 */
export class SampleWindow {
  #packed: Float64Array;
  /** Pair indexes: the oldest live pair, and one past the newest. */
  #start = 0;
  #end = 0;
  /** The sequence number of the pair at index 0 of `#packed`. */
  #offset: number;
  /** The sequence range the stored blocks held at the last `takeBlocks` (or when decoded). */
  #storedFirst: number;
  #storedNext: number;

  private constructor(packed: Float64Array, end: number, offset: number, stored: number) {
    this.#packed = packed;
    this.#end = end;
    this.#offset = offset;
    this.#storedFirst = offset;
    this.#storedNext = offset + stored;
  }

  static empty(): SampleWindow {
    return new SampleWindow(new Float64Array(FIRST_CAPACITY * 2), 0, 0, 0);
  }

  /**
   * From the stored form: `encode()`'s range and `takeBlocks()`'s blocks by name, or the
   * whole window as one base64 text, as windows were stored before ADR 0094 (its blocks are
   * written at the next `takeBlocks`).
   */
  static decode(stored: unknown, blocks: ReadonlyMap<string, unknown> = new Map()): SampleWindow {
    if (typeof stored === "string") {
      const bytes = Buffer.from(stored, "base64");
      const pairs = Math.floor(bytes.length / 16);
      const window = new SampleWindow(new Float64Array(capacityFor(pairs) * 2), pairs, 0, 0);
      copyPairs(bytes, pairs, window.#packed, 0);
      return window;
    }
    const { first, next } = stored as StoredRange;
    const live = next - first;
    const window = new SampleWindow(new Float64Array(capacityFor(live) * 2), live, first, live);
    let found = 0;
    for (const block of blocks.values()) {
      const { from, pairs } = block as StoredBlock;
      const bytes = Buffer.from(pairs, "base64");
      // Only the block's pairs still in the window: its front may have been dropped since.
      const skip = Math.max(0, first - from);
      const count = Math.min(Math.floor(bytes.length / 16), next - from) - skip;
      if (count <= 0) continue;
      copyPairs(bytes.subarray(skip * 16), count, window.#packed, from + skip - first);
      found += count;
    }
    if (found !== live) {
      throw new ModelScoutError(
        "STORE_CORRUPT",
        `An alert window's stored blocks hold ${found} of its ${live} samples: the state database was changed outside ModelScout. Delete the rule's rows in monitor_condition_state to start its windows afresh.`,
        { details: { first, next, blocks: blocks.size } },
      );
    }
    return window;
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

  /** The window's own stored entry: which sequence numbers its blocks hold for it. */
  encode(): StoredRange {
    return { first: this.#offset + this.#start, next: this.#offset + this.#end };
  }

  /**
   * The blocks changed since the last call (or since decoded), by name, each in its stored form
   * or `undefined` for one whose pairs have all been dropped, to delete; from then on the
   * window counts them as stored.
   */
  takeBlocks(): [string, StoredBlock | undefined][] {
    const first = this.#offset + this.#start;
    const next = this.#offset + this.#end;
    const changes: [string, StoredBlock | undefined][] = [];
    const firstBlock = Math.floor(first / BLOCK_PAIRS);
    if (this.#storedNext > this.#storedFirst) {
      const storedLast = Math.floor((this.#storedNext - 1) / BLOCK_PAIRS);
      for (let block = Math.floor(this.#storedFirst / BLOCK_PAIRS); block <= storedLast; block++) {
        if (block >= firstBlock) break;
        changes.push([String(block), undefined]);
      }
    }
    const from = Math.max(first, this.#storedNext);
    if (from < next) {
      const last = Math.floor((next - 1) / BLOCK_PAIRS);
      for (let block = Math.floor(from / BLOCK_PAIRS); block <= last; block++) {
        const start = Math.max(block * BLOCK_PAIRS, first);
        const end = Math.min((block + 1) * BLOCK_PAIRS, next);
        const bytes = Buffer.from(
          this.#packed.buffer,
          (start - this.#offset) * 16,
          (end - start) * 16,
        );
        changes.push([String(block), { from: start, pairs: bytes.toString("base64") }]);
      }
    }
    this.#storedFirst = first;
    this.#storedNext = next;
    return changes;
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
    this.#offset += this.#start;
    this.#start = 0;
    this.#end = live;
  }
}

/**
 * Room for `pairs` and as many pushes again: `#makeRoom` then moves them to the front rather
 * than doubling the array, for a window that stays as long as it was.
 */
function capacityFor(pairs: number): number {
  return Math.max(FIRST_CAPACITY, pairs * 2);
}

/**
 * Copies `count` pairs of float64 bytes into `packed` from pair index `at`. Through bytes: a
 * Float64Array view needs an 8-byte-aligned offset, which a pooled Buffer may not have.
 */
function copyPairs(bytes: Uint8Array, count: number, packed: Float64Array, at: number): void {
  new Uint8Array(packed.buffer, at * 16, count * 16).set(bytes.subarray(0, count * 16));
}

/**
 * The codec of a windowed condition's entry: its window as `samples`, in blocks of their own
 * (`takeBlocks`), and running totals beside it (`errors`, `totalUsd`) as plain numbers.
 */
export function windowCodec<
  Totals extends Record<string, number> = Record<never, never>,
>(): StateCodec<Totals & { samples: SampleWindow }> {
  return {
    encode: ({ samples, ...totals }) => ({ samples: samples.encode(), ...totals }),
    decode: (stored, parts) => {
      const { samples, ...totals } = stored as Totals & { samples: unknown };
      return { samples: SampleWindow.decode(samples, parts), ...(totals as unknown as Totals) };
    },
    takeParts: (entry) => entry.samples.takeBlocks(),
  };
}

export function describeWindow(window: WindowOptions): string {
  const parts: string[] = [];
  if (window.events !== undefined) parts.push(`last ${window.events} requests`);
  if (window.seconds !== undefined) parts.push(`last ${window.seconds} s`);
  return parts.join(", ") || `last ${MAX_WINDOW_EVENTS} requests`;
}
