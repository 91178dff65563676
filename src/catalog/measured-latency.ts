/**
 * @module
 * The one per-item latency that stands for a model's measurements on a hardware profile.
 * Used by the stores (to filter and sort on it) and by the hardware module (to show it), so
 * both agree on which measurement wins.
 */
import type { HardwareAnnotation, ModelRecord } from "./model-record.js";

export interface MeasuredLatency {
  latencyMs: number;
  batchSize: number;
  /** True when the figure is a batch's time divided by its size, not a batch-1 latency. */
  amortised: boolean;
  source: string;
}

function perItemLatencyMs(annotation: HardwareAnnotation): number | null {
  if (annotation.batchSize === 1 && annotation.latencyMs !== undefined) return annotation.latencyMs;
  if (annotation.throughputPerSecond !== undefined) return 1000 / annotation.throughputPerSecond;
  if (annotation.latencyMs !== undefined) return annotation.latencyMs / annotation.batchSize;
  return null;
}

/**
 * The measured per-item latency of `model` on `hardwareId`: a batch-1 measurement if there is
 * one (the newest), else the smallest batch's amortised figure. Null when nothing was measured.
 */
export function measuredLatency(
  model: Pick<ModelRecord, "hardware">,
  hardwareId: string,
): MeasuredLatency | null {
  let best: { annotation: HardwareAnnotation; latencyMs: number } | null = null;
  for (const annotation of model.hardware) {
    if (annotation.kind !== "measured" || annotation.hardware !== hardwareId) continue;
    const latencyMs = perItemLatencyMs(annotation);
    if (latencyMs === null) continue;
    const better =
      best === null ||
      annotation.batchSize < best.annotation.batchSize ||
      (annotation.batchSize === best.annotation.batchSize &&
        (annotation.measuredAt ?? "") > (best.annotation.measuredAt ?? ""));
    if (better) best = { annotation, latencyMs };
  }
  if (best === null) return null;
  const { annotation, latencyMs } = best;
  return {
    latencyMs,
    batchSize: annotation.batchSize,
    amortised: annotation.batchSize !== 1,
    source: annotation.source,
  };
}

/** Every hardware id `model` has a usable measurement for. */
export function measuredHardwareIds(model: Pick<ModelRecord, "hardware">): string[] {
  return [
    ...new Set(
      model.hardware.filter((annotation) => annotation.kind === "measured").map((a) => a.hardware),
    ),
  ];
}
