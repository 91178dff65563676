/**
 * @module
 * Epsilon-greedy, a reference policy for the routing replay benchmark: with probability
 * epsilon a uniform pick, otherwise the best sample mean in the request's domain (untried
 * candidates first). It exists so the Thompson learner's figures have a simple, well-known
 * comparison; it is kept in memory, without decay or demotion.
 */
import type { ModelStanding, RouteChoice, RouteLearner, RouteOutcome } from "../route-learner.js";
import type { UniformSource } from "./beta-math.js";

interface Tally {
  rewardSum: number;
  count: number;
}

export class EpsilonGreedyLearner implements RouteLearner {
  private readonly tallies = new Map<string, Tally>();

  constructor(
    private readonly epsilon: number,
    private readonly random: UniformSource = Math.random,
  ) {}

  private static key(route: string, domain: string | undefined, modelId: string): string {
    return `${route}\u0000${domain ?? ""}\u0000${modelId}`;
  }

  choose(route: string, candidates: readonly string[], context?: { domain?: string }): RouteChoice {
    const domain = context?.domain;
    if (this.random() < this.epsilon) {
      const modelId = candidates[Math.floor(this.random() * candidates.length)] as string;
      return {
        modelId,
        reason: `epsilon-greedy: uniform (epsilon ${this.epsilon})`,
        explored: true,
      };
    }
    let best = candidates[0] as string;
    let bestMean = Number.NEGATIVE_INFINITY;
    for (const modelId of candidates) {
      const tally = this.tallies.get(EpsilonGreedyLearner.key(route, domain, modelId));
      if (!tally) return { modelId, reason: "epsilon-greedy: untried", explored: true };
      const mean = tally.rewardSum / tally.count;
      if (mean > bestMean) {
        bestMean = mean;
        best = modelId;
      }
    }
    return {
      modelId: best,
      reason: `epsilon-greedy: best mean ${bestMean.toFixed(3)}`,
      explored: false,
    };
  }

  record(outcome: RouteOutcome, alongside?: () => void): void {
    alongside?.();
    if (outcome.reward === undefined) return;
    const tallyKey = EpsilonGreedyLearner.key(outcome.route, outcome.domain, outcome.modelId);
    const tally = this.tallies.get(tallyKey) ?? { rewardSum: 0, count: 0 };
    this.tallies.set(tallyKey, {
      rewardSum: tally.rewardSum + outcome.reward,
      count: tally.count + 1,
    });
  }

  standings(route?: string): ModelStanding[] {
    return [...this.tallies.entries()]
      .map(([tallyKey, tally]) => {
        const [routeName = "", domain = "", modelId = ""] = tallyKey.split("\u0000");
        return {
          route: routeName,
          modelId,
          domain: domain || null,
          mean: tally.rewardSum / tally.count,
          effectiveCount: tally.count,
          meanCostUsd: null,
          demoted: false,
        };
      })
      .filter((standing) => route === undefined || standing.route === route);
  }
}
