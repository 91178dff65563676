/**
 * @module
 * `drift`: holds on the observation at which a change detector (Page-Hinkley or CUSUM, see
 * `change-detectors.ts`) alarms on a model's metric stream on a route: `latency_ms` from
 * requests, `reward` from feedback, `quality` from the candidate's quality in decisions. It
 * holds for that one event; the detector restarts, so a lasting shift fires once.
 */
import type { AlertCondition } from "../alert-rules.js";
import { feedbackReward, type MonitorEvent, subjectKey } from "../monitor-event.js";
import { type ConditionRuntime, ConditionState, round } from "./alert-condition.js";
import {
  type CusumState,
  cusumStart,
  cusumStep,
  type DetectorOptions,
  type PageHinkleyState,
  pageHinkleyStart,
  pageHinkleyStep,
} from "./change-detectors.js";

type Options = Extract<AlertCondition, { type: "drift" }>;

/** The events each metric is read from. */
const METRIC_KIND = { latency_ms: "request", reward: "feedback", quality: "decision" } as const;

interface DriftState {
  detector: PageHinkleyState | CusumState;
  /** Set on the observation that alarmed, cleared by the next one. */
  alarm: {
    statistic: number;
    referenceMean: number | null;
    value: number;
    observations: number;
    at: string;
  } | null;
}

function observations(
  event: MonitorEvent,
  metric: Options["metric"],
): { modelId: string; value: number }[] {
  if (metric === "latency_ms" && event.kind === "request") {
    return [{ modelId: event.modelId, value: event.latencyMs }];
  }
  if (metric === "reward" && event.kind === "feedback") {
    const reward = feedbackReward(event);
    return reward === null ? [] : [{ modelId: event.modelId, value: reward }];
  }
  if (metric === "quality" && event.kind === "decision") {
    return event.candidates.flatMap((candidate) =>
      candidate.quality === null ? [] : [{ modelId: candidate.modelId, value: candidate.quality }],
    );
  }
  return [];
}

export function drift(options: Options): ConditionRuntime {
  const state = new ConditionState<DriftState>();
  const detector: DetectorOptions = {
    sign: options.direction === "increase" ? 1 : -1,
    delta: options.delta,
    threshold: options.threshold,
    warmup: options.warmup,
  };
  const start = options.method === "page_hinkley" ? pageHinkleyStart : cusumStart;

  return {
    type: options.type,
    reads: [METRIC_KIND[options.metric]],
    state,
    update(event, touch) {
      for (const { modelId, value } of observations(event, options.metric)) {
        const subject = { route: event.route, modelId };
        const key = subjectKey(subject);
        const current = state.get(key)?.detector ?? start();
        const step =
          options.method === "page_hinkley"
            ? pageHinkleyStep(current as PageHinkleyState, value, detector)
            : cusumStep(current as CusumState, value, detector);
        state.set(key, {
          detector: step.state,
          alarm: step.alarm
            ? {
                statistic: step.statistic,
                referenceMean: step.referenceMean,
                value,
                observations: step.count,
                at: event.at,
              }
            : null,
        });
        touch(subject);
      }
    },
    evaluate(subject) {
      const alarm = state.get(subjectKey(subject))?.alarm ?? null;
      const method = options.method === "page_hinkley" ? "Page-Hinkley" : "CUSUM";
      const change = options.direction === "increase" ? "upward" : "downward";
      if (alarm === null) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: no ${change} ${options.metric} drift (${method})`,
          evidence: { method: options.method, metric: options.metric },
        };
      }
      return {
        holds: true,
        summary: `${subject.modelId} on ${subject.route}: ${change} ${options.metric} drift, ${method} statistic ${round(alarm.statistic, 3)} > ${options.threshold} after ${alarm.observations} observations (reference mean ${alarm.referenceMean === null ? "n/a" : round(alarm.referenceMean, 3)}, latest ${round(alarm.value, 3)})`,
        evidence: {
          method: options.method,
          metric: options.metric,
          direction: options.direction,
          statistic: round(alarm.statistic),
          threshold: options.threshold,
          delta: options.delta,
          referenceMean: alarm.referenceMean === null ? null : round(alarm.referenceMean),
          latestValue: alarm.value,
          observations: alarm.observations,
        },
      };
    },
  };
}
