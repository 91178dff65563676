/**
 * @module
 * `cost_per_request`: holds when the mean cost in US dollars of a model's answers on a route
 * over the window is above `max_usd`, once `min_events` priced answers are in it. Only answers
 * with a cost count (a model with a declared `price` whose server reported the usage, ADR
 * 0050): a window of unpriced answers never fires. A spend alert for a route whose model was
 * switched to a dearer one, or whose prompts grew. With `include_classification`, a request's
 * cost is its answer's and its classification calls' together (ADR 0091), and a request counts
 * when either had one: a spend alert for an LLM router too.
 */
import type { AlertCondition } from "../alert-rules.js";
import { subjectKey } from "../monitor-event.js";
import { type ConditionRuntime, ConditionState, round } from "./alert-condition.js";
import { describeWindow, SampleWindow, windowCodec } from "./sliding-window.js";

type Options = Extract<AlertCondition, { type: "cost_per_request" }>;

export function costPerRequest(options: Options): ConditionRuntime {
  const classificationNoted = options.include_classification ? { includeClassification: true } : {};
  const state = new ConditionState(windowCodec<{ totalUsd: number }>());
  return {
    type: options.type,
    reads: ["request"],
    state,
    update(event, touch, eventMs) {
      if (event.kind !== "request") return;
      const costUsd = options.include_classification
        ? event.costUsd === undefined && event.classificationCostUsd === undefined
          ? undefined
          : (event.costUsd ?? 0) + (event.classificationCostUsd ?? 0)
        : event.costUsd;
      if (costUsd === undefined) return;
      const subject = { route: event.route, modelId: event.modelId };
      const key = subjectKey(subject);
      const entry = state.get(key) ?? { samples: SampleWindow.empty(), totalUsd: 0 };
      entry.totalUsd += costUsd;
      entry.samples.push(eventMs, costUsd, options.window, (value) => {
        entry.totalUsd -= value;
      });
      state.set(key, entry);
      touch(subject);
    },
    evaluate(subject) {
      const entry = state.get(subjectKey(subject));
      const answers = entry?.samples.length ?? 0;
      const counted = options.include_classification ? "priced request(s)" : "priced answer(s)";
      if (entry === undefined || answers < options.min_events) {
        return {
          holds: false,
          summary: `${subject.modelId} on ${subject.route}: ${answers} ${counted} in the window, cost judged from ${options.min_events}`,
          evidence: { answers, minEvents: options.min_events, ...classificationNoted },
        };
      }
      // The window's sum is kept as answers come and go, as `error_rate` keeps its count.
      const meanUsd = Math.max(0, entry.totalUsd) / answers;
      return {
        holds: meanUsd > options.max_usd,
        summary: options.include_classification
          ? `${subject.modelId} on ${subject.route}: $${round(meanUsd, 6)} per request, classification included, over the ${describeWindow(options.window)} (${answers} priced requests, $${round(entry.totalUsd, 4)} in all) vs $${options.max_usd}`
          : `${subject.modelId} on ${subject.route}: $${round(meanUsd, 6)} per answer over the ${describeWindow(options.window)} (${answers} priced answers, $${round(entry.totalUsd, 4)} in all) vs $${options.max_usd}`,
        evidence: {
          meanCostUsd: round(meanUsd, 8),
          maxUsd: options.max_usd,
          totalCostUsd: round(entry.totalUsd, 8),
          answers,
          window: options.window,
          ...classificationNoted,
        },
      };
    },
  };
}
