/**
 * A deliberately badly behaved backend for isolation tests, built inside the child process
 * from plain options: it echoes text as labels, and hangs, aborts the process, throws or
 * allocates memory when told to by its options or by an input.
 */
import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendDescription,
  type BackendInput,
  type BackendOutput,
  type ModelArtifact,
  type ModelBackend,
} from "../../../src/backends/model-backend.js";
import { ModelScoutError } from "../../../src/errors/modelscout-error.js";

export interface MisbehavingBackendOptions {
  modelId: string;
  /** What `load` does. */
  onLoad?: "ok" | "hang" | "abort" | "throw";
  /** Bytes to allocate and keep while loaded (to move the peak RSS). */
  allocateBytes?: number;
  /** What `load` reports it loaded, as given (well-formed or not). */
  artifact?: unknown;
}

export const MISBEHAVING_DESCRIPTION = (modelId: string): BackendDescription => ({
  specificationVersion: BACKEND_SPECIFICATION_VERSION,
  provider: "misbehaving",
  modelId,
  task: "text-classification",
  local: true,
});

export function createMisbehavingBackend(options: MisbehavingBackendOptions): ModelBackend {
  let loaded = false;
  let ballast: Buffer | undefined;
  const load = async () => {
    if (options.onLoad === "hang") for (;;) {}
    if (options.onLoad === "abort") process.abort();
    if (options.onLoad === "throw") {
      throw new ModelScoutError("MODEL_CORRUPT", `${options.modelId}: refusing to load`, {
        details: { model: options.modelId },
      });
    }
    if (options.allocateBytes !== undefined && ballast === undefined) {
      ballast = Buffer.alloc(options.allocateBytes, 1);
    }
    loaded = true;
    return options.artifact === undefined
      ? { loadMs: 0 }
      : { loadMs: 0, artifact: options.artifact as ModelArtifact };
  };
  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    provider: "misbehaving",
    modelId: options.modelId,
    describe: () => MISBEHAVING_DESCRIPTION(options.modelId),
    load,
    async doRun(inputs: readonly BackendInput[]): Promise<BackendOutput[]> {
      if (!loaded) await load();
      return inputs.map((input) => {
        const text = typeof input === "string" ? input : "";
        // Busy loop, not a timer: a hang in native code does not yield to the event loop either.
        if (text === "hang") for (;;) {}
        if (text === "abort") process.abort();
        if (text === "exit") process.exit(3);
        if (text === "throw") throw new TypeError("bad input");
        return { kind: "labels", labels: [{ label: text.toUpperCase(), score: 1 }] };
      });
    },
    async unload() {
      loaded = false;
      ballast = undefined;
    },
  };
}
