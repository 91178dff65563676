/**
 * @module
 * Feedback on a routed request, as the server receives it and as the learner needs it.
 * A client may send any of: a `rating` on a 1-5 scale, `correct` (true/false), the true
 * `label` of a classification request, an observed `latency_ms`. Quality signals become one
 * reward on 0..1 (the mean of those given): rating r gives (r - 1) / 4, correct gives 1 or
 * 0, a label gives 1 when it equals the model's top label (case-insensitive) and 0 otherwise.
 * A label on a request that returned no label (a chat answer) is stored but is not a reward.
 * Bounded as the rest of the API is: a label is a class name (256 characters at most), a
 * latency at most a day, and a rating and `correct` that say opposite things are refused, as
 * is a label that says the opposite of either (`labelContradiction`, once the answer is known).
 */
import { z } from "zod";
import type { TaskId } from "../tasks/resolve-task.js";
import type { RouteOutcome } from "./route-learner.js";
import type { RoutesConfig } from "./routes-config.js";
import type { FeedbackInput, RequestLogRow } from "./routing-store.js";

/** Longest `label` taken: a class name, bounded as the name headers are (a domain, a session). */
export const MAX_FEEDBACK_LABEL_CHARS = 256;
/** Longest `latency_ms` taken, a day: a larger one is a unit mistake, and would skew means. */
export const MAX_FEEDBACK_LATENCY_MS = 24 * 60 * 60 * 1000;

export const feedbackRequestSchema = z
  .object({
    request_id: z.string().min(1, "request_id is required: the id the routed response carried"),
    /**
     * Which input of a batch the feedback is about (0-based): required on a batch whose items
     * went to different routes, so that it reaches the item's route and model (ADR 0081).
     */
    item: z
      .number()
      .int("item must be a whole number: the 0-based position of the input in the batch")
      .nonnegative("item must be 0 or more: the 0-based position of the input in the batch")
      .optional(),
    /** 1 (bad) to 5 (excellent). */
    rating: z
      .number()
      .min(1, "rating must be from 1 (bad) to 5 (excellent)")
      .max(5, "rating must be from 1 (bad) to 5 (excellent)")
      .optional(),
    correct: z.boolean().optional(),
    /** The true label of a classification request. */
    label: z
      .string()
      .min(1, "label must not be empty: the true label of a classification request")
      .max(
        MAX_FEEDBACK_LABEL_CHARS,
        `label must be at most ${MAX_FEEDBACK_LABEL_CHARS} characters: the true label of a classification request, not a text`,
      )
      .optional(),
    /** Latency the client observed, milliseconds. */
    latency_ms: z
      .number()
      .nonnegative("latency_ms must be 0 or more: the milliseconds the client waited")
      .max(
        MAX_FEEDBACK_LATENCY_MS,
        `latency_ms must be at most ${MAX_FEEDBACK_LATENCY_MS} (24 hours): the milliseconds the client waited, not seconds' fractions or microseconds`,
      )
      .optional(),
  })
  .strict()
  .refine(
    (body) =>
      body.rating !== undefined ||
      body.correct !== undefined ||
      body.label !== undefined ||
      body.latency_ms !== undefined,
    { message: "give at least one of rating, correct, label, latency_ms" },
  )
  // Signals that say opposite things (the worst rating of a correct answer, the best of a
  // wrong one) would average to a reward of 0.5 that neither meant, as OpenAI's API refuses
  // max_tokens and max_completion_tokens with different values rather than pick one.
  .refine(
    (body) =>
      body.rating === undefined ||
      body.correct === undefined ||
      !((body.rating === 1 && body.correct) || (body.rating === 5 && !body.correct)),
    {
      path: ["correct"],
      message:
        "rating and correct contradict each other (the worst rating of a correct answer, or the best of a wrong one): send the one that holds",
    },
  );
export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;

/**
 * A `label` that contradicts `correct` or an extreme `rating` once the answer's own label is
 * known (the true label is the answer's, yet the answer is called wrong; or it is not, yet
 * the answer is called right): a field and a message for a 400, or null. As with `rating`
 * against `correct` (the schema's refinement), the signals would average to a reward of 0.5
 * that neither meant. Without an answer label (a chat answer) a label scores nothing, so it
 * contradicts nothing.
 */
