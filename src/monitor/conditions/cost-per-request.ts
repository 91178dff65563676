/**
 * @module
 * `cost_per_request`: holds when the mean cost in US dollars of a model's answers on a route
 * over the window is above `max_usd`, once `min_events` priced answers are in it. Only answers
 * with a cost count (a model with a declared `price` whose server reported the usage, ADR
 * 0050): a window of unpriced answers never fires. A spend alert for a route whose model was
 * switched to a dearer one, or whose prompts grew.
 */
import type { AlertCondition } from "../alert-rules.js";
import { subjectKey } from "../monitor-event.js";
import { type ConditionRuntime, ConditionState, eventTimeMs, round } from "./alert-condition.js";
import {
  decodeSamples,
  describeWindow,
  encodeSamples,
  pushSample,
  type WindowSamples,
} from "./sliding-window.js";

type Options = Extract<AlertCondition, { type: "cost_per_request" }>;

export function costPerRequest(options: Options): ConditionRuntime {
  const state = new ConditionState<{ samples: WindowSamples; totalUsd: number }>({
    encode: (entry) => ({ samples: encodeSamples(entry.samples), totalUsd: entry.totalUsd }),
    decode: (stored) => {
      const entry = stored as { samples: string; totalUsd: number };
      return { samples: decodeSamples(entry.samples), totalUsd: entry.totalUsd };
    },
  });
  return {
    type: options.type,
    state,
    update(event, touch) {
      if (event.kind !== "request" || event.costUsd === undefined) return;
      const subject = { route: event.route, modelId: event.modelId };
      const key = subjectKey(subject);
      const entry = state.get(key) ?? { samples: [], totalUsd: 0 };
      entry.totalUsd += event.costUsd;
      for (const [, value] of pushSample(
        entry.samples,
        eventTimeMs(event.at),
        event.costUsd,
        options.window,
      )) {
        entry.totalUsd -= value;
      }
      state.set(key, entry);
      touch(subject);
    },
    evaluate(subject) {
      const entry = state.get(subjectKey(subject));
      const answers = entry?.samples.length ?? 0;
      if (entry === undefined || answers < options.min_events) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: ${answers} priced answer(s) in the window, cost judged from ${options.min_events}`,
          evidence: { answers, minEvents: options.min_events },
        };
      }
      // The window's sum is kept as answers come and go, as `error_rate` keeps its count.
      const meanUsd = Math.max(0, entry.totalUsd) / answers;
      return {
        holds: meanUsd > options.max_usd,
        summary: `${subject.modelId} on ${subject.route}: $${round(meanUsd, 6)} per answer over the ${describeWindow(options.window)} (${answers} priced answers, $${round(entry.totalUsd, 4)} in all) vs $${options.max_usd}`,
        evidence: {
          meanCostUsd: round(meanUsd, 8),
          maxUsd: options.max_usd,
          totalCostUsd: round(entry.totalUsd, 8),
          answers,
          window: options.window,
        },
      };
    },
  };
}
