/**
 * A stored feedback as the routing store hands it to monitoring: a rating of 1 (reward 0) on
 * `requestId`, now, with `fields` in place of the defaults.
 */
import type { FeedbackInput } from "../../src/route/routing-store.js";

export function feedbackInput(
  requestId: string,
  fields: Partial<FeedbackInput> = {},
): FeedbackInput {
  return {
    requestId,
    createdAt: new Date().toISOString(),
    rating: 1,
    correct: null,
    label: null,
    latencyMs: null,
    reward: 0,
    ...fields,
  };
}
