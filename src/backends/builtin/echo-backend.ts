/**
 * @module
 * `echo`: a text-generation "model" that is not a model. It answers with a fixed template
 * filled from the request (`{{input}}`, the last user message; `{{model}}`, its own id), in
 * microseconds and with no weights. It exists because no generative model runs offline in an
 * npm package: the bundled customer-service example and the tests use it to show *which*
 * route and model answered, and the router benchmark uses it to measure the router alone.
 * Real deployments point routes at OpenAI-compatible endpoints instead; nothing about an
 * echo answer says anything about answer quality.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { VERSION } from "../../version.js";
import { throwIfRunAborted } from "../cancellation.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
} from "../model-backend.js";

export const DEFAULT_ECHO_TEMPLATE = "{{input}}";

export interface EchoBackendOptions {
  modelId: string;
  /** `{{input}}` is replaced by the last user message, `{{model}}` by the model id. Default `{{input}}`. */
  template?: string;
}

/** The text a generation input asks about: the last user message, or the text itself. */
export function lastUserText(input: BackendInput, modelId: string): string {
  if (typeof input === "string") return input;
  if ("messages" in input) {
    for (let index = input.messages.length - 1; index >= 0; index -= 1) {
      const message = input.messages[index];
      if (message?.role === "user") return message.content;
    }
    return input.messages.at(-1)?.content ?? "";
  }
  if ("text" in input && typeof input.text === "string") return input.text;
  throw new ModelScoutError(
    "INVALID_ARGUMENT",
    `${modelId} (echo) answers text or chat messages, not images or audio.`,
    { details: { modelId } },
  );
}

class EchoBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider = "echo";
  readonly modelId: string;
  readonly #template: string;

  constructor(options: EchoBackendOptions) {
    this.modelId = options.modelId;
    this.#template = options.template ?? DEFAULT_ECHO_TEMPLATE;
  }

  describe(): BackendDescription {
    return {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: this.provider,
      modelId: this.modelId,
      task: "text-generation",
      local: true,
    };
  }

  async load(options: RunOptions = {}): Promise<LoadResult> {
    throwIfRunAborted(options);
    // Weightless: the code is the model, and ModelScout's version names the code.
    return { loadMs: 0, artifact: { kind: "builtin", modelscoutVersion: VERSION } };
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    throwIfRunAborted(options);
    return inputs.map((input) => {
      const text = lastUserText(input, this.modelId);
      // A function replacer, so `$&` and friends in the user's text are not interpreted.
      const answer = this.#template.replace(/\{\{\s*(input|model)\s*\}\}/g, (_, name: string) =>
        name === "input" ? text : this.modelId,
      );
      return { kind: "text", text: answer };
    });
  }

  async unload(): Promise<void> {
    // Nothing is held.
  }
}

export function createEchoBackend(options: EchoBackendOptions): ModelBackend {
  return new EchoBackend(options);
}
