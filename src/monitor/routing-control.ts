/**
 * @module
 * What approving a review item does to routing, as a small interface the routing learner
 * implements (`route/`): demote a model on a route, reinstate it, or switch a route to another
 * model. The review queue calls it inside the transaction that records the approval, so an
 * approval whose change fails is not recorded as approved. Calls must be idempotent (an
 * approval retried after a crash may repeat one) and synchronous, like the learner's writes to
 * the state database.
 */

export interface RoutingChange {
  route: string;
  modelId: string;
  /** The review item being approved, for the learner's own record of why. */
  reviewItemId: string;
  actor: string;
  /** The rule's summary and the approver's comment, in words. */
  reason: string;
}

export interface RouteSwitch extends RoutingChange {
  /** The model the route should use instead. */
  toModelId: string;
}

export interface RoutingControl {
  /** Stop routing to `modelId` on `route` (or route less to it), until reinstated. */
  demote(change: RoutingChange): void;
  /** Undo a demotion. */
  reinstate(change: RoutingChange): void;
  /** Send the route's traffic from `modelId` to `toModelId`. Optional: not every learner can. */
  changeRoute?(change: RouteSwitch): void;
}
