/**
 * @module
 * `consecutive_selections`: holds for a model while it has won at least `count` selections in
 * a row on a route.
 */
import type { AlertCondition } from "../alert-rules.js";
import { type ConditionRuntime, ConditionState } from "./alert-condition.js";
import { type SelectionStreak, updateStreaks } from "./selection-streak.js";

type Options = Extract<AlertCondition, { type: "consecutive_selections" }>;

export function consecutiveSelections(options: Options): ConditionRuntime {
  const state = new ConditionState<SelectionStreak>();
  return {
    type: options.type,
    reads: ["decision"],
    state,
    update: (event, touch) => updateStreaks(state, event, touch),
    evaluate(subject) {
      const streak = state.get(subject.route);
      const length = streak?.winner === subject.modelId ? streak.length : 0;
      return {
        holds: length >= options.count,
        summary: `${subject.modelId} won ${length} selection(s) in a row on ${subject.route} (rule: ${options.count})`,
        evidence: {
          streakLength: length,
          requiredCount: options.count,
          ...(length > 0 && streak !== undefined
            ? { streakStartedAt: streak.startedAt, decisionIds: streak.decisionIds }
            : {}),
        },
      };
    },
  };
}
