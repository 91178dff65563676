/**
 * @module
 * The transformers.js (`@huggingface/transformers`, ONNX Runtime on the CPU) model backend.
 * It downloads a HF-layout ONNX repository from the Hub or `HF_ENDPOINT` into the cache under
 * `MODELSCOUT_HOME/models` (or reads the cache only, offline), checks the files' integrity,
 * refuses models that would not fit in free memory, builds the task's pipeline and maps its
 * output to the uniform `BackendOutput`. Library failures become `ModelScoutError`s that say
 * what to do: a model missing on the server, a corrupt file, a model run on the wrong task.
 *
 * A `local:<folder>` model (catalog/sources/local-models.ts) is loaded in place from its
 * folder: no download, no copy into the cache, no integrity check against a server (there
 * is none; the files are the user's own), and remote loading off whatever the settings say.
 *
 * Every load reports its artifact: the files the pipeline read (its `done` progress events),
 * with sizes and SHA-256, from the integrity check for a Hub model (with the revision and the
 * commit the server named) and from `hash-local-model-files.ts` for a folder (ADR 0082).
 *
 * Options are plain data (apart from `onProgress`), so an isolated runner can rebuild the
 * same backend in a child process from them.
 */
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { performance } from "node:perf_hooks";
import type { ModelRecord } from "../../catalog/model-record.js";
import { isLocalModelId, LOCAL_MODEL_ID_PREFIX } from "../../catalog/sources/local-models.js";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import {
  assertMemoryAvailable,
  type MemoryAvailability,
} from "../isolated/assert-memory-available.js";
import type { ModelArtifact, PackageVersion } from "../model-artifact.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
} from "../model-backend.js";
import { installedPackageVersion } from "../npm/import-optional-package.js";
import { hashLocalModelFiles, LOCAL_HASH_CACHE_FILE } from "./hash-local-model-files.js";
import { MODEL_DOWNLOAD_RETRY } from "./retrying-model-fetch.js";
import {
  type TransformersSettings,
  transformersSettings,
  withTransformersSettings,
} from "./transformers-settings.js";
import {
  isTransformersTask,
  TRANSFORMERS_TASKS,
  type TransformersPipeline,
  type TransformersRuntime,
  type TransformersTaskId,
} from "./transformers-tasks.js";
import {
  CATALOG_DTYPE_FOR,
  parseTransformersModelId,
  type TransformersDtype,
} from "./transformers-variants.js";
import { type VerifiedModelFiles, verifyModelFiles } from "./verify-model-files.js";

export const TRANSFORMERS_PROVIDER = "transformers-js";

/** Download and load progress, for a progress bar. */
export interface ModelProgressEvent {
  status: "initiate" | "download" | "progress" | "done" | "ready" | "verified";
  modelId: string;
  file?: string;
  loadedBytes?: number;
  totalBytes?: number;
  /** 0..100 for `progress` events. */
  percent?: number;
}

/** The part of a catalog record the backend needs. */
export type TransformersModel = Pick<ModelRecord, "id" | "task"> &
  Partial<Pick<ModelRecord, "params" | "memoryBytes" | "extra">>;

