/**
 * @module
 * The models a routes config can call, by id, each as one `ModelBackend` shared by every
 * route that names it. Resolution order: a backend the caller built in code; a model
 * declared in the config's `models` (echo, hashed n-grams, an OpenAI-compatible or Hugging
 * Face endpoint, or a catalog id with run options); an npm-packaged model ModelScout ships
 * an adapter for; any other catalog model (looked up through the caller's catalog).
 *
 * Models that run inside this process's address space with native or WebAssembly code (npm
 * packages, transformers.js) run in a child process by default (`backends/isolated/`), so
 * a crash or a hang kills the child, not the server; `isolateModels: false` (`serve --edge`)
 * runs them in this process, where each saves a Node.js process's memory (ADR 0098). HTTP
 * backends are created with their own retries off: the router owns timeouts, retries and
 * fallbacks, and retrying twice in two layers would multiply waits. Providers are imported when a model needs them, so a
 * config of echo and endpoint models does not load ONNX Runtime into the server.
 */
import { createEchoBackend } from "../backends/builtin/echo-backend.js";
import { createHashedNgramEmbeddingBackend } from "../backends/builtin/hashed-ngram-embedding-backend.js";
import type { BackendProvider, ModelBackend } from "../backends/model-backend.js";
import { type ModelRecord, toModelRecord } from "../catalog/model-record.js";
import { NPM_MODELS } from "../catalog/sources/npm-models.js";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { resolveTask } from "../tasks/resolve-task.js";
import { closestMatch } from "../text/closest-match.js";
import { IdleUnloadingBackend } from "./idle-unloading-backend.js";
import { declaredPrice, type ModelPrice } from "./model-price.js";
import type { ModelDeclaration } from "./routes-config.js";

/** Child processes are stopped by the router's per-attempt deadline; this is only a backstop. */
const ISOLATED_RUN_BACKSTOP_MS = 10 * 60_000;
/** An endpoint request that nothing else bounds (the router always passes a deadline). */
const HTTP_BACKSTOP_MS = 10 * 60_000;
/** How much longer than the router's deadline an endpoint backend's own timeout is. */
const HTTP_DEADLINE_MARGIN_MS = 1000;

export interface ModelRegistryOptions {
  declarations: readonly ModelDeclaration[];
  /** Looks up catalog models that are neither declared nor npm-packaged (e.g. `CatalogStore.getModel`). */
  lookupModel?: (id: string) => Promise<ModelRecord | null>;
  /** The folder relative `local:` ids are read from (`RoutesConfig.directory`); default: the working directory. */
  baseDirectory?: string;
  /** Backends built in code, by model id; they win over everything else. */
  backends?: ReadonlyMap<string, ModelBackend>;
  /** Where endpoint API keys are read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /**
   * The longest deadline any route gives a model. An endpoint backend's own timeout is set
   * just above it: the router's deadline decides, and the backend's timer (one per request)
   * does not outlive the request by minutes.
   */
  deadlineMsFor?: (id: string) => number | undefined;
  /**
   * Whether catalog models (npm packages, transformers.js) run in a child process when their
   * declaration does not say (`isolated`). Default true; `modelscout serve --edge` runs them
   * in this process (ADR 0098).
   */
  isolateModels?: boolean;
  /**
   * How long a catalog model (npm package, transformers.js) stays loaded after its last call,
   * in milliseconds, unless its declaration says (`unload_idle_seconds`); then it is unloaded
   * and loads again on its next call (ADR 0099). 0 or absent: models stay loaded.
   */
  unloadIdleMs?: number;
  /**
   * The registry of the config this one replaces (a reload): a model it loaded whose
   * declaration and deadline are unchanged is taken over as it is, loaded, not built again.
   */
  previous?: ModelRegistry;
}

export interface ModelLoadStatus {
  loaded: boolean;
  loadMs: number | null;
  error: string | null;
  /**
   * When the model was unloaded for being idle (ISO 8601), while it stays so; its next call
   * loads it again (`server.unload_idle_seconds`, ADR 0099).
   */
  idleSince?: string;
}

/** How often idle models are looked for, at most and at least. */
const IDLE_SWEEP_MIN_MS = 100;
const IDLE_SWEEP_MAX_MS = 30_000;

/**
 * A `local:` id's record, read from its folder (a relative one from `baseDirectory`); null
 * for any other id.
 */
async function localFolderRecord(id: string, baseDirectory?: string): Promise<ModelRecord | null> {
  const local = await import("../catalog/sources/local-models.js");
  if (!local.isLocalModelId(id)) return null;
  return local.localModelRecordForId(id, {
    ...(baseDirectory !== undefined && { baseDirectory }),
  });
}

