/**
 * @module
 * A checked routes config made ready to serve: its `decision:` references resolved
 * (`decision-references.ts`), or one error naming every problem that can be found before a
 * model is loaded. A config whose own checks passed and whose references all resolve goes on
 * to `createRouter`, which names each model that cannot be found or does the wrong task. A
 * config that did not pass cannot be built into a router, so the models named by its parts
 * that parsed (`RoutesConfigCheck.modelReferences`) are looked up here, and those that
 * cannot be found or do the wrong task are named with the config's other problems: `serve
 * --check` says all of them in one run, not one pass at a time.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import {
  broughtDeclarations,
  checkDecisionReferences,
  type DecisionLookup,
  isDecisionReference,
  type ResolvedReference,
  resolveDecisionReferences,
} from "./decision-references.js";
import { ModelRegistry } from "./model-registry.js";
import { modelTaskProblem } from "./model-task-problem.js";
import {
  invalidRoutesConfig,
  type ModelDeclaration,
  type ModelReference,
  type RoutesConfig,
  type RoutesConfigCheck,
} from "./routes-config.js";

export interface ResolveRoutesConfigOptions {
  /** The file the config was read from, for the error's message; "" for none. */
  source: string;
  decisions: DecisionLookup;
  /** Looks up catalog models that are neither declared nor npm-packaged (`CatalogStore.getModel`). */
  lookupModel?: (id: string) => Promise<ModelRecord | null>;
  /** The folder relative `local:` ids are read from; default: the working directory. */
  baseDirectory?: string;
}

/**
 * `checked`'s config as written (`source`, which a decision follower resolves again), with its
 * references resolved (`config`) and what each became; or the error naming every problem.
 */
export async function resolveRoutesConfig(
  checked: RoutesConfigCheck,
  options: ResolveRoutesConfigOptions,
): Promise<{ source: RoutesConfig; config: RoutesConfig; resolved: ResolvedReference[] }> {
  const references = checkDecisionReferences(
    checked.modelReferences,
    options.decisions,
    new Set(checked.declarations.map((declaration) => declaration.id)),
  );
  if (checked.config !== undefined && references.problems.length === 0) {
    return {
      source: checked.config,
      ...resolveDecisionReferences(checked.config, options.decisions),
    };
  }
  const winners = new Map(references.resolved.map((resolved) => [resolved.field, resolved.model]));
  const models = await modelProblems(
    checked.modelReferences.map((reference) => {
      const winner = winners.get(reference.field);
      // biome-ignore lint/plugin/no-spread-then-field: once per resolved reference of a refused config
      return winner === undefined ? reference : { ...reference, model: winner };
    }),
    [...checked.declarations, ...broughtDeclarations(references.resolved)],
    options,
  );
  throw invalidRoutesConfig(options.source, [
    ...checked.problems,
    ...references.problems,
    ...models,
  ]);
}

/**
 * `<field>: <why>` for each reference to a model that cannot be found or does the wrong task,
 * as `createRouter` says it. A `decision:` reference left unresolved has its own problem
 * already.
 */
async function modelProblems(
  references: readonly ModelReference[],
  declarations: readonly ModelDeclaration[],
  options: ResolveRoutesConfigOptions,
): Promise<string[]> {
  const lookedUp = references.filter((reference) => !isDecisionReference(reference.model));
  // Built, never loaded: nothing runs, and `discard` lets go of what was built.
  const registry = new ModelRegistry({
    declarations,
    ...(options.lookupModel !== undefined && { lookupModel: options.lookupModel }),
    ...(options.baseDirectory !== undefined && { baseDirectory: options.baseDirectory }),
  });
  try {
    const unknown = await registry.prepare(new Set(lookedUp.map((reference) => reference.model)));
    return lookedUp.flatMap((reference) => {
      const why =
        unknown.get(reference.model) ??
        modelTaskProblem(reference, registry.require(reference.model).describe().task);
      return why === undefined ? [] : [`${reference.field}: ${why}`];
    });
  } finally {
    await registry.discard();
  }
}