export interface TransformersBackendOptions {
  /** The catalog record; an id ending in `@q8`/`@q4`/`@fp16` selects that variant's weights. */
  model: TransformersModel;
  /** Task to run, when not the record's own. */
  task?: string;
  /** Weight format; default the id's variant suffix, else fp32. */
  dtype?: TransformersDtype;
  /** Overrides of the settings read from the environment. */
  settings?: Partial<TransformersSettings>;
  /** Free memory to check the model against; `false` skips the check. Default: this machine. */
  memory?: MemoryAvailability | false;
  onProgress?: (event: ModelProgressEvent) => void;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Turns a library failure during loading into an error that says what to do. */
async function explainLoadFailure(
  error: unknown,
  context: {
    modelId: string;
    repositoryId: string;
    task: string;
    settings: TransformersSettings;
    verify: () => Promise<unknown>;
    /** The folder of a `local:` model, null for hub models. */
    localFolder: string | null;
  },
): Promise<ModelScoutError> {
  if (ModelScoutError.isInstance(error)) return error;
  const message = errorMessage(error);
  if (context.localFolder !== null) return explainLocalLoadFailure(error, message, context);
  const { repositoryId, settings } = context;
  const url = /"(https?:\/\/[^"]+)"/.exec(message)?.[1];
  const name = error instanceof Error ? error.name : "";
  const cacheFolder = join(settings.cacheDirectory, ...repositoryId.split("/"));
  if (/^(?:Unauthorized|Forbidden) access to file/.test(message)) {
    return new ModelScoutError(
      "NOT_FOUND",
      `${settings.remoteHost} refused to send ${context.modelId}${url === undefined ? "" : ` (${url})`}: ${message.replace(/:\s*"[\s\S]*$/, "")}. The Hub answers so for a model that does not exist and for a gated or private one without a token: check the id, or set HF_TOKEN to a token with access to it (the licence accepted on its page); ModelScout sends it to HF_ENDPOINT, so a mirror gets it too.`,
      { cause: error, details: { model: context.modelId, url, remoteHost: settings.remoteHost } },
    );
  }
  if (
    name === "ModelFileNotFoundError" ||
    /could not locate file|file was not found|not found/i.test(message)
  ) {
    if (settings.offline) {
      return new ModelScoutError(
        "NOT_FOUND",
        `${context.modelId} is not in the model cache (${cacheFolder}) and offline mode is on (HF_HUB_OFFLINE or MODELSCOUT_OFFLINE). Run it once with network access to download it, or unset offline mode.`,
        { cause: error, details: { model: context.modelId, cacheFolder } },
      );
    }
    return new ModelScoutError(
      "NOT_FOUND",
      `${context.modelId} was not found on ${settings.remoteHost}${url === undefined ? "" : ` (${url})`}. Check the model id (\`modelscout catalog search\`), its quantised variant, or HF_ENDPOINT.`,
      { cause: error, details: { model: context.modelId, url, remoteHost: settings.remoteHost } },
    );
  }
  if (/unsupported model type|not supported|unknown model class/i.test(message)) {
    return new ModelScoutError(
      "INVALID_ARGUMENT",
      `${context.modelId} cannot run the task ${context.task} with transformers.js (${message}). Run it on the task it was made for (its catalog pipeline tag), or pick a ${context.task} model with \`modelscout catalog search --task ${context.task}\`.`,
      { cause: error, details: { model: context.modelId, task: context.task } },
    );
  }
  if (/occurred while trying to load file/.test(message)) {
    // transformers.js's words for an HTTP error status; the download was retried first.
    const status = message
      .replace(/:\s*"[\s\S]*$/, "")
      .replace(/ (?:error )?occurred while trying to load file$/, "");
    return new ModelScoutError(
      "HUB_REQUEST_FAILED",
      `${settings.remoteHost} did not send ${context.modelId}${url === undefined ? "" : ` (${url})`}: ${status}${/^Bad request/.test(status) ? "" : `, after ${(settings.downloadRetry ?? MODEL_DOWNLOAD_RETRY).maxRetries + 1} tries`}. The server or a proxy before it is failing: try again later, or check HF_ENDPOINT. Files already downloaded are kept.`,
      {
        cause: error,
        isRetryable: true,
        details: { model: context.modelId, url, remoteHost: settings.remoteHost },
      },
    );
  }
  if (/fetch failed|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|network/i.test(message)) {
    return new ModelScoutError(
      "HUB_REQUEST_FAILED",
      `Could not download ${context.modelId} from ${settings.remoteHost} (${message}). Check the network or HF_ENDPOINT (a local mirror: \`modelscout mirror serve\`), or run offline with MODELSCOUT_OFFLINE=1 if the model is cached.`,
      { cause: error, isRetryable: true, details: { model: context.modelId } },
    );
  }
  if (/protobuf|parse|load model|invalid model|onnx/i.test(message)) {
    // Check the files first: a hash mismatch is the more useful explanation.
    try {
      await context.verify();
    } catch (verifyError) {
      if (ModelScoutError.isInstance(verifyError)) return verifyError;
    }
    return new ModelScoutError(
      "MODEL_CORRUPT",
      `ONNX Runtime could not load ${context.modelId} (${message}). The model file is corrupt or not an ONNX model: delete ${cacheFolder} and run again to download it again, or check the file the server publishes.`,
      { cause: error, details: { model: context.modelId, cacheFolder } },
    );
  }
  return new ModelScoutError(
    "BACKEND_REQUEST_FAILED",
    `transformers.js could not load ${context.modelId} for ${context.task}: ${message}`,
    { cause: error, details: { model: context.modelId, task: context.task } },
  );
}

