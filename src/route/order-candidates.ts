/**
 * @module
 * The route policies: which candidate is tried first, and the order of the rest.
 * - `fixed`: the one candidate.
 * - `fallback`: the candidates in the order listed.
 * - `weighted`: the first at random in proportion to its weight, among candidates whose
 *   circuit breaker would let a call through; then the rest in the order listed.
 * - `bandit`: the learner (`route-learner.ts`) picks the first among the available
 *   candidates, weighing cost when the target has an `answer_value_usd` (ADR 0053); then the
 *   rest in the order listed. A learner that throws is reported in the
 *   reason and the listed order is used, so a learning bug cannot stop traffic.
 * Every policy falls back along the remaining candidates; only the first pick differs.
 */

import { errorMessage } from "../errors/error-message.js";
import { chooseContext, type RouteLearner } from "./route-learner.js";
import type { RouteTarget } from "./routes-config.js";

export interface CandidateOrder {
  order: string[];
  reason: string;
  explored: boolean;
}

export interface OrderContext {
  /** The learner's key for this route and task. */
  learnerKey: string;
  learner: RouteLearner | undefined;
  /** Whether a call could go to the model now: its breaker lets it through and it is under its `max_in_flight`. */
  isAvailable: (model: string) => boolean;
  random: () => number;
  domain: string | null;
}

/** `first`, then the other `listed` models in their order. */
export function firstThenListed(first: string, listed: readonly string[]): string[] {
  return [first, ...listed.filter((model) => model !== first)];
}

export function orderCandidates(target: RouteTarget, context: OrderContext): CandidateOrder {
  const listed = target.candidates.map((candidate) => candidate.model);
  // Asked only by the policies that read it: a fixed route's request checks no breaker here.
  const available = () =>
    target.candidates.filter((candidate) => context.isAvailable(candidate.model));
  switch (target.policy) {
    case "fixed":
      return { order: listed, reason: "fixed", explored: false };
    case "fallback": {
      const first =
        target.candidates.find((candidate) => context.isAvailable(candidate.model))?.model ??
        (listed[0] as string);
      const skipped = listed.indexOf(first);
      return {
        order: firstThenListed(first, listed),
        reason:
          skipped === 0
            ? "first in fallback chain"
            : `fallback chain, ${skipped} skipped (circuit open or at max_in_flight)`,
        explored: false,
      };
    }
    case "weighted": {
      const up = available();
      const pool = up.length > 0 ? up : target.candidates;
      const total = pool.reduce((sum, candidate) => sum + candidate.weight, 0);
      let point = context.random() * total;
      let chosen = pool[pool.length - 1] ?? target.candidates[0];
      for (const candidate of pool) {
        point -= candidate.weight;
        if (point < 0) {
          chosen = candidate;
          break;
        }
      }
      const model = chosen?.model ?? (listed[0] as string);
      const share = ((chosen?.weight ?? 0) / total) * 100;
      return {
        order: firstThenListed(model, listed),
        reason: `weighted pick (${share.toFixed(0)}% share)`,
        explored: false,
      };
    }
    case "bandit": {
      if (context.learner === undefined) {
        return { order: listed, reason: "bandit without a learner: listed order", explored: false };
      }
      const up = available();
      const pool = (up.length > 0 ? up : target.candidates).map((candidate) => candidate.model);
      try {
        const choice = context.learner.choose(
          context.learnerKey,
          pool,
          chooseContext(context.domain, target.answerValueUsd),
        );
        if (!pool.includes(choice.modelId)) {
          return {
            order: listed,
            reason: `learner chose ${choice.modelId}, not a candidate: listed order`,
            explored: false,
          };
        }
        return {
          order: firstThenListed(choice.modelId, listed),
          reason: choice.reason,
          explored: choice.explored,
        };
      } catch (error) {
        return {
          order: listed,
          reason: `learner failed (${errorMessage(error)}): listed order`,
          explored: false,
        };
      }
    }
  }
}
