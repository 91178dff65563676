/**
 * @module
 * Uniform random routing, the floor of the routing replay benchmark: every candidate equally
 * often, learning nothing.
 */
import type { ModelStanding, RouteChoice, RouteLearner, RouteOutcome } from "../route-learner.js";
import type { UniformSource } from "./beta-math.js";

export class UniformRandomLearner implements RouteLearner {
  constructor(private readonly random: UniformSource = Math.random) {}

  choose(_route: string, candidates: readonly string[]): RouteChoice {
    const modelId = candidates[Math.floor(this.random() * candidates.length)] as string;
    return { modelId, reason: "uniform random", explored: true };
  }

  record(_outcome: RouteOutcome, alongside?: () => void): void {
    alongside?.();
  }

  standings(): ModelStanding[] {
    return [];
  }
}
