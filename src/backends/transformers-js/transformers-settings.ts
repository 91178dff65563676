/**
 * @module
 * The one place transformers.js is configured from ModelScout's settings: where models come
 * from (`HF_ENDPOINT`, default the Hub), where they are cached (`MODELSCOUT_HOME/models`) and
 * whether downloads are allowed (`HF_HUB_OFFLINE=1` or `MODELSCOUT_OFFLINE=1` forbid them).
 *
 * transformers.js keeps these in a process-wide `env` object, so two backends with different
 * settings in one process would race while their pipelines load. `withTransformersSettings`
 * serialises the "configure, then build the pipeline" step; once built, a pipeline keeps its
 * loaded sessions and never reads `env` again while running.
 */

import { join } from "node:path";
import { modelscoutHome } from "../../config/modelscout-home.js";
import type { HttpRetryPolicy } from "../../http/fetch-with-retry.js";
import { hubEndpoint, hubToken } from "../../hub/hub-endpoint.js";
import { hubOffline } from "../../hub/hub-offline.js";
import { optionalImportFailure } from "../npm/import-optional-package.js";
import { retryingModelFetch } from "./retrying-model-fetch.js";

export interface TransformersSettings {
  /** Base URL serving `/{repo}/resolve/{revision}/{file}`, with a trailing slash. */
  remoteHost: string;
  /** Where downloaded model files are kept: `{cacheDirectory}/{owner}/{name}/...`. */
  cacheDirectory: string;
  /** True when nothing may be downloaded: only cached files are used. */
  offline: boolean;
  /** Git revision to download (`main`). */
  revision: string;
  /** Retries of a download's passing failure; default `MODEL_DOWNLOAD_RETRY` (ADR 0077). */
  downloadRetry?: HttpRetryPolicy;
}

/** Settings from environment variables, as the Hub's own clients read them. */
export function transformersSettings(env: NodeJS.ProcessEnv = process.env): TransformersSettings {
  return {
    remoteHost: `${hubEndpoint(env)}/`,
    cacheDirectory: join(modelscoutHome(env), "models"),
    offline: hubOffline(env),
    revision: "main",
  };
}

type TransformersModule = typeof import("@huggingface/transformers");

/** transformers.js, an optional dependency (ADR 0098). */
export const TRANSFORMERS_PACKAGE = "@huggingface/transformers";

let transformersModule: Promise<TransformersModule> | undefined;

/**
 * The library, imported on first use: it loads ONNX Runtime's native addon, which costs
 * hundreds of milliseconds and memory that commands not running models should not pay. It is
 * an optional dependency (ADR 0098: with it, an `--omit=optional` install took 530.0 MB, without
 * it 64.5 MB), so a lean install has none: then `modelId`'s load fails with
 * `BACKEND_UNAVAILABLE`, naming the package to install, and the next load tries again.
 */
export async function importTransformers(modelId: string): Promise<TransformersModule> {
  transformersModule ??= import(TRANSFORMERS_PACKAGE) as Promise<TransformersModule>;
  try {
    return await transformersModule;
  } catch (error) {
    transformersModule = undefined;
    throw optionalImportFailure(error, TRANSFORMERS_PACKAGE, modelId);
  }
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Applies `settings` to transformers.js's global `env` and runs `work` before any other
 * backend may change them. The local model folder is pointed at the cache (same layout for
 * the `main` revision) instead of its default inside node_modules, so a model id always
 * means the cache or the remote host, and offline mode can read the cache through it (the
 * library refuses to run with both local and remote loading off).
 */
export function withTransformersSettings<T>(
  settings: TransformersSettings,
  work: (library: TransformersModule) => Promise<T>,
  /** The model that needs the library, for the error when it is not installed. */
  modelId = "An ONNX model",
): Promise<T> {
  const run = queue.then(async () => {
    const library = await importTransformers(modelId);
    const { env } = library;
    env.remoteHost = settings.remoteHost;
    env.remotePathTemplate = "{model}/resolve/{revision}/";
    env.cacheDir = settings.cacheDirectory;
    env.useFSCache = true;
    env.useBrowserCache = false;
    env.allowLocalModels = true;
    env.localModelPath = settings.cacheDirectory;
    env.allowRemoteModels = !settings.offline;
    env.fetch = retryingModelFetch({
      tokenOrigin: new URL(settings.remoteHost).origin,
      token: () => hubToken(),
      ...(settings.downloadRetry !== undefined && { policy: settings.downloadRetry }),
    });
    return work(library);
  });
  queue = run.catch(() => undefined);
  return run;
}
