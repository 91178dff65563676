/**
 * @module
 * Builds HTTP backends for catalog records with `source: "endpoint"` (shape in
 * `endpoint-model-record.ts`): `protocol: "openai"` becomes an OpenAI-compatible backend,
 * `protocol: "hf-inference"` a Hugging Face Inference backend. Credentials are read from the
 * environment variable the record names when the backend is created, so the catalog never
 * holds a key and a rotated key is picked up by the next backend.
 */
import { type InferenceProviderOrPolicy, PROVIDERS_OR_POLICIES } from "@huggingface/inference";
import type { ModelRecord } from "../../catalog/model-record.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { HttpRetryPolicy } from "../../http/fetch-with-retry.js";
import { closestMatch } from "../../text/closest-match.js";
import type { BackendProvider, ModelBackend } from "../model-backend.js";
import { type EndpointExtra, endpointExtraSchema } from "./endpoint-model-record.js";
import { createHfInferenceBackend, HF_INFERENCE_TASKS } from "./hf-inference-backend.js";
import {
  createOpenAICompatibleBackend,
  OPENAI_COMPATIBLE_TASKS,
} from "./openai-compatible-backend.js";

export interface HttpBackendProviderOptions {
  /** Where `apiKeyEnv`, `HF_TOKEN` and `HF_ENDPOINT` are read; default `process.env` at create time. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Default per-request timeout when the record sets none. */
  timeoutMs?: number;
  retry?: HttpRetryPolicy;
  /** Stands in for router.huggingface.co (tests, proxies). */
  hfRouterUrl?: string;
}

function endpointExtra(model: ModelRecord): EndpointExtra | null {
  if (model.source !== "endpoint") return null;
  const parsed = endpointExtraSchema.safeParse(model.extra);
  return parsed.success ? parsed.data : null;
}

function protocolSupportsTask(extra: EndpointExtra, task: string | null): boolean {
  if (task === null) return false;
  if (extra.protocol === "openai") return Object.hasOwn(OPENAI_COMPATIBLE_TASKS, task);
  return (HF_INFERENCE_TASKS as readonly string[]).includes(task);
}

function isInferenceProvider(name: string): name is InferenceProviderOrPolicy {
  return (PROVIDERS_OR_POLICIES as readonly string[]).includes(name);
}

function inferenceProvider(name: string, modelId: string): InferenceProviderOrPolicy {
  if (isInferenceProvider(name)) return name;
  const suggestion = closestMatch(name, PROVIDERS_OR_POLICIES);
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `The endpoint record of ${modelId} names inference provider "${name}", which @huggingface/inference does not know${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}. Known: ${PROVIDERS_OR_POLICIES.join(", ")}.`,
    { details: { model: modelId, inferenceProvider: name } },
  );
}

export function createHttpBackendProvider(
  options: HttpBackendProviderOptions = {},
): BackendProvider {
  return {
    provider: "http",
    supports(model) {
      const extra = endpointExtra(model);
      return extra !== null && protocolSupportsTask(extra, model.task);
    },
    create(model): ModelBackend {
      const extra = endpointExtra(model);
      if (extra === null || model.task === null) {
        const issue =
          model.source !== "endpoint"
            ? `its source is "${model.source}", not "endpoint"`
            : model.task === null
              ? "it has no task"
              : `its extra does not describe an endpoint (${endpointExtraSchema
                  .safeParse(model.extra)
                  .error?.issues.map((entry) => `${entry.path.join(".")}: ${entry.message}`)
                  .join("; ")})`;
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `Cannot call ${model.id} over HTTP: ${issue}. Register endpoints with endpointModelRecord(...).`,
          { details: { model: model.id } },
        );
      }
      const env = options.env ?? process.env;
      const apiKey =
        extra.apiKeyEnv === undefined ? undefined : env[extra.apiKeyEnv]?.trim() || undefined;
      const timeoutMs = extra.timeoutMs ?? options.timeoutMs;
      const common = {
        task: model.task,
        modelId: model.id,
        ...(timeoutMs !== undefined && { timeoutMs }),
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        ...(options.retry !== undefined && { retry: options.retry }),
        ...(extra.labels !== undefined && { labels: extra.labels }),
        ...(extra.local !== undefined && { local: extra.local }),
        ...(extra.maxTokens !== undefined && { maxTokens: extra.maxTokens }),
        ...(extra.temperature !== undefined && { temperature: extra.temperature }),
        ...(extra.vision !== undefined && { vision: extra.vision }),
      };
      if (extra.protocol === "openai") {
        // biome-ignore lint/plugin/no-spread-then-field: once per backend
        return createOpenAICompatibleBackend({
          ...common,
          baseURL: extra.baseUrl as string,
          model: extra.apiModel,
          ...(extra.rawCompletions !== undefined && { rawCompletions: extra.rawCompletions }),
          ...(apiKey !== undefined && { apiKey }),
          credentialHint:
            extra.apiKeyEnv === undefined
              ? `add apiKeyEnv to the endpoint record of ${model.id}, naming the environment variable that holds the key`
              : `set the environment variable ${extra.apiKeyEnv} to the server's API key`,
        });
      }
      // biome-ignore lint/plugin/no-spread-then-field: once per backend
      return createHfInferenceBackend({
        ...common,
        model: extra.apiModel,
        env,
        ...(apiKey !== undefined && { accessToken: apiKey }),
        ...(extra.baseUrl !== undefined && { endpointUrl: extra.baseUrl }),
        ...(extra.inferenceProvider !== undefined && {
          provider: inferenceProvider(extra.inferenceProvider, model.id),
        }),
        ...(options.hfRouterUrl !== undefined && { routerUrl: options.hfRouterUrl }),
      });
    },
  };
}

/** The provider with default settings: keys and `HF_ENDPOINT` from `process.env`. */
export const httpBackendProvider: BackendProvider = createHttpBackendProvider();
