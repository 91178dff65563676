/**
 * @module
 * Builds, inside an isolated child process, the backend a shipped provider would build for
 * a catalog record. Providers are imported on demand so a child loads only its own runtime.
 */
import type { ModelRecord } from "../../catalog/model-record.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { BackendProvider, ModelBackend } from "../model-backend.js";

const PROVIDERS: Record<string, () => Promise<BackendProvider>> = {
  "transformers-js": async () =>
    (await import("../transformers-js/transformers-backend-provider.js"))
      .transformersBackendProvider,
  npm: async () => (await import("../npm/npm-backend-provider.js")).npmBackendProvider,
};

export async function createBackendInChild(options: {
  provider: string;
  model: ModelRecord;
}): Promise<ModelBackend> {
  const load = PROVIDERS[options.provider];
  if (load === undefined) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `No child-process factory for the ${options.provider} provider; pass \`childFactory\` to isolatedProvider.`,
    );
  }
  return (await load()).create(options.model);
}
