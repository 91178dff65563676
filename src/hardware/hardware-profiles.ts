/**
 * @module
 * The registry of hardware profiles that memory-fit verdicts and latency estimates are
 * computed for. Peak compute comes from `@huggingface/tasks` `SKUS` (the Hub's own hardware
 * table) wherever it lists the device, so our figures move with the Hub's; memory bandwidth,
 * which `SKUS` does not carry, is the vendor's spec figure, cited per entry.
 *
 * Units: memory in bytes with vendor "GB" read as 1e9 bytes. GPU boards really hold 2^30-byte
 * GB, but the CUDA context, ECC and the driver take about the difference (a 16 GB T4 shows
 * 15,360 MiB = 16.1e9 bytes in nvidia-smi), so the decimal figure is a fair "usable" figure.
 * For CPUs, edge boards and Apple silicon `memoryBytes` is a typical RAM size; the operating
 * system's share is not subtracted (see docs/decisions/0003-latency-estimates.md).
 *
 * The timm benchmark devices (`rtx-3090`, `rtx-4090`, `rtx-5090`, `rtx-pro-6000-max-q`,
 * `cpu-i9-10940x`, `cpu-i7-12700h`) keep these exact ids: the offline snapshot annotates
 * measured throughput with them.
 */
import { SKUS } from "@huggingface/tasks";
import type { Dtype } from "../catalog/model-record.js";

export const HARDWARE_KINDS = ["cpu", "gpu", "edge", "apple"] as const;
export type HardwareKind = (typeof HARDWARE_KINDS)[number];

/** The `SKUS` tables a profile may read its peak compute from. */
const SKU_TABLES = {
  "GPU.NVIDIA": SKUS.GPU.NVIDIA,
  "CPU.Intel": SKUS.CPU.Intel,
  "Apple Silicon": SKUS["Apple Silicon"]["-"],
} satisfies Record<string, Record<string, { tflops: number; memory?: number[] }>>;
export type SkuTable = keyof typeof SKU_TABLES;

/** A `@huggingface/tasks` `SKUS` entry: `SKUS.GPU.NVIDIA["RTX 4090"]` is `{ table: "GPU.NVIDIA", key: "RTX 4090" }`. */
export interface SkuReference {
  table: SkuTable;
  key: string;
}

/** The `SKUS` entry for `reference`; throws if a `@huggingface/tasks` update renamed it. */
export function skuSpec(reference: SkuReference): { tflops: number; memory?: number[] } {
  const table: Record<string, { tflops: number; memory?: number[] }> = SKU_TABLES[reference.table];
  const spec = table[reference.key];
  if (spec === undefined) {
    // A packaging bug, not a user error: the hardware test suite catches it before release.
    throw new Error(
      `@huggingface/tasks SKUS.${reference.table} has no "${reference.key}"; update src/hardware/hardware-profiles.ts.`,
    );
  }
  return spec;
}

/** Peak compute read from `SKUS`, with the reference kept so it can be shown and re-checked. */
function fromSku(
  table: SkuTable,
  key: string,
): { peakTflops: number; sku: SkuReference; peakTflopsSource: string } {
  return {
    peakTflops: skuSpec({ table, key }).tflops,
    sku: { table, key },
    peakTflopsSource: `@huggingface/tasks SKUS.${table}["${key}"]`,
  };
}

export interface HardwareProfileSpec {
  /** Human-readable device name. */
  name: string;
  kind: HardwareKind;
  /** Memory a model can use: VRAM for GPUs, a typical RAM size for CPU, edge and Apple devices. */
  memoryBytes: number;
  /** Peak dense compute: FP16 for GPUs and Jetson, FP32 for CPUs and Apple GPUs (see `peakPrecision`). */
  peakTflops: number;
  /** Which precision `peakTflops` is quoted for. */
  peakPrecision: "fp16" | "fp32";
  /** The `SKUS` entry `peakTflops` is read from, or null when `SKUS` lacks the device. */
  sku: SkuReference | null;
  /** Where `peakTflops` comes from, for display. */
  peakTflopsSource: string;
  /** Vendor spec memory bandwidth. */
  memoryBandwidthBytesPerSecond: number;
  /** The weight format a model is usually run in on this device. */
  defaultDtype: Dtype;
  /** Other names users type; matched case-insensitively with `_`, space and `-` interchangeable. */
  aliases: readonly string[];
}