/** The same, for a model read from a folder: the advice is about the folder, not a download. */
function explainLocalLoadFailure(
  error: unknown,
  message: string,
  context: { modelId: string; task: string; localFolder: string | null },
): ModelScoutError {
  const folder = context.localFolder;
  const name = error instanceof Error ? error.name : "";
  if (
    name === "ModelFileNotFoundError" ||
    /could not locate file|file was not found|not found|ENOENT/i.test(message)
  ) {
    return new ModelScoutError(
      "NOT_FOUND",
      `${context.modelId}: a file transformers.js needs is missing from ${folder} (${message}). A local model folder needs config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (or onnx/model_quantized.onnx for @q8, model_q4.onnx for @q4, model_fp16.onnx for @fp16).`,
      { cause: error, details: { model: context.modelId, folder } },
    );
  }
  if (/unsupported model type|not supported|unknown model class/i.test(message)) {
    return new ModelScoutError(
      "INVALID_ARGUMENT",
      `${context.modelId} cannot run the task ${context.task} with transformers.js (${message}). Set pipeline_tag in the folder's README.md front matter to the task the model was made for.`,
      { cause: error, details: { model: context.modelId, task: context.task } },
    );
  }
  if (/protobuf|parse|load model|invalid model|onnx|json/i.test(message)) {
    return new ModelScoutError(
      "MODEL_CORRUPT",
      `transformers.js could not load ${context.modelId} from ${folder} (${message}). A file in the folder is corrupt or not what its name says: export or build the model again.`,
      { cause: error, details: { model: context.modelId, folder } },
    );
  }
  return new ModelScoutError(
    "BACKEND_REQUEST_FAILED",
    `transformers.js could not load ${context.modelId} from ${folder} for ${context.task}: ${message}`,
    { cause: error, details: { model: context.modelId, folder, task: context.task } },
  );
}

interface LoadedPipeline {
  pipe: TransformersPipeline & { dispose?: () => Promise<void> };
  runtime: TransformersRuntime;
  artifact: ModelArtifact;
}

/** Every file under `folder`, `/`-separated, hidden ones left out. */
async function filesInFolder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith("."))
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

let runtimeVersion: PackageVersion | null | undefined;

/** The transformers.js that runs the pipelines, once per process; null if unreadable. */
function transformersRuntimeVersion(): PackageVersion | null {
  if (runtimeVersion === undefined) {
    try {
      runtimeVersion = installedPackageVersion("@huggingface/transformers", "transformers.js");
    } catch {
      runtimeVersion = null;
    }
  }
  return runtimeVersion;
}

