/**
 * @module
 * "Did you mean" suggestions for names a user typed (tasks, hardware, subcommands).
 */
import { distance } from "fastest-levenshtein";

/** Whether `a` is `b` with two neighbouring letters swapped (`levle`, `level`). */
function swapsTwoNeighbours(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  let first = 0;
  while (a[first] === b[first]) first++;
  return (
    a[first] === b[first + 1] &&
    a[first + 1] === b[first] &&
    a.slice(first + 2) === b.slice(first + 2)
  );
}

/**
 * The candidate nearest to `input` by edit distance, if it is near enough to be a plausible
 * typo (at most a third of the longer string's length, and at least 1 edit allowed).
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const candidateLower = candidate.toLowerCase();
    // A prefix or substring match is a better hint than any edit distance; two letters
    // typed in the wrong order, the commonest slip, are one edit, not Levenshtein's two.
    const d =
      candidateLower.startsWith(needle) || needle.startsWith(candidateLower)
        ? 0.5
        : swapsTwoNeighbours(needle, candidateLower)
          ? 1
          : distance(needle, candidateLower);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(needle.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}
