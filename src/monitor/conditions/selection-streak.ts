/**
 * @module
 * A route's current winning streak: the model that won the route's latest selections, how many
 * in a row, and its quality in each of them. Decisions that picked nothing (failed, aborted,
 * no candidates) neither extend nor break a streak.
 */
import type { AlertSubject, DecisionEvent, MonitorEvent } from "../monitor-event.js";
import type { ConditionState } from "./alert-condition.js";

/** Decision ids and qualities kept per streak (the first of the streak is kept apart). */
const KEPT = 20;

export interface SelectionStreak {
  winner: string;
  length: number;
  startedAt: string;
  /** The winner's quality in the streak's first decision with a measured quality. */
  referenceQuality: number | null;
  referenceDecisionId: string | null;
  /** Latest decisions of the streak (up to 20), oldest first, with the winner's quality in each. */
  decisionIds: string[];
  qualities: (number | null)[];
}

export function winnerQuality(event: DecisionEvent): number | null {
  return (
    event.candidates.find((candidate) => candidate.modelId === event.winnerId)?.quality ?? null
  );
}

/** The streak after `event`, and the winner whose streak it ended (if any). */
export function foldStreak(
  streak: SelectionStreak | undefined,
  event: DecisionEvent,
): { streak: SelectionStreak | undefined; ended: string | null } {
  if (event.winnerId === null) return { streak, ended: null };
  const quality = winnerQuality(event);
  if (streak !== undefined && streak.winner === event.winnerId) {
    const next: SelectionStreak = Object.assign({}, streak, {
      length: streak.length + 1,
      decisionIds: [...streak.decisionIds, event.decisionId].slice(-KEPT),
      qualities: [...streak.qualities, quality].slice(-KEPT),
    });
    if (next.referenceQuality === null && quality !== null) {
      next.referenceQuality = quality;
      next.referenceDecisionId = event.decisionId;
    }
    return { streak: next, ended: null };
  }
  return {
    streak: {
      winner: event.winnerId,
      length: 1,
      startedAt: event.at,
      referenceQuality: quality,
      referenceDecisionId: quality === null ? null : event.decisionId,
      decisionIds: [event.decisionId],
      qualities: [quality],
    },
    ended: streak?.winner ?? null,
  };
}

/**
 * The `update` of a streak-based condition: folds a decision into its route's streak and
 * touches the winner (and the model whose streak it ended).
 */
export function updateStreaks(
  state: ConditionState<SelectionStreak>,
  event: MonitorEvent,
  touch: (subject: AlertSubject) => void,
): void {
  if (event.kind !== "decision") return;
  const { streak, ended } = foldStreak(state.get(event.route), event);
  if (streak === undefined || streak === state.get(event.route)) return;
  state.set(event.route, streak);
  touch({ route: event.route, modelId: streak.winner });
  if (ended !== null) touch({ route: event.route, modelId: ended });
}
