/**
 * @module
 * Whether a backend on this machine runs a catalog model, and if none does, why: what
 * `catalog show` says, so that a user reads it before a selection leaves the model out.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import { onnxFilesState } from "../catalog/resolve-onnx-variants.js";
import type { BackendProvider } from "./model-backend.js";
import { isTransformersTask } from "./transformers-js/transformers-tasks.js";

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
      break;
  }
  if (!isTransformersTask(model.task)) {
    return `transformers.js does not run its task (${model.task ?? "none given"})`;
  }
  if (onnxFilesState(model) === "none") {
    return "its files hold no ONNX weights under onnx/, which transformers.js loads";
  }
  return `it has no ONNX weights for transformers.js (library ${model.library ?? "unknown"}, no onnx tag); a conversion may (\`modelscout catalog search --task ${model.task} --onnx\`)`;
}
