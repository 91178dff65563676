/**
 * @module
 * A model run on this machine that frees its memory when no request has used it for a while
 * and loads again when one does (`server.unload_idle_seconds`, ADR 0099), as Ollama's
 * `keep_alive` does: on a small device a routes config can name more models than stay in
 * memory at once, provided they are not all busy together.
 *
 * What unloading frees is the inner backend's: an isolated model's child process ends; an
 * in-process transformers.js model disposes its ONNX Runtime session; an npm package's model
 * object is dropped (the package's module stays imported: Node.js cannot unload one).
 *
 * A model is never unloaded while a call is in it (a run, or a stream not yet read to its
 * end). The load a request starts is not the request's: the request stops waiting at its own
 * deadline (and the router goes on to the route's next candidate), while the load goes on, so
 * the requests after it find the model loaded. Without that, a route whose timeout is shorter
 * than the model's load would abort every reload and never answer from the model again.
 */
import { untilAborted } from "../backends/cancellation.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
  type TextStream,
  type TextStreamPart,
} from "../backends/model-backend.js";

/** What the backend tells its registry: it was unloaded, loaded again, or failed to load. */
export type IdleUnloadingEvent =
  | { kind: "unloaded" }
  | { kind: "loaded"; result: LoadResult }
  | { kind: "load-failed"; error: unknown };

export class IdleUnloadingBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider: string;
  readonly modelId: string;
  /** How long the model stays loaded after its last call ended, in milliseconds. */
  readonly idleMs: number;
  /** Set by the registry that serves with this backend (a reloaded config's takes it over). */
  onEvent: (event: IdleUnloadingEvent) => void = () => {};
  readonly doStream?: (input: BackendInput, options?: RunOptions) => Promise<TextStream>;
  readonly doHealthCheck?: (options: { timeoutMs: number }) => Promise<void>;

  readonly #inner: ModelBackend;
  #loaded = false;
  #loading: Promise<LoadResult> | undefined;
  #unloading: Promise<void> | undefined;
  #inFlight = 0;
  #lastUsed = performance.now();

  constructor(inner: ModelBackend, idleMs: number) {
    this.#inner = inner;
    this.idleMs = idleMs;
    this.provider = inner.provider;
    this.modelId = inner.modelId;
    const doStream = inner.doStream?.bind(inner);
    if (doStream !== undefined) {
      this.doStream = (input, options) => this.#stream(doStream, input, options);
    }
    const doHealthCheck = inner.doHealthCheck?.bind(inner);
    if (doHealthCheck !== undefined) this.doHealthCheck = doHealthCheck;
  }

  describe(): BackendDescription {
    return this.#inner.describe();
  }

  /** The backend it loads and unloads (an isolated one, say). */
  get inner(): ModelBackend {
    return this.#inner;
  }

  /** Whether the model is loaded now (not unloading, not loading). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * Loads the model, or waits for the load in progress. `options.signal` (the server's
   * start-up) stops the load it starts; a caller that joins a load in progress only stops
   * waiting.
   */
  async load(options: RunOptions = {}): Promise<LoadResult> {
    options.signal?.throwIfAborted();
    if (this.#loaded) return this.#inner.load(options);
    this.#loading ??= this.#startLoad(options.signal);
    return untilAborted(this.#loading, options.signal);
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    this.#inFlight++;
    try {
      if (!this.#loaded) await this.#loadFor(options.signal);
      return await this.#inner.doRun(inputs, options);
    } finally {
      this.#callEnded();
    }
  }

  async #stream(
    doStream: NonNullable<ModelBackend["doStream"]>,
    input: BackendInput,
    options: RunOptions = {},
  ): Promise<TextStream> {
    this.#inFlight++;
    let open = true;
    const ended = () => {
      if (!open) return;
      open = false;
      this.#callEnded();
    };
    try {
      if (!this.#loaded) await this.#loadFor(options.signal);
      return untilEnded(await doStream(input, options), ended);
    } catch (error) {
      ended();
      throw error;
    }
  }

  /**
   * Unloads the model if it is loaded, no call is in it and the last one ended `idleMs` ago
   * or more; returns the unload in progress, or undefined when it stays loaded.
   */
  unloadIfIdle(now: number = performance.now()): Promise<void> | undefined {
    if (!this.#loaded || this.#inFlight > 0 || now - this.#lastUsed < this.idleMs) {
      return undefined;
    }
    this.#loaded = false;
    const unloading = this.#inner
      .unload()
      // An unload that failed frees what it can; the next call loads again either way.
      .catch(() => {})
      .finally(() => {
        if (this.#unloading === unloading) this.#unloading = undefined;
      });
    this.#unloading = unloading;
    this.onEvent({ kind: "unloaded" });
    return unloading;
  }

  /** Unloads the model whatever is in it (the server closing): after a load in progress ends. */
  async unload(): Promise<void> {
    await this.#loading?.catch(() => {});
    await this.#unloading;
    this.#loaded = false;
    await this.#inner.unload();
  }

  /** A call's load: not stopped by the call's deadline, only waited for until it. */
  #loadFor(signal: AbortSignal | undefined): Promise<LoadResult> {
    this.#loading ??= this.#startLoad(undefined);
    return untilAborted(this.#loading, signal);
  }

  #startLoad(signal: AbortSignal | undefined): Promise<LoadResult> {
    const loading = (this.#unloading ?? Promise.resolve())
      .then(() => this.#inner.load(signal === undefined ? {} : { signal }))
      .then(
        (result) => {
          this.#loaded = true;
          this.#loading = undefined;
          // Its idle time starts now, not when the last call before the unload ended.
          this.#lastUsed = performance.now();
          this.onEvent({ kind: "loaded", result });
          return result;
        },
        (error: unknown) => {
          this.#loading = undefined;
          this.onEvent({ kind: "load-failed", error });
          throw error;
        },
      );
    // Callers that stopped waiting leave nobody to take a failure: it is reported above.
    loading.catch(() => {});
    return loading;
  }

  #callEnded(): void {
    this.#inFlight--;
    this.#lastUsed = performance.now();
  }
}

/** `stream`, calling `ended` once when it is read to its end, fails, or its reader stops. */
function untilEnded(stream: TextStream, ended: () => void): TextStream {
  return {
    [Symbol.asyncIterator](): AsyncIterator<TextStreamPart> {
      const iterator = stream[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const result = await iterator.next();
            if (result.done === true) ended();
            return result;
          } catch (error) {
            ended();
            throw error;
          }
        },
        async return(value?: unknown) {
          ended();
          return (await iterator.return?.(value)) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
