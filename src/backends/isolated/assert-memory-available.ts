/**
 * @module
 * Refuses to load a model whose estimated memory exceeds what this machine has free, before
 * any weights are read: a load that runs the machine out of memory takes the whole process
 * (or the machine) down with it, which no timeout can undo. The estimate is the catalog's
 * memory-fit rule (weights times `MEMORY_OVERHEAD_FACTOR`) against `os.freemem()`, which on
 * Linux is the kernel's `MemAvailable` (free plus reclaimable cache).
 */
import { freemem, totalmem } from "node:os";
import type { Dtype, ModelRecord } from "../../catalog/model-record.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { type MemoryFit, memoryFit } from "../../hardware/memory-fit.js";

export interface MemoryAvailability {
  /** Bytes free for a new model; default `os.freemem()`. */
  availableBytes?: number;
  /** Bytes the machine has; default `os.totalmem()`. Only shown in the message. */
  totalBytes?: number;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(bytes < 1e9 ? 2 : 1)} GB`;
}

/** The fit verdict; throws `INSUFFICIENT_MEMORY` when the model is known not to fit. */
export function assertMemoryAvailable(
  model: Pick<ModelRecord, "id" | "params" | "memoryBytes">,
  dtype: Dtype,
  availability: MemoryAvailability = {},
): MemoryFit {
  const availableBytes = availability.availableBytes ?? freemem();
  const totalBytes = availability.totalBytes ?? totalmem();
  const fit = memoryFit(model, { memoryBytes: availableBytes }, dtype);
  if (fit.fits === false && fit.requiredBytes !== null) {
    throw new ModelScoutError(
      "INSUFFICIENT_MEMORY",
      `${model.id} needs about ${gigabytes(fit.requiredBytes)} at ${dtype} (weights plus runtime overhead), but this machine has ${gigabytes(availableBytes)} free of ${gigabytes(totalBytes)}. Pick a quantised variant (${model.id}@q8 or @q4), a smaller model (\`modelscout catalog search --max-memory-gb ${Math.max(0.1, Math.floor((availableBytes / 1e9) * 10) / 10)}\`), or free memory first.`,
      {
        details: {
          model: model.id,
          dtype,
          requiredBytes: fit.requiredBytes,
          availableBytes,
          totalBytes,
        },
      },
    );
  }
  return fit;
}
