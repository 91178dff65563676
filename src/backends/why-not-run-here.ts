/**
 * @module
 * Whether a backend on this machine runs a catalog model, and if none does, why: what
 * `catalog show` says, and what a selection's `runnable` filter leaves a model out for.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import type { BackendProvider } from "./model-backend.js";
import { whyTransformersCannotRun } from "./transformers-js/transformers-backend-provider.js";

export type RunsHere = { provider: string } | { provider: null; reason: string };

/**
 * The first of `providers` that takes `model` and can run it on this install, or why none
 * does: what a provider that takes it lacks (an optional package, `BackendProvider.unavailable`;
 * `notInstalled`), else why none takes it.
 */
export function runnableProvider(
  model: ModelRecord,
  providers: readonly BackendProvider[],
): { provider: BackendProvider } | { provider: null; reason: string; notInstalled: boolean } {
  let lacking: string | undefined;
  for (const provider of providers) {
    if (!provider.supports(model)) continue;
    const why = provider.unavailable?.(model) ?? null;
    if (why === null) return { provider };
    lacking ??= why;
  }
  return lacking === undefined
    ? { provider: null, reason: whyNot(model), notInstalled: false }
    : { provider: null, reason: lacking, notInstalled: true };
}

/** `runnableProvider`, with the provider's name. */
export function runsHere(model: ModelRecord, providers: readonly BackendProvider[]): RunsHere {
  const found = runnableProvider(model, providers);
  return found.provider === null
    ? { provider: null, reason: found.reason }
    : { provider: found.provider.provider };
}

function whyNot(model: ModelRecord): string {
  switch (model.source) {
    case "npm":
      return "no adapter runs this npm package yet (`modelscout catalog search --source npm` lists those that run)";
    case "endpoint":
      return "no backend here calls a model of this kind behind a server";
    default:
      // The transformers.js provider's own checks, so the reason is the one that kept it out.
      return whyTransformersCannotRun(model) ?? "no backend here was given to run it";
  }
}
