/**
 * @module
 * One model on each hardware profile: fit and latency at the profile's usual weight format,
 * measured where a measurement exists, else the roofline estimate. What `catalog show` and
 * the agent tools' `show_model` give.
 */
import type { ModelRecord } from "../catalog/model-record.js";
import { hardwareLatency } from "./estimate-latency.js";
import { fitsByDtype } from "./memory-fit.js";
import type { HardwareProfile } from "./resolve-hardware.js";

/** How one model does on one hardware profile at its usual weight format. */
export interface HardwareRow {
  hardware: string;
  name: string;
  dtype: string;
  fits: boolean | null;
  latencyMs: number | null;
  latencyKind: "measured" | "estimated";
  latencySource: string;
}

/** A row per profile: whether the model fits, and its latency there, measured if it was. */
export function hardwareSummary(
  model: ModelRecord,
  profiles: readonly HardwareProfile[],
): HardwareRow[] {
  return profiles.map((profile) => {
    const latency = hardwareLatency(model, profile, profile.defaultDtype);
    return {
      hardware: profile.id,
      name: profile.name,
      dtype: profile.defaultDtype,
      fits: fitsByDtype(model, profile)[profile.defaultDtype],
      latencyMs: latency.latencyMs,
      latencyKind: latency.kind,
      latencySource: latency.source,
    };
  });
}
