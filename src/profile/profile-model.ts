/**
 * @module
 * Measures a model on this machine: cold load time, warm latency per batch and per item
 * (p50/p95), throughput, and peak memory. Run with a fresh backend so the first load is
 * really cold; with an isolated backend the peak memory is the model process's own
 * high-water mark, otherwise this process's (which includes ModelScout itself).
 */
import { performance } from "node:perf_hooks";
import type { ProcessMemory } from "../backends/isolated/isolated-protocol.js";
import type { BackendInput, ModelBackend } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import {
  type LocalMachineProfile,
  localMachineProfile,
} from "../hardware/local-machine-profile.js";

export interface ProfileModelOptions {
  /** A backend that has not been loaded yet (its first load is the cold load). */
  backend: ModelBackend & { memory?: () => Promise<ProcessMemory | null> };
  /** Items to cycle through to fill each batch. */
  inputs: readonly BackendInput[];
  /** Default [1]. */
  batchSizes?: readonly number[];
  /** Untimed runs per batch size before measuring. Default 2. */
  warmupRuns?: number;
  /** Timed runs per batch size. Default 10. */
  runs?: number;
  signal?: AbortSignal;
  /** Told after each batch size is measured, for progress output. */
  onBatch?: (batch: BatchProfile) => void;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

export interface BatchProfile {
  batchSize: number;
  runs: number;
  /** Wall-clock time of one `doRun` call for the whole batch. */
  batchLatencyMs: LatencySummary;
  /** Batch time divided by the batch size. */
  itemLatencyMs: LatencySummary;
  /** Items per second over all timed runs. */
  throughputPerSecond: number;
}

export interface ModelProfile {
  modelId: string;
  provider: string;
  task: string;
  dtype: string | null;
  /** First `load()` as the caller saw it: process start (if isolated), download, session creation. */
  coldLoadMs: number;
  /** The backend's own figure for that load. */
  backendLoadMs: number;
  batches: BatchProfile[];
  /** Resident-set high-water mark in bytes, or null when the backend cannot tell. */
  peakMemoryBytes: number | null;
  /** Whose memory `peakMemoryBytes` is. */
  memoryScope: "model-process" | "this-process";
  machine: LocalMachineProfile;
  measuredAt: string;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}

function batchOf(inputs: readonly BackendInput[], size: number, offset: number): BackendInput[] {
  return Array.from(
    { length: size },
    (_, index) => inputs[(offset + index) % inputs.length] as BackendInput,
  );
}

function checkPositiveInteger(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Profile: ${name} must be a whole number of at least ${minimum} (got ${value}).`,
    );
  }
}

export async function profileModel(options: ProfileModelOptions): Promise<ModelProfile> {
  const { backend, inputs } = options;
  const batchSizes = options.batchSizes ?? [1];
  const warmupRuns = options.warmupRuns ?? 2;
  const runs = options.runs ?? 10;
  if (inputs.length === 0) {
    throw new ModelScoutError("INVALID_ARGUMENT", "Profile: give at least one input to run.");
  }
  if (batchSizes.length === 0) {
    throw new ModelScoutError("INVALID_ARGUMENT", "Profile: give at least one batch size.");
  }
  for (const size of batchSizes) checkPositiveInteger("each batch size", size, 1);
  checkPositiveInteger("warmupRuns", warmupRuns, 0);
  checkPositiveInteger("runs", runs, 1);

  const description = backend.describe();
  const loadStarted = performance.now();
  const load = await backend.load({ ...(options.signal && { signal: options.signal }) });
  const coldLoadMs = performance.now() - loadStarted;

  const batches: BatchProfile[] = [];
  let offset = 0;
  for (const batchSize of batchSizes) {
    for (let run = 0; run < warmupRuns; run++) {
      await backend.doRun(batchOf(inputs, batchSize, offset++), {
        ...(options.signal && { signal: options.signal }),
      });
    }
    const batchTimes: number[] = [];
    for (let run = 0; run < runs; run++) {
      const batch = batchOf(inputs, batchSize, offset++);
      const started = performance.now();
      await backend.doRun(batch, { ...(options.signal && { signal: options.signal }) });
      batchTimes.push(performance.now() - started);
    }
    const totalMs = batchTimes.reduce((sum, value) => sum + value, 0);
    const profile: BatchProfile = {
      batchSize,
      runs,
      batchLatencyMs: summarise(batchTimes),
      itemLatencyMs: summarise(batchTimes.map((value) => value / batchSize)),
      throughputPerSecond: (batchSize * runs * 1000) / totalMs,
    };
    batches.push(profile);
    options.onBatch?.(profile);
  }

  let peakMemoryBytes: number | null = null;
  let memoryScope: ModelProfile["memoryScope"] = "this-process";
  if (typeof backend.memory === "function") {
    const memory = await backend.memory();
    if (memory !== null) {
      peakMemoryBytes = memory.peakRssBytes;
      memoryScope = "model-process";
    }
  }
  if (peakMemoryBytes === null) peakMemoryBytes = process.resourceUsage().maxRSS * 1024;

  return {
    modelId: description.modelId,
    provider: description.provider,
    task: description.task,
    dtype: description.dtype ?? null,
    coldLoadMs,
    backendLoadMs: load.loadMs,
    batches,
    peakMemoryBytes,
    memoryScope,
    machine: localMachineProfile(),
    measuredAt: new Date().toISOString(),
  };
}