export class TransformersBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider = TRANSFORMERS_PROVIDER;
  readonly modelId: string;
  readonly task: TransformersTaskId;
  readonly dtype: TransformersDtype;
  readonly repositoryId: string;
  /** Absolute folder of a `local:` model, loaded in place; null for hub models. */
  readonly localFolder: string | null;
  readonly settings: TransformersSettings;
  private readonly options: TransformersBackendOptions;
  private loading: Promise<LoadedPipeline> | undefined;
  private loaded: LoadedPipeline | undefined;
  /** Files the pipeline being built has read, from its `done` progress events. */
  private filesRead = new Set<string>();

  constructor(options: TransformersBackendOptions) {
    const task = options.task ?? options.model.task;
    if (!isTransformersTask(task)) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `transformers.js cannot run ${options.model.id} on the task "${task ?? "(none)"}". It runs ${Object.keys(TRANSFORMERS_TASKS).join(", ")}.`,
        { details: { model: options.model.id, task } },
      );
    }
    const parsed = parseTransformersModelId(options.model.id);
    this.options = options;
    this.modelId = options.model.id;
    this.task = task;
    this.repositoryId = parsed.repositoryId;
    this.localFolder = isLocalModelId(parsed.repositoryId)
      ? parsed.repositoryId.slice(LOCAL_MODEL_ID_PREFIX.length)
      : null;
    this.dtype = options.dtype ?? parsed.dtype ?? "fp32";
    // biome-ignore lint/plugin/no-spread-then-field: once per backend
    const settings = { ...transformersSettings(), ...options.settings };
    // A folder on disk never needs the network; with remote loading off a missing file
    // fails at once instead of being looked up on the Hub.
    // biome-ignore lint/plugin/no-spread-then-field: once per backend
    this.settings = this.localFolder === null ? settings : { ...settings, offline: true };
  }

  describe(): BackendDescription {
    const labels = this.options.model.extra?.labels;
    return {
      specificationVersion: BACKEND_SPECIFICATION_VERSION,
      provider: this.provider,
      modelId: this.modelId,
      task: this.task,
      local: true,
      dtype: this.dtype,
      ...(Array.isArray(labels) && { labels: labels.map(String) }),
      ...(this.task === "zero-shot-classification" && { candidateLabels: true }),
    };
  }

  async load(options: RunOptions = {}): Promise<LoadResult> {
    options.signal?.throwIfAborted();
    const started = performance.now();
    if (this.loading === undefined) {
      const loading: Promise<LoadedPipeline> = this.loadPipeline().then((loaded) => {
        // Unless unloaded meanwhile.
        if (this.loading === loading) this.loaded = loaded;
        return loaded;
      });
      this.loading = loading;
      // A failed load is not cached: the next call tries again (after a fix or a network blip).
      this.loading.catch(() => {
        this.loading = undefined;
      });
    }
    const { artifact } = await this.loading;
    return { loadMs: performance.now() - started, artifact };
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    const signal = options.signal;
    signal?.throwIfAborted();
    if (inputs.length === 0) return [];
    // Fast path once loaded: no promise hops before the pipeline call, which matters for
    // models that answer in a fraction of a millisecond (bench/backend-overhead.ts).
    let loaded = this.loaded;
    if (loaded === undefined) {
      await this.load(options);
      loaded = await this.loading;
      if (loaded === undefined) throw new Error("transformers.js pipeline vanished while loading");
      signal?.throwIfAborted();
    }
    // ONNX Runtime cannot be interrupted mid-run; an abort takes effect when the batch ends.
    // The isolated runner kills the process instead when it must stop at once.
    const outputs = await TRANSFORMERS_TASKS[this.task].run(loaded.pipe, inputs, loaded.runtime);
    if (signal?.aborted) throw abortError(signal);
    return outputs;
  }

  async unload(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    this.loaded = undefined;
    if (loading === undefined) return;
    const loaded = await loading.catch(() => undefined);
    await loaded?.pipe.dispose?.();
  }

  private emit(event: Omit<ModelProgressEvent, "modelId">): void {
    this.options.onProgress?.({ modelId: this.modelId, ...event });
  }

  private verify(): Promise<VerifiedModelFiles | null> {
    // The user's own files: nothing published to check them against, and a marker file
    // written into their folder would be litter.
    if (this.localFolder !== null) return Promise.resolve(null);
    return verifyModelFiles({
      cacheDirectory: this.settings.cacheDirectory,
      repositoryId: this.repositoryId,
      revision: this.settings.revision,
      remoteHost: this.settings.remoteHost,
      offline: this.settings.offline,
    });
  }

  private async loadPipeline(): Promise<LoadedPipeline> {
    if (this.options.memory !== false && this.options.model.memoryBytes !== undefined) {
      assertMemoryAvailable(
        {
          id: this.modelId,
          params: this.options.model.params ?? null,
          memoryBytes: this.options.model.memoryBytes,
        },
        CATALOG_DTYPE_FOR[this.dtype],
        this.options.memory ?? {},
      );
    }
    const spec = TRANSFORMERS_TASKS[this.task];
    this.filesRead = new Set();
    let pipe: LoadedPipeline["pipe"];
    let readImage: TransformersRuntime["readImage"];
    try {
      ({ pipe, readImage } = await withTransformersSettings(
        this.settings,
        async (library) => {
          const built = await library.pipeline(
            spec.pipeline as "text-classification",
            // An absolute path is not a valid hub id, so the library reads the folder itself.
            this.localFolder ?? this.repositoryId,
            {
              dtype: this.dtype,
              device: "cpu",
              revision: this.settings.revision,
              progress_callback: (info: Record<string, unknown>) => this.forwardProgress(info),
            },
          );
          return {
            pipe: built as unknown as LoadedPipeline["pipe"],
            readImage: (input: string | Blob) => library.RawImage.read(input),
          };
        },
        this.modelId,
      ));
    } catch (error) {
      throw await explainLoadFailure(error, {
        modelId: this.modelId,
        repositoryId: this.repositoryId,
        task: this.task,
        settings: this.settings,
        verify: () => this.verify(),
        localFolder: this.localFolder,
      });
    }
    let artifact: ModelArtifact;
    try {
      const verified = await this.verify();
      if (verified !== null)
        this.emit({ status: "verified", file: `${verified.files.length} files` });
      artifact = await this.artifactOf(verified);
    } catch (error) {
      await pipe.dispose?.();
      throw error;
    }
    const samplingRateHz = (
      pipe as unknown as {
        processor?: { feature_extractor?: { config?: { sampling_rate?: unknown } } };
      }
    ).processor?.feature_extractor?.config?.sampling_rate;
    return {
      pipe,
      runtime: {
        readImage,
        ...(typeof samplingRateHz === "number" && { samplingRateHz }),
      },
      artifact,
    };
  }

  /**
   * What was loaded: the files the pipeline read (every cached file of the repository when
   * the library reported none), with the Hub revision and commit, or the folder.
   */
  private async artifactOf(verified: VerifiedModelFiles | null): Promise<ModelArtifact> {
    const runtime = transformersRuntimeVersion();
    const read = [...this.filesRead];
    if (this.localFolder !== null) {
      const files = await hashLocalModelFiles({
        folder: this.localFolder,
        // A library that reported no file read: every file in the folder, a superset.
        files: read.length > 0 ? read : await filesInFolder(this.localFolder),
        cachePath: join(this.settings.cacheDirectory, LOCAL_HASH_CACHE_FILE),
      });
      return {
        kind: "local-folder",
        folder: this.localFolder,
        dtype: this.dtype,
        files,
        ...(runtime !== null && { runtime }),
      };
    }
    const all = verified?.files ?? [];
    const matched = all.filter((file) => this.filesRead.has(file.path));
    const files = matched.length === 0 ? all : matched;
    return {
      kind: "hub",
      repository: this.repositoryId,
      revision: this.settings.revision,
      ...(verified?.commitSha !== undefined && { commitSha: verified.commitSha }),
      dtype: this.dtype,
      files: files.map(({ path, sizeBytes, sha256 }) => ({ path, sizeBytes, sha256 })),
      ...(runtime !== null && { runtime }),
    };
  }

  private forwardProgress(info: Record<string, unknown>): void {
    const status = info.status;
    if (status === "done" && typeof info.file === "string") this.filesRead.add(info.file);
    if (
      status !== "initiate" &&
      status !== "download" &&
      status !== "progress" &&
      status !== "done" &&
      status !== "ready"
    ) {
      return;
    }
    this.emit({
      status,
      ...(typeof info.file === "string" && { file: info.file }),
      ...(typeof info.loaded === "number" && { loadedBytes: info.loaded }),
      ...(typeof info.total === "number" && { totalBytes: info.total }),
      ...(typeof info.progress === "number" && { percent: info.progress }),
    });
  }
}

/** A transformers.js backend for `options.model`; nothing is loaded until `load` or `doRun`. */
export function createTransformersBackend(
  options: TransformersBackendOptions,
): TransformersBackend {
  return new TransformersBackend(options);
}
