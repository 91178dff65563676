/**
 * @module
 * `error_rate`: holds when the share of a model's requests on a route that failed (an error
 * code, or a 5xx status) over the window is above `max_error_percent`, once `min_events`
 * requests are in it.
 */
import type { AlertCondition } from "../alert-rules.js";
import { requestFailed, subjectKey } from "../monitor-event.js";
import { type ConditionRuntime, ConditionState, round } from "./alert-condition.js";
import { describeWindow, SampleWindow, windowCodec } from "./sliding-window.js";

type Options = Extract<AlertCondition, { type: "error_rate" }>;

export function errorRate(options: Options): ConditionRuntime {
  const state = new ConditionState(windowCodec<{ errors: number }>());
  return {
    type: options.type,
    reads: ["request"],
    state,
    update(event, touch, eventMs) {
      if (event.kind !== "request") return;
      const subject = { route: event.route, modelId: event.modelId };
      const key = subjectKey(subject);
      const entry = state.get(key) ?? { samples: SampleWindow.empty(), errors: 0 };
      const failed = requestFailed(event) ? 1 : 0;
      entry.errors += failed;
      entry.samples.push(eventMs, failed, options.window, (value) => {
        entry.errors -= value;
      });
      state.set(key, entry);
      touch(subject);
    },
    evaluate(subject) {
      const entry = state.get(subjectKey(subject));
      const requests = entry?.samples.length ?? 0;
      if (entry === undefined || requests < options.min_events) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: ${requests} request(s) in the window, error rate judged from ${options.min_events}`,
          evidence: { requests, minEvents: options.min_events },
        };
      }
      const percent = (entry.errors / requests) * 100;
      return {
        holds: percent > options.max_error_percent,
        summary: `${subject.modelId} on ${subject.route}: ${entry.errors} of ${requests} requests failed (${round(percent, 1)}%) over the ${describeWindow(options.window)} vs ${options.max_error_percent}%`,
        evidence: {
          errorPercent: round(percent, 2),
          maxErrorPercent: options.max_error_percent,
          failedRequests: entry.errors,
          requests,
          window: options.window,
        },
      };
    },
  };
}
