/**
 * @module
 * Stores a profile in the catalog as measured hardware annotations, one per batch size, for
 * `local` (this machine) and any named profiles the user says this machine is. Measured
 * annotations take precedence over estimates everywhere (`catalog/measured-latency.ts`).
 * A new profile replaces the profiler's earlier figures for the same hardware, batch size
 * and dtype; other sources' measurements are kept. Peak memory and load time, which the
 * annotation schema has no field for, go to `extra.profiles[hardwareId]`.
 */
import type { CatalogStore } from "../catalog/catalog-store.js";
import type { HardwareAnnotation, ModelRecord } from "../catalog/model-record.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { LOCAL_HARDWARE_ID } from "../hardware/local-machine-profile.js";
import type { ModelProfile } from "./profile-model.js";

export const PROFILER_SOURCE = "modelscout-profiler";

/** The measured annotations a profile stands for on `hardwareId`. */
export function profileAnnotations(
  profile: ModelProfile,
  hardwareId: string,
): HardwareAnnotation[] {
  return profile.batches.map((batch) => ({
    hardware: hardwareId,
    kind: "measured",
    latencyMs: batch.itemLatencyMs.p50,
    throughputPerSecond: batch.throughputPerSecond,
    batchSize: batch.batchSize,
    ...(profile.dtype !== null && { dtype: profile.dtype }),
    source: PROFILER_SOURCE,
    measuredAt: profile.measuredAt,
  }));
}

/** `model` with the profile's annotations merged in (not stored). */
export function withProfile(
  model: ModelRecord,
  profile: ModelProfile,
  hardwareIds: readonly string[] = [LOCAL_HARDWARE_ID],
): ModelRecord {
  const fresh = hardwareIds.flatMap((hardwareId) => profileAnnotations(profile, hardwareId));
  const replaced = (annotation: HardwareAnnotation) =>
    annotation.source === PROFILER_SOURCE &&
    fresh.some(
      (next) =>
        next.hardware === annotation.hardware &&
        next.batchSize === annotation.batchSize &&
        (next.dtype ?? null) === (annotation.dtype ?? null),
    );
  const previousProfiles =
    typeof model.extra.profiles === "object" && model.extra.profiles !== null
      ? (model.extra.profiles as Record<string, unknown>)
      : {};
  const summary = {
    measuredAt: profile.measuredAt,
    coldLoadMs: profile.coldLoadMs,
    peakMemoryBytes: profile.peakMemoryBytes,
    memoryScope: profile.memoryScope,
    machine: profile.machine.name,
  };
  return {
    ...model,
    hardware: [...model.hardware.filter((annotation) => !replaced(annotation)), ...fresh],
    extra: {
      ...model.extra,
      profiles: {
        ...previousProfiles,
        ...Object.fromEntries(hardwareIds.map((hardwareId) => [hardwareId, summary])),
      },
    },
  };
}

/**
 * Stores the profile on the catalog's record of `model` (read again inside a transaction, so
 * annotations added meanwhile are kept). A model missing from the catalog (a quantised
 * variant made on the fly) is stored as given.
 */
export async function recordProfile(
  store: CatalogStore,
  model: ModelRecord,
  profile: ModelProfile,
  hardwareIds: readonly string[] = [LOCAL_HARDWARE_ID],
): Promise<ModelRecord> {
  if (profile.modelId !== model.id) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `This profile is of ${profile.modelId}, not ${model.id}; store it on the model it measured.`,
    );
  }
  return store.transaction(async (transaction) => {
    const current = (await transaction.getModel(model.id)) ?? model;
    const updated = withProfile(current, profile, hardwareIds);
    await transaction.upsertModels([updated]);
    return updated;
  });
}
