/**
 * @module
 * A small seeded PRNG (mulberry32) so benchmark trials and item orders are reproducible from a
 * seed; `Math.random` cannot be seeded.
 */

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** A new shuffled copy of `values` (Fisher-Yates). */
  shuffle<T>(values: readonly T[]): T[];
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    shuffle<T>(values: readonly T[]): T[] {
      const copy = [...values];
      for (let index = copy.length - 1; index > 0; index--) {
        const swap = Math.floor(next() * (index + 1));
        [copy[index], copy[swap]] = [copy[swap] as T, copy[index] as T];
      }
      return copy;
    },
  };
}
