import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import {
  listHardwareProfiles,
  normaliseHardwareName,
  resolveHardware,
} from "../../src/hardware/resolve-hardware.js";

function thrown(run: () => unknown): ModelScoutError {
  try {
    run();
  } catch (error) {
    if (ModelScoutError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a ModelScoutError");
}

describe("resolveHardware", () => {
  it.each([
    ["NVIDIA_A100", "a100-80gb"],
    ["a100", "a100-80gb"],
    ["A100-40GB", "a100-40gb"],
    ["rpi5", "rpi5"],
    ["raspberry-pi-5", "rpi5"],
    ["pi5", "rpi5"],
    ["laptop", "cpu-laptop"],
    ["cpu", "cpu-laptop"],
    ["h100", "h100"],
    ["NVIDIA_H100", "h100"],
    ["T4", "t4"],
    ["m2", "apple-m2"],
    ["mac-m2", "apple-m2"],
    ["orin-nano", "jetson-orin-nano"],
    ["4090", "rtx-4090"],
    ["RTX 4090", "rtx-4090"],
    ["nvidia rtx 4090", "rtx-4090"],
    ["nvidia-a100", "a100-80gb"],
    ["  Raspberry_Pi 5 ", "rpi5"],
    ["pro6000maxq", "rtx-pro-6000-max-q"],
    ["i7-12700H", "cpu-i7-12700h"],
    ["M4 Max", "apple-m4-max"],
  ])("%s resolves to %s", (name, id) => {
    expect(resolveHardware(name).id).toBe(id);
  });

  it("resolves every id and alias of every profile to that profile", () => {
    for (const profile of listHardwareProfiles()) {
      for (const name of [profile.id, ...profile.aliases]) {
        expect(resolveHardware(name).id).toBe(profile.id);
        expect(resolveHardware(name.toUpperCase().replaceAll("-", "_")).id).toBe(profile.id);
      }
    }
  });

  it("keeps the ids the timm benchmark snapshot annotates with", () => {
    const ids = listHardwareProfiles().map((profile) => profile.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        "rtx-3090",
        "rtx-4090",
        "rtx-5090",
        "rtx-pro-6000-max-q",
        "cpu-i9-10940x",
        "cpu-i7-12700h",
      ]),
    );
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it("suggests a near profile for a typo and points at `hardware list`", () => {
    const h10 = thrown(() => resolveHardware("h10"));
    expect(h10.code).toBe("UNKNOWN_HARDWARE");
    expect(h10.message).toMatch(/Did you mean "h100/);
    expect(h10.message).toContain("modelscout hardware list");
    expect(h10.details.suggestion).toBe("h100");

    const a10 = thrown(() => resolveHardware("a10"));
    expect(a10.message).toMatch(/Did you mean "a10/);
    expect(["a10g", "a100-80gb", "a100-40gb"]).toContain(a10.details.suggestion);

    const typo = thrown(() => resolveHardware("rtx-4080"));
    expect(typo.details.suggestion).toMatch(/^rtx-/);
  });

  it("says clearly what to do when nothing is close", () => {
    const error = thrown(() => resolveHardware("tpu-v9"));
    expect(error.code).toBe("UNKNOWN_HARDWARE");
    expect(error.message).toContain('Unknown hardware "tpu-v9".');
    expect(error.message).not.toContain("Did you mean");
    expect(error.message).toContain("Run `modelscout hardware list`");
    expect(error.isRetryable).toBe(false);
  });

  it("normalises case, separators and the vendor prefix", () => {
    expect(normaliseHardwareName(" NVIDIA__A100 40GB ")).toBe("a100-40gb");
    expect(normaliseHardwareName("Jetson_AGX--Orin")).toBe("jetson-agx-orin");
  });
});

describe("this machine", () => {
  it("resolves `local` and `this-machine` to a profile built from os", async () => {
    const { totalmem } = await import("node:os");
    const local = resolveHardware("local");
    expect(local.id).toBe("local");
    expect(local.memoryBytes).toBe(totalmem());
    expect(resolveHardware("This_Machine").id).toBe("local");
  });
});
