/**
 * @module
 * `latency_p95`: holds when the 95th percentile (nearest rank) of a model's request latencies
 * on a route, over the window, is above `slo_ms`, once `min_events` requests are in it. Failed
 * requests count with the latency they took: a timeout is the slowest answer a user gets.
 *
 * A sorted copy of each window is kept beside the state (not persisted; rebuilt on first use)
 * so each request costs an insert and a removal in it (`SortedValues`), not a sort.
 */
import type { AlertCondition } from "../alert-rules.js";
import { subjectKey } from "../monitor-event.js";
import { type ConditionRuntime, ConditionState, round } from "./alert-condition.js";
import { describeWindow, SampleWindow, windowCodec } from "./sliding-window.js";
import { SortedValues } from "./sorted-values.js";

type Options = Extract<AlertCondition, { type: "latency_p95" }>;

export function latencyP95(options: Options): ConditionRuntime {
  const state = new ConditionState(windowCodec());
  const sortedByKey = new Map<string, SortedValues>();

  const sortedFor = (key: string, samples: SampleWindow): SortedValues => {
    let sorted = sortedByKey.get(key);
    if (sorted === undefined) {
      sorted = SortedValues.from(samples.values());
      sortedByKey.set(key, sorted);
    }
    return sorted;
  };

  return {
    type: options.type,
    reads: ["request"],
    state,
    update(event, touch, eventMs) {
      if (event.kind !== "request") return;
      const subject = { route: event.route, modelId: event.modelId };
      const key = subjectKey(subject);
      const entry = state.get(key) ?? { samples: SampleWindow.empty() };
      const sorted = sortedFor(key, entry.samples);
      sorted.add(event.latencyMs);
      entry.samples.push(eventMs, event.latencyMs, options.window, (value) => {
        sorted.remove(value);
      });
      state.set(key, entry);
      touch(subject);
    },
    evaluate(subject) {
      const key = subjectKey(subject);
      const samples = state.get(key)?.samples;
      const requests = samples?.length ?? 0;
      if (samples === undefined || requests < options.min_events) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: ${requests} request(s) in the window, p95 judged from ${options.min_events}`,
          evidence: { requests, minEvents: options.min_events },
        };
      }
      const p95 = sortedFor(key, samples).percentile(95);
      return {
        holds: p95 > options.slo_ms,
        summary: `${subject.modelId} on ${subject.route}: p95 latency ${round(p95, 1)} ms over the ${describeWindow(options.window)} (${requests} requests) vs SLO ${options.slo_ms} ms`,
        evidence: {
          p95LatencyMs: round(p95, 3),
          sloMs: options.slo_ms,
          requests,
          window: options.window,
        },
      };
    },
  };
}
