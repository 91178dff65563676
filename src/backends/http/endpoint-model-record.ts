/**
 * @module
 * The catalog shape of a model served over HTTP: a record with `source: "endpoint"` whose
 * `extra` says where and how to call it. Endpoints are registered by a later command or
 * config file; this module owns the shape (`endpointExtraSchema`) and the one function that
 * builds such a record, so the provider and the registrar cannot disagree.
 *
 * `extra` fields:
 * - `protocol`: `"openai"` (any OpenAI-compatible server) or `"hf-inference"` (Hugging Face
 *   Inference Providers, or a dedicated Inference Endpoint when `baseUrl` is set);
 * - `baseUrl`: the API root (`http://127.0.0.1:8000/v1`); required for `openai`, optional for
 *   `hf-inference` (absent means the router at router.huggingface.co);
 * - `apiModel`: the name the server expects (`llama3.1:8b` for Ollama, the Hub id for HF);
 * - `apiKeyEnv`: the environment variable holding the key, read when the backend is created
 *   (the key itself is never stored in the catalog); HF defaults to `HF_TOKEN`;
 * - `labels`: default candidate labels for classification tasks;
 * - `local`: overrides "local only when `baseUrl` is a loopback address";
 * - `inferenceProvider`: for `hf-inference` without `baseUrl`, which provider to route to
 *   (default `hf-inference`);
 * - `timeoutMs`: per-request timeout;
 * - `maxTokens`, `temperature`: text generation's defaults, for requests that set none;
 * - `vision`: the chat model reads images in user turns (the server cannot tell beforehand);
 * - `rawCompletions`: the server completes raw text at `/completions` (legacy completions go
 *   there, not to chat);
 * - `price`: US dollars per million tokens read and written (`input_per_million_tokens`,
 *   `output_per_million_tokens`), what selection's cost objective reads (ADR 0088).
 */
import { z } from "zod";
import {
  type ModelRecord,
  type ModelRecordInput,
  toModelRecord,
} from "../../catalog/model-record.js";
import type { AnswerUsage } from "../model-backend.js";

/**
 * What a model server charges, in US dollars per million tokens: the `price` an endpoint
 * record carries, and the one a routes config's `models` and a task spec's `candidates.models`
 * declare (each adds its own description of what reads it).
 */
export const modelPriceSchema = z
  .object({
    input_per_million_tokens: z
      .number()
      .min(0)
      .describe("US dollars per million tokens read (the prompt)."),
    output_per_million_tokens: z
      .number()
      .min(0)
      .describe("US dollars per million tokens written (the answer)."),
  })
  .strict();

export type ModelPrice = z.infer<typeof modelPriceSchema>;

/** US dollars for `usage` at `price`; null when either is unknown. */
export function answerCostUsd(
  price: ModelPrice | undefined,
  usage: AnswerUsage | undefined,
): number | null {
  if (price === undefined || usage === undefined) return null;
  return (
    (usage.promptTokens * price.input_per_million_tokens +
      usage.completionTokens * price.output_per_million_tokens) /
    1_000_000
  );
}

export const ENDPOINT_PROTOCOLS = ["openai", "hf-inference"] as const;
export type EndpointProtocol = (typeof ENDPOINT_PROTOCOLS)[number];

export const endpointExtraSchema = z
  .object({
    protocol: z.enum(ENDPOINT_PROTOCOLS),
    baseUrl: z.url().optional(),
    apiModel: z.string().min(1),
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
      .optional(),
    labels: z.array(z.string().min(1)).min(1).optional(),
    local: z.boolean().optional(),
    inferenceProvider: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().optional(),
    maxTokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    vision: z.boolean().optional(),
    rawCompletions: z.boolean().optional(),
    /** What the server charges; the backend ignores it (selection's cost reads it). */
    price: modelPriceSchema.optional(),
  })
  .refine((extra) => extra.protocol !== "openai" || extra.baseUrl !== undefined, {
    message: "baseUrl is required for protocol openai",
    path: ["baseUrl"],
  });
export type EndpointExtra = z.infer<typeof endpointExtraSchema>;

export interface EndpointModelInput extends EndpointExtra {
  task: string;
  /** Catalog id; default `endpoint:<apiModel>@<host>` (or `@hf-inference` for the router). */
  id?: string;
  /** Other catalog facts (languages, licence, context length...). */
  record?: Omit<ModelRecordInput, "id" | "source" | "task" | "extra"> & {
    extra?: Record<string, unknown>;
  };
}

/** The catalog id of an endpoint given none: `endpoint:<apiModel>@<host>`, or `@<protocol>`. */
export function defaultEndpointId(
  input: Pick<EndpointExtra, "protocol" | "baseUrl" | "apiModel">,
): string {
  const where = input.baseUrl === undefined ? input.protocol : new URL(input.baseUrl).host;
  return `endpoint:${input.apiModel}@${where}`;
}

/** A validated catalog record for a model served over HTTP; throws a zod error naming the bad field. */
export function endpointModelRecord(input: EndpointModelInput): ModelRecord {
  const { task, id, record, ...extraInput } = input;
  const extra = endpointExtraSchema.parse(extraInput);
  // biome-ignore lint/plugin/no-spread-then-field: once per registered endpoint
  return toModelRecord({
    ...record,
    id: id ?? defaultEndpointId(extra),
    source: "endpoint",
    task,
    // biome-ignore lint/plugin/no-spread-then-field: once per registered endpoint
    extra: { ...record?.extra, ...extra },
  });
}
