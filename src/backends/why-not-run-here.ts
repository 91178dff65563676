/**
 * @module
 * Whether a backend on this machine runs a catalog model, and if none does, why: what
 * `catalog show` says, so that a user reads it before a selection leaves the model out.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import type { BackendProvider } from "./model-backend.js";
import { whyTransformersCannotRun } from "./transformers-js/transformers-backend-provider.js";

export type RunsHere = { provider: string } | { provider: null; reason: string };

/** The first of `providers` that runs `model`, or why none of them does. */
export function runsHere(model: ModelRecord, providers: readonly BackendProvider[]): RunsHere {
  const provider = providers.find((candidate) => candidate.supports(model));
  if (provider !== undefined) return { provider: provider.provider };
  return { provider: null, reason: whyNot(model) };
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
