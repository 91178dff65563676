/**
 * @module
 * Which of the learner's (route, model) pairs the routes config in service still has: each
 * target's candidates, whatever its policy, keyed as the learner keys its state
 * (`<route>/<task>`). The learner keeps what it learned on a route or model a reload removed
 * (a config that brings it back starts from it), so its standings outlive the config; the
 * readers of those standings (`/metrics`, the admin API, `modelscout learner standings`) ask
 * this which are live (ADR 0083). Feedback on a `fixed`, `fallback` or `weighted` target is
 * learned too (the learner does not choose there, but its standings say how the route's
 * models do, and a switch to `bandit` starts from them), so such a target is in service: it
 * serves traffic. Whether the learner chooses there is the target's `policy`, not this.
 *
 * The server records it in the state database at each start and applied reload (the
 * learner's `recordRoutesInService`), so that the CLI, which has no config, can say the same.
 */
import { z } from "zod";
import { learnerRouteKey } from "../feedback.js";
import type { RoutesConfig } from "../routes-config.js";

/** Where a standing's (route, model) stands against the config in service. */
export type ConfigStanding = "in service" | "route removed" | "model removed";

/** The stored form (`learning_meta`), read leniently: a newer writer may add fields. */
const storedSchema = z.object({
  recordedAt: z.string(),
  routes: z.record(z.string(), z.array(z.string())),
});

/** One per config object: `/metrics` asks at every scrape, and a config changes only by reload. */
const byConfig = new WeakMap<RoutesConfig, RoutesInService>();

export class RoutesInService {
  /** Learner route (`<route>/<task>`) -> its target's candidates. */
  readonly routes: ReadonlyMap<string, ReadonlySet<string>>;
  /** When a server put this config into service (ISO), for a stored record; null otherwise. */
  readonly recordedAt: string | null;

  private constructor(routes: ReadonlyMap<string, ReadonlySet<string>>, recordedAt: string | null) {
    this.routes = routes;
    this.recordedAt = recordedAt;
  }

  /** The pairs `config` serves: each target's candidates, on every route. */
  static of(config: RoutesConfig): RoutesInService {
    const known = byConfig.get(config);
    if (known !== undefined) return known;
    const routes = new Map<string, Set<string>>();
    for (const route of config.routes) {
      for (const target of route.targets.values()) {
        routes.set(
          learnerRouteKey(route.name, target.task),
          new Set(target.candidates.map((candidate) => candidate.model)),
        );
      }
    }
    const made = new RoutesInService(routes, null);
    byConfig.set(config, made);
    return made;
  }

  /** A stored record (`toJson`); undefined for text that is not one (written by a future version, or damaged). */
  static parse(text: string): RoutesInService | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = storedSchema.safeParse(value);
    if (!parsed.success) return undefined;
    return new RoutesInService(
      new Map(
        Object.entries(parsed.data.routes).map(([route, models]) => [route, new Set(models)]),
      ),
      parsed.data.recordedAt,
    );
  }

  /** The stored form, saying it went into service at `recordedAt`. */
  toJson(recordedAt: Date): string {
    const routes: Record<string, string[]> = {};
    for (const [route, models] of this.routes) routes[route] = [...models].sort();
    return JSON.stringify({ recordedAt: recordedAt.toISOString(), routes });
  }

  /** Whether the config in service has `modelId` among the candidates of `route` (`<route>/<task>`). */
  has(route: string, modelId: string): boolean {
    return this.routes.get(route)?.has(modelId) === true;
  }

  standingOf(route: string, modelId: string): ConfigStanding {
    const models = this.routes.get(route);
    if (models === undefined) return "route removed";
    return models.has(modelId) ? "in service" : "model removed";
  }
}