export function labelContradiction(
  feedback: Pick<FeedbackRequest, "rating" | "correct" | "label">,
  outputLabel: string | null,
): { param: "correct" | "rating"; message: string } | null {
  if (feedback.label === undefined || outputLabel === null) return null;
  const matches = feedback.label.toLowerCase() === outputLabel.toLowerCase();
  const says = matches
    ? `label "${feedback.label}" is the answer's own label, so the answer was right`
    : `label "${feedback.label}" is not the answer's label ("${outputLabel}"), so the answer was wrong`;
  if (feedback.correct !== undefined && feedback.correct !== matches) {
    return {
      param: "correct",
      message: `label and correct contradict each other: ${says}, and correct says ${feedback.correct}. Send the one that holds.`,
    };
  }
  if ((feedback.rating === 1 && matches) || (feedback.rating === 5 && !matches)) {
    return {
      param: "rating",
      message: `label and rating contradict each other: ${says}, and the rating is ${feedback.rating}. Send the one that holds.`,
    };
  }
  return null;
}

/** The reward on 0..1 the quality signals amount to, or null when there are none. */
export function feedbackReward(
  feedback: Pick<FeedbackRequest, "rating" | "correct" | "label">,
  outputLabel: string | null,
): number | null {
  const rewards: number[] = [];
  if (feedback.rating !== undefined) rewards.push((feedback.rating - 1) / 4);
  if (feedback.correct !== undefined) rewards.push(feedback.correct ? 1 : 0);
  if (feedback.label !== undefined && outputLabel !== null) {
    rewards.push(feedback.label.toLowerCase() === outputLabel.toLowerCase() ? 1 : 0);
  }
  if (rewards.length === 0) return null;
  return rewards.reduce((sum, value) => sum + value, 0) / rewards.length;
}

export function toFeedbackInput(
  feedback: FeedbackRequest,
  request: RequestLogRow,
  createdAt: string,
): FeedbackInput {
  return {
    requestId: feedback.request_id,
    createdAt,
    rating: feedback.rating ?? null,
    correct: feedback.correct ?? null,
    label: feedback.label ?? null,
    latencyMs: feedback.latency_ms ?? null,
    reward: feedbackReward(feedback, request.outputLabel),
  };
}

/** The `latency_slo_ms` of the target that served a logged request, or null. */
export function latencySloOf(config: RoutesConfig, request: RequestLogRow): number | null {
  if (request.route === null || request.task === null) return null;
  const route = config.routes.find((candidate) => candidate.name === request.route);
  return route?.targets.get(request.task as TaskId)?.latencySloMs ?? null;
}

/** The key the learner knows a route's target by: `<route>/<task>`. */
export function learnerRouteKey(route: string, task: string): string {
  return `${route}/${task}`;
}

/**
 * What the learner is told, or null when there is nothing to learn: a request that did not
 * go through a route (a model asked for by id), that failed, or feedback with no signal.
 * Without a client latency, the latency the server measured for the model is used. The
 * request's cost (ADR 0050) goes with it, for routes that weigh cost (ADR 0053). With the
 * route's `latency_slo_ms` (`latencySloMs`), a rated answer that took longer is a failure:
 * its reward is 0 (ADR 0055); latency-only feedback stays without a reward, so the on-time
 * answers and the late ones are counted from the same rated sample.
 */
export function feedbackOutcome(
  feedback: FeedbackInput,
  request: RequestLogRow,
  latencySloMs: number | null = null,
): RouteOutcome | null {
  if (request.route === null || request.model === null || request.task === null) return null;
  if (request.status !== 200) return null;
  const latencyMs = feedback.latencyMs ?? request.modelLatencyMs;
  if (feedback.reward === null && feedback.latencyMs === null) return null;
  const reward =
    feedback.reward !== null &&
    latencySloMs !== null &&
    latencyMs !== null &&
    latencyMs > latencySloMs
      ? 0
      : feedback.reward;
  return {
    requestId: request.id,
    route: learnerRouteKey(request.route, request.task),
    modelId: request.model,
    ...(reward !== null && { reward }),
    ...(latencyMs !== null && { latencyMs }),
    ...(request.costUsd !== null && { costUsd: request.costUsd }),
    ...(request.domain !== null && { domain: request.domain }),
    at: feedback.createdAt,
  };
}
