/**
 * @module
 * A multiset of numbers kept in ascending order, for a percentile over a sliding window: each
 * request adds its value and removes the one that left the window. Held in blocks of at most
 * `2 * BLOCK_VALUES` values, so adding or removing one moves the values of one block, not of
 * the whole window (one sorted array of 10,000 latencies moved up to 10,000 values twice per
 * request; docs/benchmarks.md, "Monitoring inside the server").
 */

/** A block is split in two when it grows past twice this. */
export const BLOCK_VALUES = 512;

export class SortedValues {
  /** Ascending within each block and from block to block; none empty. */
  readonly #blocks: number[][] = [];
  #size = 0;

  /** `values` in any order. */
  static from(values: readonly number[]): SortedValues {
    const sorted = [...values].sort((a, b) => a - b);
    const multiset = new SortedValues();
    for (let start = 0; start < sorted.length; start += BLOCK_VALUES) {
      multiset.#blocks.push(sorted.slice(start, start + BLOCK_VALUES));
    }
    multiset.#size = sorted.length;
    return multiset;
  }

  get size(): number {
    return this.#size;
  }

  add(value: number): void {
    this.#size += 1;
    if (this.#blocks.length === 0) {
      this.#blocks.push([value]);
      return;
    }
    const index = Math.min(this.#blockFor(value), this.#blocks.length - 1);
    const block = this.#blocks[index] as number[];
    block.splice(lowerBound(block, value), 0, value);
    if (block.length > 2 * BLOCK_VALUES) {
      this.#blocks.splice(index + 1, 0, block.splice(BLOCK_VALUES));
    }
  }

  /** Removes one `value`; false when there is none. */
  remove(value: number): boolean {
    const index = this.#blockFor(value);
    const block = this.#blocks[index];
    if (block === undefined) return false;
    const at = lowerBound(block, value);
    if (block[at] !== value) return false;
    block.splice(at, 1);
    this.#size -= 1;
    if (block.length === 0) this.#blocks.splice(index, 1);
    else if (block.length < BLOCK_VALUES / 2 && this.#blocks.length > 1) this.#merge(index);
    return true;
  }

  /** The value at `rank` (0 is the smallest), counted from whichever end is nearer. */
  at(rank: number): number {
    if (rank < 0 || rank >= this.#size) return Number.NaN;
    if (rank < this.#size / 2) {
      let left = rank;
      for (const block of this.#blocks) {
        if (left < block.length) return block[left] as number;
        left -= block.length;
      }
    } else {
      let right = this.#size - 1 - rank;
      for (let index = this.#blocks.length - 1; index >= 0; index--) {
        const block = this.#blocks[index] as number[];
        if (right < block.length) return block[block.length - 1 - right] as number;
        right -= block.length;
      }
    }
    return Number.NaN;
  }

  /** Nearest-rank percentile (NaN when empty). */
  percentile(percentile: number): number {
    return this.at(Math.max(1, Math.ceil((percentile / 100) * this.#size)) - 1);
  }

  /** How many values each block holds, in order (tests). */
  blockSizes(): number[] {
    return this.#blocks.map((block) => block.length);
  }

  /** All values, ascending (tests). */
  values(): number[] {
    return this.#blocks.flat();
  }

  /**
   * Joins a block that fell below half its size to a neighbour, split again when that makes
   * one too long: every block but one then holds at least `BLOCK_VALUES / 2` values, so
   * there are at most about `size / 256 + 1` of them to walk.
   */
  #merge(index: number): void {
    const first = index + 1 < this.#blocks.length ? index : index - 1;
    const joined = (this.#blocks[first] as number[]).concat(this.#blocks[first + 1] as number[]);
    if (joined.length > 2 * BLOCK_VALUES) {
      const half = joined.length >>> 1;
      this.#blocks.splice(first, 2, joined.slice(0, half), joined.slice(half));
    } else {
      this.#blocks.splice(first, 2, joined);
    }
  }

  /** The first block whose largest value is at least `value` (the block count when none is). */
  #blockFor(value: number): number {
    let low = 0;
    let high = this.#blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const block = this.#blocks[middle] as number[];
      if ((block[block.length - 1] as number) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The first index of `sorted` whose value is at least `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