export class ModelRegistry {
  readonly #options: ModelRegistryOptions;
  readonly #declared: Map<string, ModelDeclaration>;
  readonly #backends = new Map<string, ModelBackend>();
  readonly #status = new Map<string, ModelLoadStatus>();
  /** Backends this registry shares with the one it replaces (what `discard` leaves loaded). */
  readonly #shared = new Set<ModelBackend>();
  /** The registry it replaces, while they share backends (a discard hands them back). */
  #sharedWith: ModelRegistry | undefined;
  /** Until `prepare` is done: kept no longer, so that reloads do not chain registries. */
  #previous: ModelRegistry | undefined;
  #httpProvider: Promise<BackendProvider> | undefined;
  #idleSweep: NodeJS.Timeout | undefined;
  /** Told of each status an idle-unloading model's unload or load gives it (the router's listeners). */
  onStatusChange: (id: string, status: ModelLoadStatus) => void = () => {};

  get #isolateByDefault(): boolean {
    return this.#options.isolateModels !== false;
  }

  constructor(options: ModelRegistryOptions) {
    const { previous, ...rest } = options;
    this.#options = rest;
    this.#previous = previous;
    this.#declared = new Map(options.declarations.map((model) => [model.id, model]));
  }

  #http(): Promise<BackendProvider> {
    const options = this.#options;
    this.#httpProvider ??= import("../backends/http/http-backend-provider.js").then((module) =>
      // biome-ignore lint/plugin/no-spread-then-field: once per registry
      module.createHttpBackendProvider({
        ...(options.env !== undefined && { env: options.env }),
        ...(options.fetch !== undefined && { fetch: options.fetch }),
        timeoutMs: HTTP_BACKSTOP_MS,
        retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0 },
      }),
    );
    return this.#httpProvider;
  }

  /**
   * Builds (without loading) the backend of every id it can; returns, by id, why each of the
   * others cannot be built (no such model: NOT_FOUND's message). Other failures throw.
   */
  async prepare(ids: Iterable<string>): Promise<Map<string, string>> {
    const previous = this.#previous;
    const unknown = new Map<string, string>();
    try {
      for (const id of ids) {
        if (this.#backends.has(id)) continue;
        const kept =
          previous === undefined
            ? undefined
            : previous.#handOver(
                id,
                this.#declared.get(id),
                this.#options.deadlineMsFor?.(id),
                this.#idleMsFor(id),
              );
        if (kept !== undefined) {
          this.#backends.set(id, kept.backend);
          this.#status.set(id, kept.status);
          this.#watchIdle(id, kept.backend);
          continue;
        }
        let backend: ModelBackend;
        try {
          backend = await this.#create(id);
        } catch (error) {
          if (!(error instanceof ModelScoutError) || error.code !== "NOT_FOUND") throw error;
          unknown.set(id, error.message);
          continue;
        }
        this.#backends.set(id, backend);
        this.#status.set(id, { loaded: false, loadMs: null, error: null });
        this.#watchIdle(id, backend);
      }
    } finally {
      // A backend built in code is the previous registry's too, taken over or not.
      if (previous !== undefined) {
        const theirs = new Set(previous.#backends.values());
        for (const backend of this.#backends.values()) {
          if (theirs.has(backend)) this.#shared.add(backend);
        }
        if (this.#shared.size > 0) this.#sharedWith = previous;
      }
      this.#previous = undefined;
    }
    this.#startIdleSweep();
    return unknown;
  }

  /** Keeps `id`'s status as an idle-unloading backend unloads and loads again. */
  #watchIdle(id: string, backend: ModelBackend): void {
    if (!(backend instanceof IdleUnloadingBackend)) return;
    backend.onEvent = (event) => {
      if (this.#backends.get(id) !== backend) return;
      const status: ModelLoadStatus =
        event.kind === "unloaded"
          ? { loaded: false, loadMs: null, error: null, idleSince: new Date().toISOString() }
          : event.kind === "loaded"
            ? { loaded: true, loadMs: event.result.loadMs, error: null }
            : { loaded: false, loadMs: null, error: errorMessage(event.error) };
      this.#status.set(id, status);
      this.onStatusChange(id, status);
    };
  }

  /** Looks for idle models a few times per the shortest idle time (unref'd: never keeps the process up). */
  #startIdleSweep(): void {
    clearInterval(this.#idleSweep);
    const idle = [...this.#backends.values()].filter(
      (backend): backend is IdleUnloadingBackend => backend instanceof IdleUnloadingBackend,
    );
    if (idle.length === 0) return;
    const shortest = Math.min(...idle.map((backend) => backend.idleMs));
    const everyMs = Math.min(IDLE_SWEEP_MAX_MS, Math.max(IDLE_SWEEP_MIN_MS, shortest / 4));
    this.#idleSweep = setInterval(() => {
      const now = performance.now();
      for (const backend of idle) backend.unloadIfIdle(now);
    }, everyMs);
    this.#idleSweep.unref();
  }

  /** How long `id` stays loaded after its last call (0: always), as declared or by default. */
  #idleMsFor(id: string): number {
    const declaration = this.#declared.get(id);
    if (declaration?.kind === "catalog" && declaration.unload_idle_seconds !== undefined) {
      return declaration.unload_idle_seconds * 1000;
    }
    return this.#options.unloadIdleMs ?? 0;
  }

  /**
   * This registry's loaded backend of `id`, if the successor declares it the same way with the
   * same deadline (an endpoint backend's own timeout is set from it when built); its `price`
   * is not the backend's, and a new price keeps the backend. A backend
   * built in code is the caller's and is the same object in both anyway.
   */
  #handOver(
    id: string,
    declaration: ModelDeclaration | undefined,
    deadlineMs: number | undefined,
    idleMs: number,
  ): { backend: ModelBackend; status: ModelLoadStatus } | undefined {
    const backend = this.#backends.get(id);
    const status = this.#status.get(id);
    if (backend === undefined || status?.loaded !== true) return undefined;
    if (this.#options.deadlineMsFor?.(id) !== deadlineMs) return undefined;
    if (this.#idleMsFor(id) !== idleMs) return undefined;
    if (backendJson(this.#declared.get(id)) !== backendJson(declaration)) return undefined;
    return { backend, status };
  }

  /** The price the config declares for `id` (`price`), for the cost of its answers. */
  priceOf(id: string): ModelPrice | undefined {
    return declaredPrice(this.#declared.get(id));
  }

  /** The backend of a prepared id, or undefined. */
  get(id: string): ModelBackend | undefined {
    return this.#backends.get(id);
  }

  /** Like `get`, for ids the router knows are prepared. */
  require(id: string): ModelBackend {
    const backend = this.#backends.get(id);
    if (backend === undefined) {
      throw new ModelScoutError("NOT_FOUND", `Model ${id} is not among the configured models.`, {
        details: { model: id },
      });
    }
    return backend;
  }

  /** The longest deadline a route gives `id`, if any. */
  deadlineMs(id: string): number | undefined {
    return this.#options.deadlineMsFor?.(id);
  }

  ids(): string[] {
    return [...this.#backends.keys()];
  }

  /**
   * Loads every model not loaded yet (one taken over from a previous registry is), one at a
   * time (this machine may have two cores); failures are kept, not thrown.
   */
  async loadAll(signal?: AbortSignal): Promise<Map<string, ModelLoadStatus>> {
    for (const [id, backend] of this.#backends) {
      if (this.#status.get(id)?.loaded === true) continue;
      try {
        const { loadMs } = await backend.load(signal === undefined ? {} : { signal });
        this.#status.set(id, { loaded: true, loadMs, error: null });
      } catch (error) {
        signal?.throwIfAborted();
        this.#status.set(id, {
          loaded: false,
          loadMs: null,
          error: errorMessage(error),
        });
      }
    }
    return this.status();
  }

  status(): Map<string, ModelLoadStatus> {
    return new Map(this.#status);
  }

  /**
   * Unloads everything (ends isolated child processes), but for the backends `successor` (the
   * registry of a reloaded config) took over.
   */
  async close(successor?: ModelRegistry): Promise<void> {
    clearInterval(this.#idleSweep);
    // The successor serves on: it has nothing to hand back, and keeps no chain of registries.
    if (successor !== undefined) successor.#sharedWith = undefined;
    await this.#unloadAllBut(new Set(successor === undefined ? [] : successor.#backends.values()));
  }

  /**
   * Unloads what this registry built itself, leaving what it shares with `previous` to the
   * registry still serving with it (a reload that failed).
   */
  async discard(): Promise<void> {
    clearInterval(this.#idleSweep);
    const previous = this.#sharedWith;
    if (previous !== undefined) {
      for (const [id, backend] of this.#backends) {
        if (this.#shared.has(backend)) previous.#watchIdle(id, backend);
      }
    }
    await this.#unloadAllBut(this.#shared);
  }

  async #unloadAllBut(kept: ReadonlySet<ModelBackend>): Promise<void> {
    await Promise.allSettled(
      [...this.#backends.values()]
        .filter((backend) => !kept.has(backend))
        .map((backend) => backend.unload()),
    );
  }

  /** The ids of this registry's backends that `successor` took over (the same objects). */
  handedOverTo(successor: ModelRegistry): string[] {
    return this.ids().filter((id) => successor.#backends.get(id) === this.#backends.get(id));
  }

  async #create(id: string): Promise<ModelBackend> {
    const built = this.#options.backends?.get(id);
    if (built !== undefined) return built;
    const declaration = this.#declared.get(id);
    if (declaration !== undefined) {
      switch (declaration.kind) {
        case "echo":
          return createEchoBackend({
            modelId: id,
            ...(declaration.template !== undefined && { template: declaration.template }),
          });
        case "hashed-ngrams":
          return createHashedNgramEmbeddingBackend({
            modelId: id,
            ...(declaration.dimensions !== undefined && { dimensions: declaration.dimensions }),
          });
        case "openai":
        case "hf-inference": {
          const { endpointModelRecord } = await import("../backends/http/endpoint-model-record.js");
          const deadlineMs = this.#options.deadlineMsFor?.(id);
          return (await this.#http()).create(
            endpointModelRecord({
              id,
              protocol: declaration.kind,
              task: resolveTask(declaration.task),
              apiModel: declaration.api_model,
              ...(declaration.base_url !== undefined && { baseUrl: declaration.base_url }),
              ...(declaration.api_key_env !== undefined && { apiKeyEnv: declaration.api_key_env }),
              ...(declaration.labels !== undefined && { labels: declaration.labels }),
              ...(declaration.max_tokens !== undefined && { maxTokens: declaration.max_tokens }),
              ...(declaration.temperature !== undefined && {
                temperature: declaration.temperature,
              }),
              ...(declaration.vision !== undefined && { vision: declaration.vision }),
              ...(declaration.kind === "openai" &&
                declaration.raw_completions !== undefined && {
                  rawCompletions: declaration.raw_completions,
                }),
              ...(deadlineMs !== undefined && { timeoutMs: deadlineMs + HTTP_DEADLINE_MARGIN_MS }),
              ...(declaration.kind === "hf-inference" &&
                declaration.inference_provider !== undefined && {
                  inferenceProvider: declaration.inference_provider,
                }),
            }),
          );
        }
        case "catalog":
          return this.#fromCatalog(id, declaration.isolated ?? this.#isolateByDefault);
      }
    }
    return this.#fromCatalog(id, this.#isolateByDefault);
  }

  async #fromCatalog(id: string, isolated: boolean): Promise<ModelBackend> {
    const packaged = NPM_MODELS.find((model) => model.id === id);
    const record =
      packaged !== undefined
        ? toModelRecord(packaged)
        : // A `local:` folder is the model: read it, not the catalog.
          ((await localFolderRecord(id, this.#options.baseDirectory)) ??
          (await this.#options.lookupModel?.(id)) ??
          null);
    if (record === null) {
      // Most often a typo of a model the config declares a few lines away.
      const declared = closestMatch(id, this.#declared.keys());
      const packagedMatch =
        declared === undefined
          ? closestMatch(
              id,
              NPM_MODELS.map((model) => model.id),
            )
          : undefined;
      const suggestion =
        declared !== undefined
          ? ` Did you mean "${declared}" (declared in models)?`
          : packagedMatch !== undefined
            ? ` Did you mean "${packagedMatch}"?`
            : "";
      throw new ModelScoutError(
        "NOT_FOUND",
        `Model "${id}" is neither declared in the routes config's models nor in the catalog.${suggestion} Declare it (kind echo, openai, hf-inference, hashed-ngrams) or use a catalog id such as npm:vader-sentiment (see \`modelscout catalog search\`).`,
        { details: { model: id } },
      );
    }
    const [{ createBackend }, { isolatedProvider }, { npmBackendProvider }, transformers] =
      await Promise.all([
        import("../backends/create-backend.js"),
        import("../backends/isolated/isolated-provider.js"),
        import("../backends/npm/npm-backend-provider.js"),
        import("../backends/transformers-js/transformers-backend-provider.js"),
      ]);
    const runHere = [npmBackendProvider, transformers.transformersBackendProvider];
    const local = runHere.map((provider) =>
      isolated ? isolatedProvider(provider, { runTimeoutMs: ISOLATED_RUN_BACKSTOP_MS }) : provider,
    );
    const backend = createBackend(record, [...local, await this.#http()]);
    // Only a model run on this machine holds memory here worth freeing (not one behind a server).
    const idleMs = this.#idleMsFor(id);
    const runsHere = runHere.some((provider) => provider.provider === backend.provider);
    return idleMs > 0 && runsHere ? new IdleUnloadingBackend(backend, idleMs) : backend;
  }
}

/** A declaration as JSON without what the backend does not read (`price`). */
function backendJson(declaration: ModelDeclaration | undefined): string | undefined {
  if (declaration === undefined || !("price" in declaration)) return JSON.stringify(declaration);
  const { price: _price, ...rest } = declaration;
  return JSON.stringify(rest);
}
