/**
 * @module
 * `accuracy_drop`: holds when a model's latest quality is more than `min_drop_percent` below a
 * reference, as a relative drop: `(reference - latest) / reference * 100`.
 *
 * - `streak_start` (decisions): the reference is the model's quality in the first decision of
 *   its current winning streak on the route, the latest is its quality in the newest decision
 *   of the streak. With a 3-in-a-row rule this reads "3 wins in a row, and the third measured
 *   more than 10% below the first".
 * - `baseline`: `baseline_value`, or the mean of the first `reference_window` observations of
 *   the model on the route (then frozen); judged once `current_window` more have arrived.
 * - `trailing_window`: the mean of the `reference_window` observations just before the current
 *   window.
 *
 * Observations are the candidate's quality in each decision (`source: decisions`, winner or
 * not) or the reward of each feedback event (`source: feedback`). The latest value is the mean
 * of the last `current_window` observations (1 for decisions, 20 for feedback by default: one
 * right/wrong judgement says little).
 */
import type { AlertCondition } from "../alert-rules.js";
import { type AlertSubject, feedbackReward, subjectKey } from "../monitor-event.js";
import { type ConditionRuntime, ConditionState, mean, round } from "./alert-condition.js";
import { type SelectionStreak, updateStreaks } from "./selection-streak.js";

type Options = Extract<AlertCondition, { type: "accuracy_drop" }>;

const SOURCE_KIND = { decisions: "decision", feedback: "feedback" } as const;

interface SeriesState {
  /** Latest observations, oldest first (at most reference_window + current_window). */
  values: number[];
  /** Observations seen in all, and the baseline built from the first ones. */
  seen: number;
  baselineSum: number;
  baselineCount: number;
}

function dropPercent(reference: number, latest: number): number {
  return ((reference - latest) / reference) * 100;
}

function describeDrop(
  subject: AlertSubject,
  latest: number,
  reference: number,
  drop: number,
  what: string,
  threshold: number,
): string {
  const direction = drop >= 0 ? "below" : "above";
  return `${subject.modelId} on ${subject.route}: quality ${round(latest, 3)} is ${round(Math.abs(drop), 1)}% ${direction} ${what} ${round(reference, 3)} (rule: drop > ${threshold}%)`;
}

export function accuracyDrop(options: Options): ConditionRuntime {
  return options.reference === "streak_start" ? streakDrop(options) : seriesDrop(options);
}

function streakDrop(options: Options): ConditionRuntime {
  const state = new ConditionState<SelectionStreak>();
  return {
    type: options.type,
    reads: ["decision"],
    state,
    update: (event, touch) => updateStreaks(state, event, touch),
    evaluate(subject) {
      const streak = state.get(subject.route);
      const latest = streak?.qualities.at(-1) ?? null;
      if (
        streak === undefined ||
        streak.winner !== subject.modelId ||
        streak.referenceQuality === null ||
        streak.referenceQuality <= 0 ||
        latest === null
      ) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: no winning streak with measured quality`,
          evidence: { reference: "streak_start" },
        };
      }
      const drop = dropPercent(streak.referenceQuality, latest);
      return {
        holds: drop > options.min_drop_percent,
        summary: describeDrop(
          subject,
          latest,
          streak.referenceQuality,
          drop,
          "the streak's first decision",
          options.min_drop_percent,
        ),
        evidence: {
          reference: "streak_start",
          referenceValue: streak.referenceQuality,
          referenceDecisionId: streak.referenceDecisionId,
          latestValue: latest,
          latestDecisionId: streak.decisionIds.at(-1),
          dropPercent: round(drop, 2),
          minDropPercent: options.min_drop_percent,
          streakQualities: streak.qualities,
        },
      };
    },
  };
}

function seriesDrop(options: Options): ConditionRuntime {
  const state = new ConditionState<SeriesState>();
  const referenceWindow = options.reference_window ?? 20;
  const currentWindow = options.current_window ?? (options.source === "decisions" ? 1 : 20);
  const kept = (options.reference === "trailing_window" ? referenceWindow : 0) + currentWindow;

  const observe = (subject: AlertSubject, value: number) => {
    const key = subjectKey(subject);
    const series = state.get(key) ?? { values: [], seen: 0, baselineSum: 0, baselineCount: 0 };
    series.values.push(value);
    if (series.values.length > kept) series.values.splice(0, series.values.length - kept);
    series.seen += 1;
    if (series.baselineCount < referenceWindow) {
      series.baselineSum += value;
      series.baselineCount += 1;
    }
    state.set(key, series);
  };

  return {
    type: options.type,
    reads: [SOURCE_KIND[options.source]],
    state,
    update(event, touch) {
      if (options.source === "decisions" && event.kind === "decision") {
        for (const candidate of event.candidates) {
          if (candidate.quality === null) continue;
          const subject = { route: event.route, modelId: candidate.modelId };
          observe(subject, candidate.quality);
          touch(subject);
        }
      } else if (options.source === "feedback" && event.kind === "feedback") {
        const reward = feedbackReward(event);
        if (reward === null) return;
        const subject = { route: event.route, modelId: event.modelId };
        observe(subject, reward);
        touch(subject);
      }
    },
    evaluate(subject) {
      const series = state.get(subjectKey(subject));
      let reference: number | null = null;
      if (series !== undefined && series.values.length >= currentWindow) {
        if (options.reference === "baseline") {
          if (options.baseline_value !== undefined) reference = options.baseline_value;
          else if (series.seen >= referenceWindow + currentWindow) {
            reference = series.baselineSum / series.baselineCount;
          }
        } else if (series.values.length >= referenceWindow + currentWindow) {
          reference = mean(series.values.slice(0, referenceWindow));
        }
      }
      if (series === undefined || reference === null || reference <= 0) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: not enough ${options.source} yet (${series?.seen ?? 0} observation(s))`,
          evidence: { reference: options.reference, observations: series?.seen ?? 0 },
        };
      }
      const latest = mean(series.values.slice(-currentWindow));
      const drop = dropPercent(reference, latest);
      const what =
        options.reference === "baseline"
          ? "its baseline"
          : `the mean of the previous ${referenceWindow}`;
      return {
        holds: drop > options.min_drop_percent,
        summary: describeDrop(subject, latest, reference, drop, what, options.min_drop_percent),
        evidence: {
          reference: options.reference,
          source: options.source,
          referenceValue: round(reference),
          latestValue: round(latest),
          currentWindow,
          ...(options.reference === "baseline" && options.baseline_value === undefined
            ? { baselineObservations: series.baselineCount }
            : {}),
          ...(options.reference === "trailing_window" ? { referenceWindow } : {}),
          dropPercent: round(drop, 2),
          minDropPercent: options.min_drop_percent,
          observations: series.seen,
        },
      };
    },
  };
}