const GB = 1e9;

/**
 * Default dtypes: fp16 where the device has fast half-precision units and enough memory
 * (datacenter and desktop GPUs, Jetson, Apple GPUs); fp32 on x86 CPUs, which have no fast
 * fp16 path and convert it back to fp32; int8 on Raspberry Pi, whose 4-8 GB and ~15 GB/s
 * memory make int8 the usual deployment (TFLite/ONNX Runtime int8), and on the T4, whose
 * 16 GB is tight for fp16 and whose INT8 tensor cores are what it was sold for.
 */
export const HARDWARE_PROFILES = {
  "cpu-laptop": {
    name: "Laptop CPU (12th-gen Core i7 class, 16 GB)",
    kind: "cpu",
    memoryBytes: 16 * GB,
    ...fromSku("CPU.Intel", "Intel Core 12th Generation (i7)"),
    peakPrecision: "fp32",
    // Dual-channel DDR4-3200 (2 x 64 bit x 3.2 GT/s): the common laptop memory 2020-2023;
    // DDR5 laptops reach 76.8 GB/s, so this is the cautious end.
    memoryBandwidthBytesPerSecond: 51.2 * GB,
    defaultDtype: "fp32",
    aliases: ["laptop", "cpu", "laptop-cpu"],
  },
  "cpu-i7-12700h": {
    name: "Intel Core i7-12700H (timm benchmark CPU)",
    kind: "cpu",
    memoryBytes: 16 * GB,
    ...fromSku("CPU.Intel", "Intel Core 12th Generation (i7)"),
    peakPrecision: "fp32",
    // Intel ARK i7-12700H: max memory bandwidth 76.8 GB/s (DDR5-4800, dual channel).
    memoryBandwidthBytesPerSecond: 76.8 * GB,
    defaultDtype: "fp32",
    aliases: ["i7-12700h", "core-i7-12700h", "intel-core-i7-12700h"],
  },
  "cpu-i9-10940x": {
    name: "Intel Core i9-10940X (timm benchmark CPU)",
    kind: "cpu",
    memoryBytes: 32 * GB,
    // SKUS' "Intel Core 10th Generation (i9)" (0.46 TFLOPS) describes the 10-core AVX2
    // Comet Lake desktop parts; the 10940X is a 14-core Cascade Lake-X with two AVX-512 FMA
    // units per core: 14 cores x 64 FP32 FLOP/cycle x 3.3 GHz base = 2.96 TFLOPS.
    peakTflops: 2.96,
    sku: null,
    peakTflopsSource: "Intel ARK i9-10940X: 14 cores x 2 AVX-512 FMA x 3.3 GHz base",
    peakPrecision: "fp32",
    // Intel ARK i9-10940X: 94 GB/s (quad-channel DDR4-2933).
    memoryBandwidthBytesPerSecond: 94 * GB,
    defaultDtype: "fp32",
    aliases: ["i9-10940x", "core-i9-10940x", "intel-core-i9-10940x"],
  },
  rpi4: {
    name: "Raspberry Pi 4 Model B (4 GB)",
    kind: "edge",
    memoryBytes: 4 * GB,
    // 4 x Cortex-A72 at 1.8 GHz x 8 FP32 FLOP/cycle (one 128-bit NEON FMA): 57.6 GFLOPS.
    peakTflops: 0.0576,
    sku: null,
    peakTflopsSource: "Cortex-A72: 4 cores x 8 FP32 FLOP/cycle x 1.8 GHz",
    peakPrecision: "fp32",
    // Raspberry Pi 4 product brief: 32-bit LPDDR4-3200, 12.8 GB/s.
    memoryBandwidthBytesPerSecond: 12.8 * GB,
    defaultDtype: "int8",
    aliases: ["raspberry-pi-4", "raspberry-pi-4b", "pi4", "rpi-4"],
  },
  rpi5: {
    name: "Raspberry Pi 5 (8 GB)",
    kind: "edge",
    memoryBytes: 8 * GB,
    // 4 x Cortex-A76 at 2.4 GHz x 16 FP32 FLOP/cycle (two 128-bit NEON FMA): 153.6 GFLOPS.
    peakTflops: 0.1536,
    sku: null,
    peakTflopsSource: "Cortex-A76: 4 cores x 16 FP32 FLOP/cycle x 2.4 GHz",
    peakPrecision: "fp32",
    // Raspberry Pi 5 product brief: 32-bit LPDDR4X-4267, 17.1 GB/s.
    memoryBandwidthBytesPerSecond: 17.1 * GB,
    defaultDtype: "int8",
    aliases: ["raspberry-pi-5", "pi5", "rpi-5"],
  },
  "jetson-orin-nano": {
    name: "NVIDIA Jetson Orin Nano 8GB",
    kind: "edge",
    memoryBytes: 8 * GB,
    ...fromSku("GPU.NVIDIA", "Jetson Orin Nano 8GB"),
    peakPrecision: "fp16",
    // NVIDIA Jetson Orin Nano data sheet: 128-bit LPDDR5, 68 GB/s (102 GB/s in "Super" mode).
    memoryBandwidthBytesPerSecond: 68 * GB,
    defaultDtype: "fp16",
    aliases: ["orin-nano", "jetson-orin-nano-8gb"],
  },
  "jetson-agx-orin": {
    name: "NVIDIA Jetson AGX Orin 64GB",
    kind: "edge",
    memoryBytes: 64 * GB,
    ...fromSku("GPU.NVIDIA", "Jetson AGX Orin 64GB"),
    peakPrecision: "fp16",
    // NVIDIA Jetson AGX Orin data sheet: 256-bit LPDDR5, 204.8 GB/s.
    memoryBandwidthBytesPerSecond: 204.8 * GB,
    defaultDtype: "fp16",
    aliases: ["agx-orin", "orin-agx", "jetson-agx-orin-64gb"],
  },
  t4: {
    name: "NVIDIA T4 16GB",
    kind: "gpu",
    memoryBytes: 16 * GB,
    ...fromSku("GPU.NVIDIA", "T4"),
    peakPrecision: "fp16",
    // NVIDIA T4 data sheet: 320 GB/s GDDR6.
    memoryBandwidthBytesPerSecond: 320 * GB,
    defaultDtype: "int8",
    aliases: ["tesla-t4"],
  },
  l4: {
    name: "NVIDIA L4 24GB",
    kind: "gpu",
    memoryBytes: 24 * GB,
    ...fromSku("GPU.NVIDIA", "L4"),
    peakPrecision: "fp16",
    // NVIDIA L4 data sheet: 300 GB/s GDDR6.
    memoryBandwidthBytesPerSecond: 300 * GB,
    defaultDtype: "fp16",
    aliases: ["l4-24gb"],
  },
  a10g: {
    name: "NVIDIA A10G 24GB (AWS g5)",
    kind: "gpu",
    memoryBytes: 24 * GB,
    // SKUS has no A10G; it is AWS's variant of the A10 (same GA102 chip and 24 GB), whose
    // clocks differ by about 1% (TechPowerUp: 31.52 vs 31.24 FP16 TFLOPS).
    ...fromSku("GPU.NVIDIA", "A10"),
    peakPrecision: "fp16",
    // NVIDIA A10 data sheet: 600 GB/s GDDR6 (the A10G's is the same).
    memoryBandwidthBytesPerSecond: 600 * GB,
    defaultDtype: "fp16",
    aliases: ["a10g-24gb", "aws-a10g"],
  },
  "a100-40gb": {
    name: "NVIDIA A100 40GB (SXM4)",
    kind: "gpu",
    memoryBytes: 40 * GB,
    ...fromSku("GPU.NVIDIA", "A100"),
    peakPrecision: "fp16",
    // NVIDIA A100 data sheet: 1,555 GB/s HBM2 (40 GB SXM4).
    memoryBandwidthBytesPerSecond: 1555 * GB,
    defaultDtype: "fp16",
    aliases: ["a100-40g", "a100-sxm4-40gb"],
  },
  "a100-80gb": {
    name: "NVIDIA A100 80GB (SXM4)",
    kind: "gpu",
    memoryBytes: 80 * GB,
    ...fromSku("GPU.NVIDIA", "A100"),
    peakPrecision: "fp16",
    // NVIDIA A100 data sheet: 2,039 GB/s HBM2e (80 GB SXM4; the PCIe card has 1,935).
    memoryBandwidthBytesPerSecond: 2039 * GB,
    defaultDtype: "fp16",
    aliases: ["a100", "a100-80g", "a100-sxm4-80gb"],
  },
  h100: {
    name: "NVIDIA H100 80GB (SXM5)",
    kind: "gpu",
    memoryBytes: 80 * GB,
    ...fromSku("GPU.NVIDIA", "H100"),
    peakPrecision: "fp16",
    // NVIDIA H100 data sheet: 3.35 TB/s HBM3 (SXM5).
    memoryBandwidthBytesPerSecond: 3350 * GB,
    defaultDtype: "fp16",
    aliases: ["h100-80gb", "h100-sxm"],
  },
  h200: {
    name: "NVIDIA H200 141GB (SXM)",
    kind: "gpu",
    memoryBytes: 141 * GB,
    ...fromSku("GPU.NVIDIA", "H200"),
    peakPrecision: "fp16",
    // NVIDIA H200 data sheet: 4.8 TB/s HBM3e.
    memoryBandwidthBytesPerSecond: 4800 * GB,
    defaultDtype: "fp16",
    aliases: ["h200-141gb", "h200-sxm"],
  },
  "rtx-3090": {
    name: "NVIDIA GeForce RTX 3090 24GB",
    kind: "gpu",
    memoryBytes: 24 * GB,
    ...fromSku("GPU.NVIDIA", "RTX 3090"),
    peakPrecision: "fp16",
    // NVIDIA RTX 3090 spec: 936 GB/s GDDR6X.
    memoryBandwidthBytesPerSecond: 936 * GB,
    defaultDtype: "fp16",
    aliases: ["3090", "geforce-rtx-3090"],
  },
  "rtx-4090": {
    name: "NVIDIA GeForce RTX 4090 24GB",
    kind: "gpu",
    memoryBytes: 24 * GB,
    ...fromSku("GPU.NVIDIA", "RTX 4090"),
    peakPrecision: "fp16",
    // NVIDIA RTX 4090 spec: 1,008 GB/s GDDR6X.
    memoryBandwidthBytesPerSecond: 1008 * GB,
    defaultDtype: "fp16",
    aliases: ["4090", "geforce-rtx-4090"],
  },
  "rtx-5090": {
    name: "NVIDIA GeForce RTX 5090 32GB",
    kind: "gpu",
    memoryBytes: 32 * GB,
    ...fromSku("GPU.NVIDIA", "RTX 5090"),
    peakPrecision: "fp16",
    // NVIDIA RTX 5090 spec: 1,792 GB/s GDDR7.
    memoryBandwidthBytesPerSecond: 1792 * GB,
    defaultDtype: "fp16",
    aliases: ["5090", "geforce-rtx-5090"],
  },
  "rtx-pro-6000-max-q": {
    name: "NVIDIA RTX PRO 6000 Blackwell Max-Q 96GB",
    kind: "gpu",
    memoryBytes: 96 * GB,
    ...fromSku("GPU.NVIDIA", "RTX PRO 6000 Max-Q"),
    peakPrecision: "fp16",
    // NVIDIA RTX PRO 6000 Blackwell Max-Q data sheet: 1,792 GB/s GDDR7.
    memoryBandwidthBytesPerSecond: 1792 * GB,
    defaultDtype: "fp16",
    // `pro6000maxq` is how the timm benchmark files name it.
    aliases: ["rtx-pro-6000", "pro6000maxq", "rtx-pro-6000-blackwell-max-q"],
  },
  // Apple: memory is the base configuration of the chip bin SKUS' TFLOPS figure describes
  // (16 GB for the plain chips, the most common buy for local models; the smallest option
  // for Pro, and for the 40-core-GPU Max); bandwidth is Apple's figure for that bin.
  "apple-m1": {
    name: "Apple M1 (16 GB)",
    kind: "apple",
    memoryBytes: 16 * GB,
    ...fromSku("Apple Silicon", "Apple M1"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 68.25 * GB, // Apple: LPDDR4X-4266, 128-bit
    defaultDtype: "fp16",
    aliases: ["m1", "mac-m1"],
  },
  "apple-m1-pro": {
    name: "Apple M1 Pro (16 GB)",
    kind: "apple",
    memoryBytes: 16 * GB,
    ...fromSku("Apple Silicon", "Apple M1 Pro"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 200 * GB, // Apple M1 Pro press release
    defaultDtype: "fp16",
    aliases: ["m1-pro", "mac-m1-pro"],
  },
  "apple-m1-max": {
    name: "Apple M1 Max (32 GB)",
    kind: "apple",
    memoryBytes: 32 * GB,
    ...fromSku("Apple Silicon", "Apple M1 Max"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 400 * GB, // Apple M1 Max press release
    defaultDtype: "fp16",
    aliases: ["m1-max", "mac-m1-max"],
  },
  "apple-m2": {
    name: "Apple M2 (16 GB)",
    kind: "apple",
    memoryBytes: 16 * GB,
    ...fromSku("Apple Silicon", "Apple M2"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 100 * GB, // Apple M2 press release
    defaultDtype: "fp16",
    aliases: ["m2", "mac-m2"],
  },
  "apple-m2-pro": {
    name: "Apple M2 Pro (16 GB)",
    kind: "apple",
    memoryBytes: 16 * GB,
    ...fromSku("Apple Silicon", "Apple M2 Pro"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 200 * GB, // Apple M2 Pro press release
    defaultDtype: "fp16",
    aliases: ["m2-pro", "mac-m2-pro"],
  },
  "apple-m2-max": {
    name: "Apple M2 Max (32 GB)",
    kind: "apple",
    memoryBytes: 32 * GB,
    ...fromSku("Apple Silicon", "Apple M2 Max"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 400 * GB, // Apple M2 Max press release
    defaultDtype: "fp16",
    aliases: ["m2-max", "mac-m2-max"],
  },
  "apple-m3": {
    name: "Apple M3 (16 GB)",
    kind: "apple",
    memoryBytes: 16 * GB,
    ...fromSku("Apple Silicon", "Apple M3"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 100 * GB, // Apple M3 tech specs
    defaultDtype: "fp16",
    aliases: ["m3", "mac-m3"],
  },
  "apple-m3-pro": {
    name: "Apple M3 Pro (18 GB)",
    kind: "apple",
    memoryBytes: 18 * GB,
    ...fromSku("Apple Silicon", "Apple M3 Pro"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 150 * GB, // Apple M3 Pro tech specs
    defaultDtype: "fp16",
    aliases: ["m3-pro", "mac-m3-pro"],
  },
  "apple-m3-max": {
    name: "Apple M3 Max 40-core GPU (48 GB)",
    kind: "apple",
    memoryBytes: 48 * GB,
    ...fromSku("Apple Silicon", "Apple M3 Max"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 400 * GB, // Apple M3 Max (16-core CPU / 40-core GPU) tech specs
    defaultDtype: "fp16",
    aliases: ["m3-max", "mac-m3-max"],
  },
  "apple-m4": {
    name: "Apple M4 (16 GB)",
    kind: "apple",
    memoryBytes: 16 * GB,
    ...fromSku("Apple Silicon", "Apple M4"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 120 * GB, // Apple M4 tech specs
    defaultDtype: "fp16",
    aliases: ["m4", "mac-m4"],
  },
  "apple-m4-pro": {
    name: "Apple M4 Pro (24 GB)",
    kind: "apple",
    memoryBytes: 24 * GB,
    ...fromSku("Apple Silicon", "Apple M4 Pro"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 273 * GB, // Apple M4 Pro tech specs
    defaultDtype: "fp16",
    aliases: ["m4-pro", "mac-m4-pro"],
  },
  "apple-m4-max": {
    name: "Apple M4 Max 40-core GPU (48 GB)",
    kind: "apple",
    memoryBytes: 48 * GB,
    ...fromSku("Apple Silicon", "Apple M4 Max"),
    peakPrecision: "fp32",
    memoryBandwidthBytesPerSecond: 546 * GB, // Apple M4 Max (16-core CPU / 40-core GPU) tech specs
    defaultDtype: "fp16",
    aliases: ["m4-max", "mac-m4-max"],
  },
} as const satisfies Record<string, HardwareProfileSpec>;

export type HardwareId = keyof typeof HARDWARE_PROFILES;

/** A profile as the rest of ModelScout sees it: the registry entry plus its id. */
export interface HardwareProfile extends HardwareProfileSpec {
  /** A registry id, or `local` for this machine (`local-machine-profile.ts`). */
  id: HardwareId | "local";
}
