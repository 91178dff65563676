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
import { defaultEndpointId } from "../backends/http/endpoint-model-record.js";
import { errorMessage } from "../errors/error-message.js";
import type { DecisionStatus } from "../select/decision.js";
import { resolveTask } from "../tasks/resolve-task.js";
import {
  invalidRoutesConfig,
  type ModelDeclaration,
  type ModelReference,
  parseModelDeclaration,
  type RoutesConfig,
} from "./routes-config.js";

export const DECISION_REFERENCE_PREFIX = "decision:";

/** What the resolver needs from the decision store (`DecisionStore` has it). */
export interface DecisionLookup {
  get(id: string): {
    status: DecisionStatus;
    winner: { id: string } | null;
    /** The task spec as written; its `candidates.models` may declare the winner (ADR 0088). */
    specInput?: unknown;
  } | null;
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
  /**
   * The winner as a `models` entry, when the decision's task spec declared it behind a server
   * (`candidates.models`) and the config does not declare that id itself.
   */
  declaration?: ModelDeclaration;
}

export function isDecisionReference(model: string): boolean {
  return model.startsWith(DECISION_REFERENCE_PREFIX);
}

/** How many decisions `latest` looks back through for one with a winner. */
const LATEST_WINDOW = 200;

function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The winner's entry in its task spec's `candidates.models` (a model behind a server, ADR
 * 0088) as a routes config's `models` entry, or undefined: the spec did not declare it (a
 * catalog model). The spec's fields are the config's names for the same things; its task and
 * labels, when the entry names none, are the spec's, as selection used them.
 */
export function servedDeclaration(specInput: unknown, winnerId: string): unknown {
  const spec = fieldsOf(specInput);
  const models = fieldsOf(spec?.candidates)?.models;
  if (!Array.isArray(models)) return undefined;
  for (const entry of models) {
    const model = fieldsOf(entry);
    const kind = model?.kind;
    const apiModel = model?.api_model;
    if (model === undefined || typeof apiModel !== "string") continue;
    if (kind !== "openai" && kind !== "hf-inference") continue;
    let id: string;
    try {
      id =
        typeof model.id === "string"
          ? model.id
          : defaultEndpointId({
              protocol: kind,
              apiModel,
              ...(typeof model.base_url === "string" && { baseUrl: model.base_url }),
            });
    } catch {
      continue;
    }
    if (id !== winnerId) continue;
    const labels = model.labels ?? spec?.labels;
    return Object.assign({}, model, {
      id,
      task: model.task ?? spec?.task_type,
      ...(labels !== undefined && { labels }),
    });
  }
  return undefined;
}

/** A reference's decision and winner, and its task spec as given, read when asked for. */
interface ResolvedOne {
  decisionId: string;
  model: string;
  specInput: () => unknown;
}

/** The decision `reference` names and its winner, or why there is none. */
function resolveOne(reference: string, decisions: DecisionLookup): ResolvedOne | { why: string } {
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
    // The list holds summaries: the whole decision is read only if its spec is needed.
    return {
      decisionId: found.id,
      model: found.winnerId as string,
      specInput: () => decisions.get(found.id)?.specInput,
    };
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
  return { decisionId: rest, model: decision.winner.id, specInput: () => decision.specInput };
}

/**
 * A resolved reference, with the winner's declaration from its decision's task spec when the
 * spec declared it behind a server and `declared` (the config's own `models`) does not have
 * it; or the problem, when that declaration is not one the config could hold.
 */
function resolvedReference(
  field: string,
  reference: string,
  outcome: ResolvedOne,
  declared: ReadonlySet<string>,
): ResolvedReference | { why: string } {
  const { decisionId, model } = outcome;
  const resolved = { field, reference, decisionId, model };
  if (declared.has(model)) return resolved;
  const served = servedDeclaration(outcome.specInput(), model);
  if (served === undefined) return resolved;
  try {
    return { field, reference, decisionId, model, declaration: parseModelDeclaration(served) };
  } catch (error) {
    return {
      why: `the winner ${model} is a server declared in decision ${decisionId}'s task spec, which a routes config cannot declare (${errorMessage(error)}); declare it in models`,
    };
  }
}

/**
 * What each `decision:` reference among `references` resolves to, and, for each that does
 * not, the problem (`<field>: <reference>: <why>`); other references are passed over.
 */
export function checkDecisionReferences(
  references: readonly ModelReference[],
  decisions: DecisionLookup,
  declared: ReadonlySet<string> = new Set(),
): { resolved: ResolvedReference[]; problems: string[] } {
  const resolved: ResolvedReference[] = [];
  const problems: string[] = [];
  for (const { field, model: reference } of references) {
    if (!isDecisionReference(reference)) continue;
    const found = resolveOne(reference, decisions);
    const outcome = "why" in found ? found : resolvedReference(field, reference, found, declared);
    if ("why" in outcome) problems.push(`${field}: ${reference}: ${outcome.why}`);
    else resolved.push(outcome);
  }
  return { resolved, problems };
}

/** The declarations the resolved references bring, one per model id. */
export function broughtDeclarations(resolved: readonly ResolvedReference[]): ModelDeclaration[] {
  const byId = new Map<string, ModelDeclaration>();
  for (const { declaration } of resolved) {
    if (declaration !== undefined && !byId.has(declaration.id)) {
      byId.set(declaration.id, declaration);
    }
  }
  return [...byId.values()];
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
  const declared = new Set(config.models.map((model) => model.id));
  const resolve = (model: string, field: string): string => {
    if (!isDecisionReference(model)) return model;
    const found = resolveOne(model, decisions);
    const outcome = "why" in found ? found : resolvedReference(field, model, found, declared);
    if ("why" in outcome) {
      problems.push(`${field}: ${model}: ${outcome.why}`);
      return model;
    }
    resolved.push(outcome);
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
  // A winner behind a server that its decision's spec declared is served as declared there.
  const models = [...config.models, ...broughtDeclarations(resolved)];
  // biome-ignore lint/plugin/no-spread-then-field: once per routes config
  return { config: { ...config, classification, models, routes }, resolved };
}
