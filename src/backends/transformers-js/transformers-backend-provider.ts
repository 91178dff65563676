/**
 * @module
 * The `BackendProvider` for transformers.js: which catalog models it can run (an ONNX
 * repository for transformers.js on a task it maps, or one of their quantised variants), and
 * backends for them, in this process or isolated in a child process with timeouts.
 */
import type { ModelRecord } from "../../catalog/model-record.js";
import { onnxFilesState } from "../../catalog/resolve-onnx-variants.js";
import { shipsOnnxWeights } from "../../catalog/transformers-js-markers.js";
import {
  createIsolatedBackend,
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_RUN_TIMEOUT_MS,
} from "../isolated/isolated-backend.js";
import { moduleBeside } from "../isolated/isolated-protocol.js";
import type { BackendProvider, ModelBackend } from "../model-backend.js";
import { missingPackagesReason } from "../npm/import-optional-package.js";
import {
  createTransformersBackend,
  type ModelProgressEvent,
  TRANSFORMERS_PROVIDER,
  type TransformersBackendOptions,
} from "./transformers-backend.js";
import { TRANSFORMERS_PACKAGE, transformersSettings } from "./transformers-settings.js";
import { isTransformersTask } from "./transformers-tasks.js";

/**
 * Why transformers.js cannot run `model`, as `catalog show` says it; null when it can: an ONNX
 * repository (from the Hub, or a local folder) on a task we map. A repository whose files are
 * known and hold no `.onnx` file under `onnx/` is not one, whatever its tags say (the Hub tags
 * `onnx` for ONNX files anywhere); one whose files are unknown is judged by its tags until
 * they are looked up (`hub/list-onnx-files.ts`).
 */
export function whyTransformersCannotRun(model: ModelRecord): string | null {
  if (!isTransformersTask(model.task)) {
    return `transformers.js does not run its task (${model.task ?? "none given"})`;
  }
  if (model.source !== "hub" && model.source !== "local") {
    return `transformers.js runs models from the Hub or a local folder, not from ${model.source}`;
  }
  if (onnxFilesState(model) === "none") {
    return "its files hold no ONNX weights under onnx/, which transformers.js loads";
  }
  if (typeof model.extra.transformersDtype === "string" || shipsOnnxWeights(model)) return null;
  return `it has no ONNX weights for transformers.js (library ${model.library ?? "unknown"}, no onnx tag); a conversion may (\`modelscout catalog search --task ${model.task} --onnx\`)`;
}

/** True when transformers.js can run `model` (`whyTransformersCannotRun` says why not). */
export function supportsTransformers(model: ModelRecord): boolean {
  return whyTransformersCannotRun(model) === null;
}

export interface TransformersProviderOptions
  extends Pick<TransformersBackendOptions, "settings" | "memory"> {
  /** Run each model in its own child process with these timeouts (default: in this process). */
  isolated?: boolean | { runTimeoutMs?: number; loadTimeoutMs?: number };
  onProgress?: (event: ModelProgressEvent) => void;
}

export function createTransformersBackendProvider(
  options: TransformersProviderOptions = {},
): BackendProvider {
  return {
    provider: TRANSFORMERS_PROVIDER,
    supports: supportsTransformers,
    unavailable: () => missingPackagesReason([TRANSFORMERS_PACKAGE]),
    create(model: ModelRecord): ModelBackend {
      // Settings are resolved here so a child process uses exactly what the parent would.
      // biome-ignore lint/plugin/no-spread-then-field: once per backend
      const settings = { ...transformersSettings(), ...options.settings };
      const backendOptions: TransformersBackendOptions = {
        model: {
          id: model.id,
          task: model.task,
          params: model.params,
          memoryBytes: model.memoryBytes,
          extra: model.extra,
        },
        settings,
        ...(options.memory !== undefined && { memory: options.memory }),
      };
      // biome-ignore lint/plugin/no-spread-then-field: once per backend
      const inProcess = createTransformersBackend({
        ...backendOptions,
        ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      });
      if (options.isolated === undefined || options.isolated === false) return inProcess;
      const timeouts = options.isolated === true ? {} : options.isolated;
      return createIsolatedBackend({
        factory: {
          moduleUrl: moduleBeside("transformers-backend", import.meta.url),
          exportName: "createTransformersBackend",
          options: backendOptions,
        },
        description: inProcess.describe(),
        runTimeoutMs: timeouts.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
        loadTimeoutMs: timeouts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS,
        ...(options.onProgress !== undefined && {
          onProgress: (event: unknown) => options.onProgress?.(event as ModelProgressEvent),
        }),
      });
    },
  };
}

/** In-process transformers.js backends with settings from the environment. */
export const transformersBackendProvider: BackendProvider = createTransformersBackendProvider();
