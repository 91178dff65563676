/**
 * @module
 * "This machine" as a hardware profile, so the profiler can store what it measured here.
 * Its id is `local` (the catalog's other profiles are named devices). What `os` can tell is
 * used: cores, clock, total memory. What it cannot (peak compute, memory bandwidth) is
 * assumed, and only feeds the roofline estimate shown before anything was measured: once
 * the profiler has run, the measured figures take precedence (`catalog/measured-latency.ts`).
 */
import { cpus, totalmem } from "node:os";
import type { Dtype, ModelRecord } from "../catalog/model-record.js";
import { type HardwareLatency, hardwareLatency } from "./estimate-latency.js";
import { HARDWARE_PROFILES, type HardwareProfile } from "./hardware-profiles.js";

export const LOCAL_HARDWARE_ID = "local";

/**
 * FP32 FLOPs per core per cycle assumed for an x86-64 or Arm core: two 256-bit FMA units
 * (AVX2; Apple and Neoverse cores have four 128-bit ones, the same figure).
 */
export const ASSUMED_FLOPS_PER_CORE_PER_CYCLE = 32;

export interface LocalMachineProfile extends HardwareProfile {
  id: typeof LOCAL_HARDWARE_ID;
  cores: number;
  cpuModel: string;
}

export function localMachineProfile(): LocalMachineProfile {
  const processors = cpus();
  const cores = Math.max(1, processors.length);
  const clockGhz = (processors[0]?.speed ?? 2000) / 1000 || 2;
  const cpuModel = processors[0]?.model.trim() || "unknown CPU";
  const memoryBytes = totalmem();
  const laptop = HARDWARE_PROFILES["cpu-laptop"];
  return {
    id: LOCAL_HARDWARE_ID,
    name: `This machine (${cores} x ${cpuModel}, ${(memoryBytes / 1e9).toFixed(1)} GB)`,
    kind: "cpu",
    memoryBytes,
    peakTflops: (cores * clockGhz * 1e9 * ASSUMED_FLOPS_PER_CORE_PER_CYCLE) / 1e12,
    peakPrecision: "fp32",
    sku: null,
    peakTflopsSource: `os.cpus(): ${cores} cores x ${clockGhz.toFixed(2)} GHz x ${ASSUMED_FLOPS_PER_CORE_PER_CYCLE} FP32 FLOP/cycle (assumed)`,
    // `os` cannot tell the memory bandwidth; the laptop profile's cautious figure stands in.
    memoryBandwidthBytesPerSecond: laptop.memoryBandwidthBytesPerSecond,
    defaultDtype: "fp32",
    aliases: ["this-machine"],
    cores,
    cpuModel,
  };
}

/**
 * The latency to show for `model` on this machine: the profiler's measurement if there is
 * one, else the roofline estimate from the assumed figures above.
 */
export function localHardwareLatency(model: ModelRecord, dtype: Dtype = "fp32"): HardwareLatency {
  return hardwareLatency(model, localMachineProfile(), dtype);
}
