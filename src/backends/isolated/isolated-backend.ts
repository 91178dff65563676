/**
 * @module
 * Runs any backend's model work in a child process, with a timeout per call, so a model that
 * hangs, crashes or runs out of memory is stopped and reported as failed while ModelScout
 * keeps running and can go on to the next model.
 *
 * A child process, not a worker thread: ONNX Runtime works in `worker_threads`, but a native
 * crash (or `abort()`) in a worker takes the whole process down, a worker cannot be stopped
 * in the middle of a native call except by ending the process, and a worker's memory is the
 * process's memory, so its peak could not be measured per model. A child process costs
 * ~100-300 ms to start, once per model load.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ModelScoutError, type ModelScoutErrorCode } from "../../errors/modelscout-error.js";
import { clearRequestTimer } from "../../http/request-timers.js";
import { modelArtifactSchema } from "../model-artifact.js";
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type LoadResult,
  type ModelBackend,
  type RunOptions,
} from "../model-backend.js";
import {
  type BackendFactorySpec,
  type ChildMessage,
  moduleBeside,
  type ParentMessage,
  type ProcessMemory,
  type SerializedError,
} from "./isolated-protocol.js";

export const DEFAULT_RUN_TIMEOUT_MS = 60_000;
/** Loading includes downloading the weights, which can take minutes on a slow link. */
export const DEFAULT_LOAD_TIMEOUT_MS = 10 * 60_000;
const STDERR_TAIL_CHARACTERS = 2000;

export interface IsolatedBackendOptions {
  /** How the child process builds the real backend. */
  factory: BackendFactorySpec;
  /** What `describe()` answers (the child is not asked, so `describe` stays synchronous). */
  description: BackendDescription;
  /** Longest one `doRun` may take before the child is killed. */
  runTimeoutMs?: number;
  /** Longest starting the child and loading the model may take. */
  loadTimeoutMs?: number;
  /** Progress events the child's backend reports (downloads). */
  onProgress?: (event: unknown) => void;
  /** Environment of the child; default this process's. */
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Node's own loader hook for TypeScript, when this module runs from source. */
function childExecArgv(childUrl: string): string[] {
  if (!childUrl.endsWith(".ts")) return [];
  const loader = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(loader).href];
}

function deserializeError(error: SerializedError): Error {
  if (error.code !== undefined) {
    return new ModelScoutError(error.code as ModelScoutErrorCode, error.message, {
      isRetryable: error.isRetryable ?? false,
      details: error.details ?? {},
    });
  }
  const result = new Error(error.message);
  result.name = error.name;
  if (error.stack !== undefined) result.stack = error.stack;
  return result;
}

export class IsolatedBackend implements ModelBackend {
  readonly specificationVersion = BACKEND_SPECIFICATION_VERSION;
  readonly provider: string;
  readonly modelId: string;
  private readonly options: IsolatedBackendOptions;
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = "";
  private lastMemory: ProcessMemory | null = null;

  constructor(options: IsolatedBackendOptions) {
    this.options = options;
    this.provider = options.description.provider;
    this.modelId = options.description.modelId;
  }

  describe(): BackendDescription {
    return { ...this.options.description };
  }

  async load(options: RunOptions = {}): Promise<LoadResult> {
    options.signal?.throwIfAborted();
    const timeoutMs = this.options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
    const started = performance.now();
    const loaded = (await this.call(
      { type: "load" },
      timeoutMs,
      "load",
      options.signal,
    )) as LoadResult | null;
    // Wall-clock time as the caller sees it, including starting the child on a cold load.
    const loadMs = performance.now() - started;
    const artifact = loaded?.artifact;
    if (artifact === undefined) return { loadMs };
    // The child's factory may be anyone's module: what it says it loaded is checked here,
    // before a decision records it.
    const parsed = modelArtifactSchema.safeParse(artifact);
    if (!parsed.success) {
      throw new ModelScoutError(
        "BACKEND_RESPONSE_INVALID",
        `${this.modelId}: the backend in the child process reported a malformed artifact (${parsed.error.issues[0]?.message ?? "invalid"} at ${parsed.error.issues[0]?.path.join(".") ?? "?"}); fix its load() result.`,
        { details: { model: this.modelId } },
      );
    }
    return { loadMs, artifact: parsed.data };
  }

  async doRun(inputs: readonly BackendInput[], options: RunOptions = {}): Promise<BackendOutput[]> {
    options.signal?.throwIfAborted();
    if (inputs.length === 0) return [];
    if (this.child === undefined) await this.load(options);
    const timeoutMs = this.options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    return (await this.call(
      { type: "run", inputs },
      timeoutMs,
      "run",
      options.signal,
    )) as BackendOutput[];
  }

