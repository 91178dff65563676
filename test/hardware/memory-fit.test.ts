import { describe, expect, it } from "vitest";
import { DTYPES } from "../../src/catalog/model-record.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import {
  fitsByDtype,
  MEMORY_OVERHEAD_FACTOR,
  maxParamsForMemory,
  memoryBound,
  memoryFit,
} from "../../src/hardware/memory-fit.js";
import { listHardwareProfiles, resolveHardware } from "../../src/hardware/resolve-hardware.js";
import { makeModel } from "../support/make-model.js";

const sevenB = { params: 7e9, memoryBytes: {} };
const unknownSize = { params: null, memoryBytes: {} };

describe("memoryFit", () => {
  it("fits a 7B model on an A100-80GB in fp16, not on a T4 in fp16, but on a T4 in int4", () => {
    const a100 = resolveHardware("a100-80gb");
    const t4 = resolveHardware("t4");
    expect(memoryFit(sevenB, a100, "fp16")).toEqual({
      dtype: "fp16",
      requiredBytes: 7e9 * 2 * 1.2,
      availableBytes: 80e9,
      fits: true,
    });
    // 16.8 GB of weights plus overhead against 16 GB.
    expect(memoryFit(sevenB, t4, "fp16")).toMatchObject({ requiredBytes: 16.8e9, fits: false });
    expect(memoryFit(sevenB, t4, "int4")).toMatchObject({ requiredBytes: 4.2e9, fits: true });
    expect(memoryFit(sevenB, resolveHardware("rpi5"), "int8").fits).toBe(false);
    expect(memoryFit(sevenB, resolveHardware("rpi5"), "int4").fits).toBe(true);
  });

  it("says null, not false, when the size is unknown", () => {
    expect(memoryFit(unknownSize, resolveHardware("h100"), "fp16")).toEqual({
      dtype: "fp16",
      requiredBytes: null,
      availableBytes: 80e9,
      fits: null,
    });
    expect(Object.values(fitsByDtype(unknownSize, resolveHardware("t4")))).toEqual(
      DTYPES.map(() => null),
    );
  });

  it("uses a recorded weight size over one derived from the parameter count", () => {
    // A model whose fp16 file is larger than params x 2 (e.g. untied embeddings counted once).
    const model = { params: 6e9, memoryBytes: { fp16: 14e9 } };
    const t4 = resolveHardware("t4");
    expect(memoryFit(model, t4, "fp16")).toMatchObject({ requiredBytes: 14e9 * 1.2, fits: false });
    expect(memoryFit(model, t4, "int8")).toMatchObject({ requiredBytes: 6e9 * 1.2, fits: true });
  });

  it("gives a verdict per dtype", () => {
    expect(fitsByDtype(sevenB, resolveHardware("t4"))).toEqual({
      fp32: false,
      fp16: false,
      bf16: false,
      int8: true,
      int4: true,
    });
  });
});

describe("maxParamsForMemory", () => {
  it("is the exact inverse of the fit test for every profile and dtype, boundary included", () => {
    let checked = 0;
    for (const profile of listHardwareProfiles()) {
      for (const dtype of DTYPES) {
        const bound = maxParamsForMemory(profile, dtype);
        expect(bound).toBeCloseTo(
          profile.memoryBytes /
            (MEMORY_OVERHEAD_FACTOR * { fp32: 4, fp16: 2, bf16: 2, int8: 1, int4: 0.5 }[dtype]),
          0,
        );
        const candidates = [
          bound,
          Math.floor(bound),
          Math.ceil(bound),
          bound * (1 - Number.EPSILON),
          bound * (1 + Number.EPSILON),
          bound - 1,
          bound + 1,
          bound / 2,
          bound * 2,
          0,
        ];
        for (const params of candidates) {
          const fits = memoryFit({ params, memoryBytes: {} }, profile, dtype).fits;
          expect(fits, `${profile.id} ${dtype} ${params}`).toBe(params <= bound);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("selects in the SQLite store exactly the models memoryFit does not rule out", async () => {
    const profile = resolveHardware("t4");
    const dtype = "fp16";
    const bound = maxParamsForMemory(profile, dtype);
    const sizes = [bound / 10, Math.floor(bound), bound, Math.ceil(bound), bound + 1, bound * 3];
    // Recorded weight sizes at the byte boundary: required = weights x 1.2 against 16 GB.
    const byteBound = profile.memoryBytes / MEMORY_OVERHEAD_FACTOR;
    const weights = [byteBound * (1 - Number.EPSILON), byteBound, byteBound * (1 + 1e-15), 1e9];
    const models = [
      ...sizes.map((params, index) => makeModel({ id: `size/${index}`, params })),
      // The Hub's way: every dtype filled from params, which is the derived size again.
      ...sizes.map((params, index) =>
        makeModel({ id: `hub/${index}`, params, memoryBytes: { fp16: params * 2 } }),
      ),
      ...weights.map((bytes, index) =>
        makeModel({ id: `recorded/${index}`, params: null, memoryBytes: { fp16: bytes } }),
      ),
      makeModel({ id: "recorded/over-params", params: bound * 3, memoryBytes: { fp16: 1e9 } }),
      makeModel({ id: "size/unknown", params: null }),
      makeModel({ id: "size/fp32-only", params: null, memoryBytes: { fp32: 1e12 } }),
    ];
    const store = await openSqliteStore({ path: ":memory:" });
    try {
      await store.upsertModels(models);
      const result = await store.searchModels({
        memory: memoryBound(profile.memoryBytes, dtype),
        sort: "downloads",
        limit: 100,
      });
      const selected = result.hits.map((hit) => hit.model.id).sort();
      const kept = models
        .filter((model) => memoryFit(model, profile, dtype).fits !== false)
        .map((model) => model.id)
        .sort();
      expect(selected).toEqual(kept);
      expect(kept).toContain("size/unknown");
      expect(kept).toContain("size/fp32-only");
      expect(kept).toContain("recorded/over-params");
      expect(kept.filter((id) => id.startsWith("size/")).length).toBeGreaterThanOrEqual(4);
      expect(kept.length).toBeLessThan(models.length);
      // A Hub record's filled-in sizes are its parameter count's: the same verdicts.
      for (const [index, params] of sizes.entries()) {
        expect(kept.includes(`hub/${index}`)).toBe(kept.includes(`size/${index}`));
        expect(memoryFit({ params, memoryBytes: { fp16: params * 2 } }, profile, dtype).fits).toBe(
          memoryFit({ params, memoryBytes: {} }, profile, dtype).fits,
        );
      }
    } finally {
      await store.close();
    }
  });
});
