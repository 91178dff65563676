/**
 * @module
 * A routes config may name "the model a selection picked" instead of pasting its id: wherever
 * a model id goes in a route's candidates or a classification step, `decision:<id>` stands
 * for the winner of that stored decision, `decision:latest` for the winner of the newest
 * decision that has one, and `decision:latest:<task>` for the newest one for that task
 * (pipeline tag or alias, e.g. `decision:latest:text-classification`). References are
 * resolved when the server starts and when it reloads (SIGHUP), so a later selection does not
 * switch a running server unless it follows decisions (`decision-follower.ts`, ADR 0048);
 * what each reference became is returned so the server can say it.
 *
 * Only completed decisions count: an aborted run's provisional leader is not a pick. The
 * references that cannot be resolved are one error naming, for each, the field, the decision
 * and why (unknown id, a run that was aborted or failed, a decision whose candidates all
 * failed): a server that silently started without its classifier would route everything to
 * the default route.
 */
import { errorMessage } from "../errors/error-message.js";
import type { DecisionStatus } from "../select/decision.js";
import { resolveTask } from "../tasks/resolve-task.js";
import { invalidRoutesConfig, type ModelReference, type RoutesConfig } from "./routes-config.js";

export const DECISION_REFERENCE_PREFIX = "decision:";

/** What the resolver needs from the decision store (`DecisionStore` has it). */
export interface DecisionLookup {
  get(id: string): { status: DecisionStatus; winner: { id: string } | null } | null;
  list(options: { limit?: number; task?: string }): {
    id: string;
    status: DecisionStatus;
    winnerId: string | null;
  }[];
}

export interface ResolvedReference {
  /** Where in the config, e.g. `routes[0].targets.text-classification.candidates[1]`. */
  field: string;
  reference: string;
  decisionId: string;
  model: string;
}

export function isDecisionReference(model: string): boolean {
  return model.startsWith(DECISION_REFERENCE_PREFIX);
}

/** How many decisions `latest` looks back through for one with a winner. */
const LATEST_WINDOW = 200;

/** The decision `reference` names and its winner, or why there is none. */
function resolveOne(
  reference: string,
  decisions: DecisionLookup,
): { decisionId: string; model: string } | { why: string } {
  const rest = reference.slice(DECISION_REFERENCE_PREFIX.length);
  if (rest === "latest" || rest.startsWith("latest:")) {
    const taskName = rest === "latest" ? undefined : rest.slice("latest:".length);
    let task: string | undefined;
    try {
      task = taskName === undefined ? undefined : resolveTask(taskName);
    } catch (error) {
      return { why: errorMessage(error) };
    }
    const found = decisions
      .list({ limit: LATEST_WINDOW, ...(task !== undefined && { task }) })
      .find((entry) => entry.status === "completed" && entry.winnerId !== null);
    if (found === undefined) {
      return {
        why: `no completed decision${task === undefined ? "" : ` for task ${task}`} has a winner; run \`modelscout select <spec>\` first (\`modelscout decisions\` lists what is stored)`,
      };
    }
    return { decisionId: found.id, model: found.winnerId as string };
  }
  if (rest === "") return { why: "name a decision id, `latest` or `latest:<task>`" };
  const decision = decisions.get(rest);
  if (decision === null) {
    return {
      why: `no decision ${rest} in this state database (\`modelscout decisions\` lists them)`,
    };
  }
  if (decision.status !== "completed" || decision.winner === null) {
    return {
      why: `decision ${rest} ${decision.status === "completed" ? "has no winner" : `did not complete (status ${decision.status})`}; \`modelscout decisions show ${rest}\` says why`,
    };
  }
  return { decisionId: rest, model: decision.winner.id };
}

/**
 * What each `decision:` reference among `references` resolves to, and, for each that does
 * not, the problem (`<field>: <reference>: <why>`); other references are passed over.
 */
export function checkDecisionReferences(
  references: readonly ModelReference[],
  decisions: DecisionLookup,
): { resolved: ResolvedReference[]; problems: string[] } {
  const resolved: ResolvedReference[] = [];
  const problems: string[] = [];
  for (const { field, model: reference } of references) {
    if (!isDecisionReference(reference)) continue;
    const outcome = resolveOne(reference, decisions);
    if ("why" in outcome) problems.push(`${field}: ${reference}: ${outcome.why}`);
    else resolved.push({ field, reference, ...outcome });
  }
  return { resolved, problems };
}

/**
 * Replaces every `decision:` reference in route candidates and classification steps with the
 * winner's model id. Returns the config (a new object when anything changed) and what each
 * reference resolved to. Throws `INVALID_ARGUMENT` naming every reference that cannot be
 * resolved, each by its field.
 */
export function resolveDecisionReferences(
  config: RoutesConfig,
  decisions: DecisionLookup,
): { config: RoutesConfig; resolved: ResolvedReference[] } {
  const resolved: ResolvedReference[] = [];
  const problems: string[] = [];
  const resolve = (model: string, field: string): string => {
    if (!isDecisionReference(model)) return model;
    const outcome = resolveOne(model, decisions);
    if ("why" in outcome) {
      problems.push(`${field}: ${model}: ${outcome.why}`);
      return model;
    }
    resolved.push({ field, reference: model, ...outcome });
    return outcome.model;
  };
  const classification = config.classification.map((step, index) =>
    step.kind === "rules"
      ? step
      : // biome-ignore lint/plugin/no-spread-then-field: once per routes config
        { ...step, model: resolve(step.model, `classification[${index}].model`) },
  );
  // biome-ignore lint/plugin/no-spread-then-field: once per routes config
  const routes = config.routes.map((route, routeIndex) => ({
    ...route,
    targets: new Map(
      [...route.targets].map(([task, target]) => [
        task,
        // biome-ignore lint/plugin/no-spread-then-field: once per routes config
        {
          ...target,
          // biome-ignore lint/plugin/no-spread-then-field: once per routes config
          candidates: target.candidates.map((candidate, candidateIndex) => ({
            ...candidate,
            model: resolve(
              candidate.model,
              `routes[${routeIndex}].targets.${task}.candidates[${candidateIndex}]`,
            ),
          })),
        },
      ]),
    ),
  }));
  if (problems.length > 0) throw invalidRoutesConfig(config.source ?? "", problems);
  if (resolved.length === 0) return { config, resolved };
  // biome-ignore lint/plugin/no-spread-then-field: once per routes config
  return { config: { ...config, classification, routes }, resolved };
}
