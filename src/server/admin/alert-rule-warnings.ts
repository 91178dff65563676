/**
 * @module
 * Alert rules against the routes config in service: a rule whose `match.routes` names a route
 * the config does not have cannot fire there, and nothing else says so: a route a reload
 * removed, or a typo. `modelscout serve` says it at start, after each SIGHUP and in `--check`
 * (ADR 0083). Warned, not refused: one rules file may serve several configs, and a route may
 * come back with the next reload (the rule's state for it is kept).
 */
import type { AlertRule } from "../../monitor/alert-rules.js";
import type { RoutesConfig } from "../../route/routes-config.js";
import { closestMatch } from "../../text/closest-match.js";

/** The monitor's own route names, which no config declares: model ids asked for directly. */
const DIRECT_ROUTE = "(direct)";
/** Selections made outside any route are monitored as `task:<task>` (`monitor-event.ts`). */
const TASK_ROUTE_PREFIX = "task:";

/** One warning per enabled rule that matches a route the config does not have. */
export function alertRuleWarnings(rules: readonly AlertRule[], config: RoutesConfig): string[] {
  const routes = config.routes.map((route) => route.name);
  const warnings: string[] = [];
  for (const rule of rules) {
    if (!rule.enabled || rule.match?.routes === undefined) continue;
    const missing = rule.match.routes.filter(
      (route) =>
        route !== DIRECT_ROUTE && !route.startsWith(TASK_ROUTE_PREFIX) && !routes.includes(route),
    );
    if (missing.length === 0) continue;
    const named = missing
      .map((route) => {
        const close = closestMatch(route, routes);
        return close === undefined ? `"${route}"` : `"${route}" (did you mean "${close}"?)`;
      })
      .join(", ");
    warnings.push(
      `alert rule ${rule.id}: match.routes names ${named}, which the routes config does not have, so the rule cannot fire there (routes: ${routes.join(", ")}); remove ${missing.length === 1 ? "it" : "them"} from the rule, or add the route back`,
    );
  }
  return warnings;
}