  /** Unloads the model and ends the child process, which frees everything it took. */
  async unload(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    try {
      await this.call({ type: "unload" }, 10_000, "unload");
    } catch {
      // Ending the process below frees the model whatever went wrong.
    }
    await this.stopChild(child);
  }

  /**
   * The child's current and peak resident memory: the model's real footprint, since the
   * child holds nothing else. After a kill, the last figure read; null if never read.
   */
  async memory(): Promise<ProcessMemory | null> {
    if (this.child === undefined) return this.lastMemory;
    this.lastMemory = (await this.call({ type: "memory" }, 10_000, "memory")) as ProcessMemory;
    return this.lastMemory;
  }

  /** The running child's process id, for tests and diagnostics. */
  get processId(): number | undefined {
    return this.child?.pid;
  }

  private async call(
    message: { type: ParentMessage["type"] } & Partial<
      Pick<Extract<ParentMessage, { type: "run" }>, "inputs">
    >,
    timeoutMs: number,
    what: string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    const child = await this.withDeadline(this.ensureChild(), deadline, what, signal);
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    child.ref();
    // The id first: a spread and then a new field costs a hidden class per call (ADR 0030).
    child.send({ id, ...message } as ParentMessage);
    try {
      return await this.withDeadline(reply, deadline, what, signal);
    } finally {
      this.pending.delete(id);
      if (this.pending.size === 0) this.child?.unref();
    }
  }

  /** Waits for `work`; past the deadline or on abort the child is killed, as nothing else stops a native call. */
  private withDeadline<T>(
    work: Promise<T>,
    deadline: number,
    what: string,
    signal?: AbortSignal,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const remainingMs = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => {
        cleanup();
        const seconds = (remainingMs / 1000).toFixed(remainingMs < 10_000 ? 1 : 0);
        this.kill();
        reject(
          new ModelScoutError(
            "BACKEND_TIMEOUT",
            `${this.modelId} did not finish ${what} within ${seconds} s and was stopped. The model may hang on this input or be too slow for this machine; raise the timeout or pick a smaller model.`,
            {
              isRetryable: false,
              details: { model: this.modelId, operation: what, timeoutMs: remainingMs },
            },
          ),
        );
      }, remainingMs);
      const onAbort = () => {
        cleanup();
        this.kill();
        reject(signal?.reason ?? new DOMException("The operation was aborted.", "AbortError"));
      };
      const cleanup = () => {
        clearRequestTimer(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      work.then(
        (value) => {
          cleanup();
          resolve(value);
        },
        (error: unknown) => {
          cleanup();
          reject(error);
        },
      );
    });
  }

  private ensureChild(): Promise<ChildProcess> {
    if (this.child !== undefined) return Promise.resolve(this.child);
    this.starting ??= this.startChild().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startChild(): Promise<ChildProcess> {
    const childUrl = moduleBeside("isolated-child", import.meta.url);
    this.stderrTail = "";
    const child = fork(fileURLToPath(childUrl), [], {
      execArgv: childExecArgv(childUrl),
      serialization: "advanced",
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: this.options.env ?? process.env,
    });
    this.child = child;
    // Model libraries print warnings; keep them off our stdout (which may carry --json) and
    // keep the tail of stderr to explain a crash.
    child.stdout?.resume();
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARACTERS);
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: ChildMessage) => {
        if (message.type === "ready") resolve();
        else this.onMessage(message);
      });
      child.on("error", reject);
      child.on("exit", (code, signal) => {
        reject(this.crashError(code, signal));
        this.onExit(child, code, signal);
      });
    });
    await ready;
    const id = this.nextId++;
    const created = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    child.send({ id, type: "create", factory: this.options.factory } satisfies ParentMessage);
    try {
      await created;
    } finally {
      this.pending.delete(id);
    }
    return child;
  }

  private onMessage(message: ChildMessage): void {
    if (message.type === "progress") {
      this.options.onProgress?.(message.event);
      return;
    }
    if (message.type === "ready") return;
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    if (message.type === "result") pending.resolve(message.value);
    else pending.reject(deserializeError(message.error));
  }

  private crashError(code: number | null, signal: NodeJS.Signals | null): ModelScoutError {
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`;
    const tail = this.stderrTail.trim();
    return new ModelScoutError(
      "BACKEND_CRASHED",
      `The process running ${this.modelId} crashed (${how}); the model is marked failed and ModelScout carries on. Run it alone to see its output, or pick another model.${tail === "" ? "" : ` Last output: ${tail.slice(-500)}`}`,
      { details: { model: this.modelId, exitCode: code, signal, stderr: tail } },
    );
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = undefined;
    const error = this.crashError(code, signal);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  private kill(): void {
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    child.kill("SIGKILL");
  }

  private async stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (this.child === child) this.child = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export function createIsolatedBackend(options: IsolatedBackendOptions): IsolatedBackend {
  return new IsolatedBackend(options);
}
