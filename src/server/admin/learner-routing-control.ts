/**
 * @module
 * What approving a review item does to the running server: the review queue's
 * `RoutingControl` (`monitor/routing-control.ts`) implemented over the routing learner.
 *
 * Alerts name a route as the monitor sees it: a route name from the routes config, or
 * `task:<task>` for a selection decision made outside any route. The learner keys its state by
 * `<route>/<task>` (`route/feedback.ts`). So a change on route `R` for model `M` applies to
 * every target of `R` that lists `M`; on `task:T`, to every route's `T` target that lists `M`;
 * on a learner key `R/T` (an item an operator opened from the standings), to that target.
 * Only `bandit` targets are steered by the learner: a demotion on a route whose targets are
 * all `fixed`, `fallback` or `weighted` would change nothing, so it is refused with a message
 * that says so (the item stays open; reject it, or change the routes config).
 *
 * The learner does the change and keeps its own record of it (who, why, which review item):
 * `demote` and `reinstate` with `(route, modelId, domain, { actor, note })`. A learner
 * without them cannot act on approvals, and says so. Both calls are idempotent here: demoting
 * a demoted model or reinstating one that is not demoted is a no-op, as the review queue
 * requires of a retried approval.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { RoutingChange, RoutingControl } from "../../monitor/routing-control.js";
import { learnerRouteKey } from "../../route/feedback.js";
import type { RouteLearner } from "../../route/route-learner.js";
import type { RouteSwitches } from "../../route/route-switches.js";
import type { RoutePolicy, RoutesConfig } from "../../route/routes-config.js";

type OperatorCall = (
  route: string,
  modelId: string,
  domain: string | null,
  options: { actor?: string; note?: string },
) => unknown;

/** The operator side of a learner (the Thompson learner's `reinstate`, and `demote`). */
export interface OperatorControlledLearner extends RouteLearner {
  demote?: OperatorCall;
  reinstate?: OperatorCall;
}

export interface LearnerTarget {
  /** The learner's key, `<route>/<task>`. */
  key: string;
  route: string;
  task: string;
  policy: RoutePolicy;
}

/** The route targets a change on `route` (a route name or `task:<task>`) for `modelId` touches. */
export function targetsFor(config: RoutesConfig, route: string, modelId: string): LearnerTarget[] {
  // `task:<task>`, a learner key `<route>/<task>` (route names cannot hold `/`), or a route name.
  const slash = route.indexOf("/");
  const name = route.startsWith("task:") ? null : slash === -1 ? route : route.slice(0, slash);
  const task = route.startsWith("task:")
    ? route.slice("task:".length)
    : slash === -1
      ? null
      : route.slice(slash + 1);
  const targets: LearnerTarget[] = [];
  for (const definition of config.routes) {
    if (name !== null && definition.name !== name) continue;
    for (const target of definition.targets.values()) {
      if (task !== null && target.task !== task) continue;
      if (!target.candidates.some((candidate) => candidate.model === modelId)) continue;
      targets.push({
        key: learnerRouteKey(definition.name, target.task),
        route: definition.name,
        task: target.task,
        policy: target.policy,
      });
    }
  }
  return targets;
}

export function learnerRoutingControl(options: {
  /** The routes config in force (it changes when the server reloads it). */
  config: () => RoutesConfig;
  learner: OperatorControlledLearner | undefined;
  /** Where approved route changes are kept; without it, route changes are refused. */
  switches?: RouteSwitches;
  /** Whether the server can run `modelId` (a model the switch may send traffic to). */
  knowsModel?: (modelId: string) => boolean;
}): RoutingControl {
  const { config, learner, switches, knowsModel } = options;

  const banditTargets = (change: RoutingChange, verb: string): LearnerTarget[] => {
    const targets = targetsFor(config(), change.route, change.modelId);
    if (targets.length === 0) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Cannot ${verb} ${change.modelId} on ${change.route}: no route in this server's config lists that model${change.route.startsWith("task:") ? ` for ${change.route.slice(5)}` : ""}. Reject the review item, or add the model to a route.`,
        { details: { route: change.route, modelId: change.modelId } },
      );
    }
    const steered = targets.filter((target) => target.policy === "bandit");
    if (steered.length === 0) {
      const policies = targets.map((target) => `${target.key} (${target.policy})`).join(", ");
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Cannot ${verb} ${change.modelId} on ${change.route}: only bandit routes follow the learner, and ${policies} ${targets.length === 1 ? "is not one" : "are not"}. Change the routes config (remove the model or reorder the fallback chain), then reject the item with a comment.`,
        { details: { route: change.route, modelId: change.modelId } },
      );
    }
    return steered;
  };

  const requireCall = (name: "demote" | "reinstate"): OperatorCall => {
    const call = learner?.[name];
    if (learner === undefined || typeof call !== "function") {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        learner === undefined
          ? `This server runs without a routing learner, so an approval cannot ${name} a model. Start it with a learner (bandit routes), or reject the item.`
          : `The routing learner has no ${name} operation, so an approval cannot ${name} a model. Reject the item, or use a learner that supports it.`,
      );
    }
    return call.bind(learner);
  };

  const note = (change: RoutingChange) => `review ${change.reviewItemId}: ${change.reason}`;

  return {
    demote(change) {
      const demote = requireCall("demote");
      for (const target of banditTargets(change, "demote")) {
        if (isDemoted(learner, target.key, change.modelId)) continue;
        demote(target.key, change.modelId, null, { actor: change.actor, note: note(change) });
      }
    },
    reinstate(change) {
      const reinstate = requireCall("reinstate");
      for (const target of banditTargets(change, "reinstate")) {
        if (!isDemoted(learner, target.key, change.modelId)) continue;
        reinstate(target.key, change.modelId, null, { actor: change.actor, note: note(change) });
      }
    },
    // Any policy: the switch is applied to the route's order after the policy (route-switches.ts).
    changeRoute(change) {
      if (switches === undefined) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          "This server keeps no route switches, so an approval cannot change a route. Reject the item.",
        );
      }
      if (targetsFor(config(), change.route, change.modelId).length === 0) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Cannot switch ${change.route} away from ${change.modelId}: no route in this server's config lists that model. Reject the review item.`,
          { details: { route: change.route, modelId: change.modelId } },
        );
      }
      if (knowsModel !== undefined && !knowsModel(change.toModelId)) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Cannot switch ${change.route} to ${change.toModelId}: this server has no such model (it must be declared in the routes config). Approve with a model the server runs.`,
          { details: { route: change.route, toModelId: change.toModelId, field: "toModelId" } },
        );
      }
      switches.set({
        route: change.route,
        fromModel: change.modelId,
        toModel: change.toModelId,
        reviewItemId: change.reviewItemId,
        actor: change.actor,
        reason: change.reason,
      });
    },
  };
}

function isDemoted(learner: RouteLearner | undefined, key: string, modelId: string): boolean {
  return (
    learner
      ?.standings(key)
      .some(
        (standing) => standing.modelId === modelId && standing.domain === null && standing.demoted,
      ) ?? false
  );
}
