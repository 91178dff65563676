import { SKUS } from "@huggingface/tasks";
import { describe, expect, it } from "vitest";
import { HARDWARE_PROFILES, skuSpec } from "../../src/hardware/hardware-profiles.js";
import { listHardwareProfiles } from "../../src/hardware/resolve-hardware.js";

const REQUIRED_IDS = [
  "cpu-laptop",
  "rpi4",
  "rpi5",
  "jetson-orin-nano",
  "jetson-agx-orin",
  "t4",
  "l4",
  "a10g",
  "a100-40gb",
  "a100-80gb",
  "h100",
  "h200",
  "apple-m1",
  "apple-m2",
  "apple-m3",
  "apple-m4",
  "rtx-3090",
  "rtx-4090",
  "rtx-5090",
  "rtx-pro-6000-max-q",
  "cpu-i9-10940x",
  "cpu-i7-12700h",
];

describe("HARDWARE_PROFILES", () => {
  it("has every required profile", () => {
    expect(Object.keys(HARDWARE_PROFILES)).toEqual(expect.arrayContaining(REQUIRED_IDS));
  });

  it("takes peak TFLOPS from @huggingface/tasks SKUS wherever it names the device", () => {
    // Read straight from the package, not through our helper, so a wrong key cannot hide.
    const nvidia = SKUS.GPU.NVIDIA;
    const apple = SKUS["Apple Silicon"]["-"];
    expect(HARDWARE_PROFILES.t4.peakTflops).toBe(nvidia.T4?.tflops);
    expect(HARDWARE_PROFILES["a100-80gb"].peakTflops).toBe(nvidia.A100?.tflops);
    expect(HARDWARE_PROFILES.h100.peakTflops).toBe(nvidia.H100?.tflops);
    expect(HARDWARE_PROFILES["rtx-4090"].peakTflops).toBe(nvidia["RTX 4090"]?.tflops);
    expect(HARDWARE_PROFILES["rtx-pro-6000-max-q"].peakTflops).toBe(
      nvidia["RTX PRO 6000 Max-Q"]?.tflops,
    );
    expect(HARDWARE_PROFILES["apple-m2"].peakTflops).toBe(apple["Apple M2"].tflops);
    expect(HARDWARE_PROFILES["cpu-i7-12700h"].peakTflops).toBe(
      SKUS.CPU.Intel["Intel Core 12th Generation (i7)"].tflops,
    );

    let checked = 0;
    for (const profile of listHardwareProfiles()) {
      if (profile.sku === null) continue;
      checked += 1;
      const spec = skuSpec(profile.sku);
      expect(profile.peakTflops, profile.id).toBe(spec.tflops);
      expect(profile.peakTflopsSource).toContain(profile.sku.key);
      // Where SKUS lists memory options, ours is one of them.
      if (spec.memory !== undefined) {
        expect(spec.memory, profile.id).toContain(profile.memoryBytes / 1e9);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });

  it("says where every figure comes from and keeps them plausible", () => {
    for (const profile of listHardwareProfiles()) {
      expect(profile.peakTflopsSource.length, profile.id).toBeGreaterThan(10);
      expect(profile.peakTflops, profile.id).toBeGreaterThan(0.01);
      expect(profile.memoryBytes, profile.id).toBeGreaterThanOrEqual(1e9);
      // Bandwidth between a Raspberry Pi's 12.8 GB/s and an H200's 4.8 TB/s.
      expect(profile.memoryBandwidthBytesPerSecond, profile.id).toBeGreaterThanOrEqual(12.8e9);
      expect(profile.memoryBandwidthBytesPerSecond, profile.id).toBeLessThanOrEqual(4.8e12);
      if (profile.kind === "gpu") expect(profile.peakPrecision, profile.id).toBe("fp16");
      if (profile.kind === "cpu") expect(profile.peakPrecision, profile.id).toBe("fp32");
    }
  });

  it("rejects a SKU key @huggingface/tasks does not have", () => {
    expect(() => skuSpec({ table: "GPU.NVIDIA", key: "RTX 9090" })).toThrow(/no "RTX 9090"/);
  });

  it("defaults datacenter GPUs to fp16, x86 CPUs to fp32 and Raspberry Pis to int8", () => {
    expect(HARDWARE_PROFILES["a100-80gb"].defaultDtype).toBe("fp16");
    expect(HARDWARE_PROFILES.h100.defaultDtype).toBe("fp16");
    expect(HARDWARE_PROFILES["cpu-laptop"].defaultDtype).toBe("fp32");
    expect(HARDWARE_PROFILES.rpi4.defaultDtype).toBe("int8");
    expect(HARDWARE_PROFILES.rpi5.defaultDtype).toBe("int8");
  });
});
