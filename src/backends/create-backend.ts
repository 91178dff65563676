/**
 * @module
 * Chooses how to run a catalog model: the first provider, in the caller's order of
 * preference, that supports it. Callers list providers (transformers.js, npm packages, HTTP
 * endpoints...) so this module depends on none of them.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { BackendProvider, ModelBackend } from "./model-backend.js";

/** The first provider that supports `model`, or null. */
export function findBackendProvider(
  model: ModelRecord,
  providers: readonly BackendProvider[],
): BackendProvider | null {
  return providers.find((provider) => provider.supports(model)) ?? null;
}

/** A backend for `model` from the first provider that supports it; `NOT_FOUND` if none does. */
export function createBackend(
  model: ModelRecord,
  providers: readonly BackendProvider[],
): ModelBackend {
  const provider = findBackendProvider(model, providers);
  if (provider !== null) return provider.create(model);
  const tried = providers.map((candidate) => candidate.provider).join(", ") || "none";
  throw new ModelScoutError(
    "NOT_FOUND",
    `No backend can run ${model.id} (task ${model.task ?? "unknown"}, source ${model.source}, library ${model.library ?? "unknown"}); tried: ${tried}. ModelScout runs ONNX models for transformers.js (tag "onnx" or "transformers.js"), the npm-packaged models, and HTTP endpoints; pick one with \`modelscout catalog search\`.`,
    {
      details: {
        model: model.id,
        task: model.task,
        source: model.source,
        library: model.library,
        providers: providers.map((candidate) => candidate.provider),
      },
    },
  );
}
