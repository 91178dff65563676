/**
 * @module
 * What a decision's explanation says of the candidates racing dropped. Racing compares each
 * candidate with the leader item by item, on the same items (`strategies/budgeted-selection.ts`).
 * Dropped with items still unprobed, a candidate was clearly worse on those; dropped once every
 * item was probed, it scored lower on the user's items, which the exhaustive evaluation would
 * have said too. The second is no early stop, and the per-candidate 95% intervals beside it
 * speak of new data, not of these items: calling it "clearly worse" beside intervals that
 * overlap read as a contradiction.
 */
import type { CandidateOutcome } from "./decision.js";

export function explainEliminated(
  candidates: readonly CandidateOutcome[],
  items: number,
): string[] {
  const eliminated = candidates.filter((candidate) => candidate.status === "eliminated");
  const early = eliminated.filter((candidate) => candidate.probes < items);
  const atEnd = eliminated.filter((candidate) => candidate.probes >= items);
  const lines: string[] = [];
  if (early.length > 0) {
    const named = early.map(
      (candidate) =>
        `${candidate.id} (after round ${candidate.eliminatedAtRound}, ${candidate.probes} of ${items} items)`,
    );
    lines.push(
      `Dropped early as clearly worse on quality, compared item by item with the leader: ${named.join(", ")}.`,
    );
  }
  if (atEnd.length > 0) {
    lines.push(
      `Below the leader on quality over all ${items} items, compared item by item: ${atEnd.map((candidate) => candidate.id).join(", ")}.`,
    );
  }
  return lines;
}
