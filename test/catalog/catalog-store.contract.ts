/**
 * The contract every `CatalogStore` implementation passes. Run it from a `*.test.ts` with a
 * factory that returns a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CatalogStore, LatencyCoefficients } from "../../src/catalog/catalog-store.js";
import { estimateLatencyMs } from "../../src/hardware/estimate-latency.js";
import { memoryBound, memoryFit } from "../../src/hardware/memory-fit.js";
import { makeModel } from "../support/make-model.js";

const COEFFICIENTS: LatencyCoefficients = {
  hardwareId: "test-gpu",
  overheadMs: 1,
  msPerFlop: 1e-9,
  msPerParam: 2e-8,
  decodeTokens: 4,
  generativeTasks: ["text-generation"],
};

export function runCatalogStoreContract(
  name: string,
  openStore: () => Promise<CatalogStore>,
): void {
  describe(`CatalogStore contract: ${name}`, () => {
    let store: CatalogStore;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it("inserts, updates and recognises unchanged models", async () => {
      const first = makeModel({ id: "org/a", downloads: 5, languages: ["en"] });
      expect(await store.upsertModels([first, makeModel({ id: "org/b" })])).toEqual({
        inserted: 2,
        updated: 0,
        unchanged: 0,
      });
      expect(await store.upsertModels([first])).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
      const changed = { ...first, downloads: 6, languages: ["fr"] };
      expect(await store.upsertModels([changed])).toEqual({
        inserted: 0,
        updated: 1,
        unchanged: 0,
      });
      expect(await store.getModel("org/a")).toEqual(changed);
      expect(await store.countModels()).toBe(2);
      // Languages follow the update: the old one no longer matches.
      const english = await store.searchModels({ language: "en", sort: "downloads", limit: 10 });
      expect(english.hits).toHaveLength(0);
      const french = await store.searchModels({ language: "fr", sort: "downloads", limit: 10 });
      expect(french.hits.map((hit) => hit.model.id)).toEqual(["org/a"]);
    });

    it("writes a batch that names an id twice in order: the later record wins", async () => {
      const first = makeModel({ id: "org/twice", downloads: 1, languages: ["en"] });
      const later = { ...first, downloads: 2, languages: ["zh"] };
      expect(
        await store.upsertModels([first, makeModel({ id: "org/once" }), later, later]),
      ).toEqual({ inserted: 2, updated: 1, unchanged: 1 });
      expect(await store.getModel("org/twice")).toEqual(later);
      const chinese = await store.searchModels({ language: "zh", sort: "downloads", limit: 5 });
      expect(chinese.hits.map((hit) => hit.model.id)).toEqual(["org/twice"]);
      const english = await store.searchModels({ language: "en", sort: "downloads", limit: 5 });
      expect(english.hits).toEqual([]);
    });

    it("round-trips every field of a record", async () => {
      const model = makeModel({
        id: "org/full",
        task: "text-generation",
        library: "transformers",
        languages: ["en", "zh"],
        license: "apache-2.0",
        datasets: ["wikipedia"],
        params: 7e9,
        memoryBytes: { fp16: 14e9 },
        flopsPerItem: 1.5e12,
        contextLength: 8192,
        downloads: 10,
        likes: 3,
        lastModified: "2026-01-02T03:04:05.000Z",
        tags: ["chat"],
        evalResults: [
          {
            benchmark: "MMLU-PRO",
            metric: "accuracy",
            value: 40.5,
            source: "leaderboard",
            verified: true,
            domain: "medical",
          },
        ],
        hardware: [
          {
            hardware: "rtx-4090",
            kind: "measured",
            throughputPerSecond: 100,
            batchSize: 8,
            source: "bench",
          },
        ],
        score: 40.5,
        extra: { embeddingDim: 768, nested: { a: [1, 2] } },
      });
      await store.upsertModels([model]);
      expect(await store.getModel("org/full")).toEqual(model);
      expect(await store.getModel("org/missing")).toBeNull();
    });

    it("rolls back a whole batch when one record cannot be written", async () => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const bad = { ...makeModel({ id: "org/bad" }), extra: circular };
      await expect(store.upsertModels([makeModel({ id: "org/good" }), bad])).rejects.toThrow();
      expect(await store.getModel("org/good")).toBeNull();
      expect(await store.countModels()).toBe(0);
    });

    it("reads several models by id at once, stored ones only", async () => {
      const a = makeModel({ id: "org/a", downloads: 3 });
      const b = makeModel({ id: "org/b", languages: ["zh"] });
      await store.upsertModels([a, b, makeModel({ id: "org/c" })]);
      const found = await store.getModels(["org/b", "org/missing", "org/a", "org/b"]);
      expect([...found.keys()].sort()).toEqual(["org/a", "org/b"]);
      expect(found.get("org/a")).toEqual(a);
      expect(found.get("org/b")).toEqual(b);
      expect((await store.getModels([])).size).toBe(0);
      // More ids than SQLite takes as parameters in one statement.
      const many = Array.from({ length: 1200 }, (_, index) => `org/none-${index}`);
      expect((await store.getModels([...many, "org/c"])).size).toBe(1);
    });

    it("reports lastModified for stored ids only", async () => {
      await store.upsertModels([
        makeModel({ id: "org/a", lastModified: "2026-01-01T00:00:00.000Z" }),
        makeModel({ id: "org/b" }),
      ]);
      const found = await store.getLastModified(["org/a", "org/b", "org/c"]);
      expect(found).toEqual(
        new Map([
          ["org/a", "2026-01-01T00:00:00.000Z"],
          ["org/b", null],
        ]),
      );
      const many = Array.from({ length: 1200 }, (_, index) => `org/x${index}`);
      expect((await store.getLastModified([...many, "org/a"])).size).toBe(1);
    });

    it("filters by task, language, licence, source and parameter bound", async () => {
      await store.upsertModels([
        makeModel({
          id: "a",
          task: "text-classification",
          languages: ["zh"],
          license: "mit",
          params: 1e8,
        }),
        makeModel({
          id: "b",
          task: "text-classification",
          languages: ["en"],
          license: "mit",
          params: 3e8,
        }),
        makeModel({
          id: "c",
          task: "feature-extraction",
          languages: ["zh", "en"],
          license: "apache-2.0",
          params: 2e8,
        }),
        makeModel({
          id: "d",
          task: "text-classification",
          source: "npm",
          languages: ["zh"],
          params: null,
        }),
      ]);
      const ids = async (query: Parameters<CatalogStore["searchModels"]>[0]) =>
        (await store.searchModels(query)).hits.map((hit) => hit.model.id).sort();
      expect(await ids({ tasks: ["text-classification"], sort: "downloads", limit: 10 })).toEqual([
        "a",
        "b",
        "d",
      ]);
      expect(
        await ids({
          tasks: ["text-classification", "feature-extraction"],
          language: "zh",
          sort: "downloads",
          limit: 10,
        }),
      ).toEqual(["a", "c", "d"]);
      expect(await ids({ license: "mit", sort: "downloads", limit: 10 })).toEqual(["a", "b"]);
      expect(await ids({ source: "npm", sort: "downloads", limit: 10 })).toEqual(["d"]);
      // 250M parameters' worth of fp32 weights: sizes derived from params are compared in
      // parameters; an unknown size ("d") stays, as selection keeps it.
      const memory = memoryBound(2.5e8 * 4 * 1.2, "fp32");
      expect(await ids({ memory, sort: "downloads", limit: 10 })).toEqual(["a", "c", "d"]);
      expect(await ids({ tasks: [], sort: "downloads", limit: 10 })).toEqual([]);
      expect(await store.countModels({ source: "npm" })).toBe(1);
    });

    it("filters by library, on every plan, and keeps it when a record changes", async () => {
      // Many more downloaded models of other libraries ahead of the few of the ones asked for,
      // with a language and a licence, so that each plan (the capped walk, the language
      // walk, the licence driver) must look past them.
      await store.upsertModels([
        ...Array.from({ length: 120 }, (_, index) =>
          makeModel({
            id: `popular/${index}`,
            task: "image-classification",
            library: index % 2 === 0 ? "timm" : "transformers",
            languages: ["en"],
            license: "mit",
            downloads: 10_000 + index,
          }),
        ),
        makeModel({
          id: "Xenova/vit",
          task: "image-classification",
          library: "transformers.js",
          languages: ["en"],
          license: "mit",
          downloads: 50,
        }),
        makeModel({
          id: "someone/onnx-export",
          task: "image-classification",
          library: "onnx",
          downloads: 5,
        }),
        makeModel({ id: "Xenova/bert", task: "text-classification", library: "transformers.js" }),
        makeModel({ id: "no/library", task: "image-classification", library: null }),
      ]);
      const ids = async (query: Partial<Parameters<CatalogStore["searchModels"]>[0]>) =>
        (
          await store.searchModels({
            tasks: ["image-classification"],
            sort: "downloads",
            limit: 5,
            ...query,
          })
        ).hits.map((hit) => hit.model.id);
      const runnable = ["transformers.js", "onnx"];
      expect(await ids({ libraries: runnable })).toEqual(["Xenova/vit", "someone/onnx-export"]);
      expect(await ids({ libraries: runnable, language: "en" })).toEqual(["Xenova/vit"]);
      expect(await ids({ libraries: runnable, license: "mit", sort: "score" })).toEqual([
        "Xenova/vit",
      ]);
      expect(await ids({ libraries: ["timm"], limit: 2 })).toEqual(["popular/118", "popular/116"]);
      expect(await ids({ libraries: [] })).toEqual([]);
      // Another library in a newer record moves the model out of the old one's results.
      await store.upsertModels([
        makeModel({
          id: "Xenova/vit",
          task: "image-classification",
          library: "transformers",
          downloads: 50,
        }),
      ]);
      expect(await ids({ libraries: runnable })).toEqual(["someone/onnx-export"]);
    });

    it("filters by ONNX weights, of any library, on every plan, and follows a record that changes", async () => {
      // Many more downloaded models without ONNX weights ahead of the few with them, with a
      // language and a licence, so that each plan must look past them.
      await store.upsertModels([
        ...Array.from({ length: 120 }, (_, index) =>
          makeModel({
            id: `popular/${index}`,
            task: "feature-extraction",
            library: "sentence-transformers",
            languages: ["en"],
            license: "mit",
            downloads: 10_000 + index,
          }),
        ),
        // An original tagged `onnx` by the Hub (an onnx/ folder beside its PyTorch weights).
        makeModel({
          id: "sentence-transformers/all-MiniLM-L6-v2",
          task: "feature-extraction",
          library: "sentence-transformers",
          tags: ["sentence-transformers", "onnx", "safetensors"],
          languages: ["en"],
          license: "mit",
          downloads: 500,
        }),
        makeModel({
          id: "Xenova/bge-small",
          task: "feature-extraction",
          library: "transformers.js",
          languages: ["en"],
          downloads: 50,
        }),
        makeModel({
          id: "someone/files-unknown",
          task: "feature-extraction",
          library: "transformers",
          tags: ["onnx"],
          extra: { filesUnknown: true },
          downloads: 20,
        }),
        // Tagged `onnx`, but its files are known and none is under onnx/: not runnable.
        makeModel({
          id: "someone/root-onnx",
          task: "feature-extraction",
          library: "transformers",
          tags: ["onnx"],
          extra: { onnxFiles: [] },
          downloads: 40,
        }),
        makeModel({ id: "Xenova/vit", task: "image-classification", library: "transformers.js" }),
      ]);
      const ids = async (query: Partial<Parameters<CatalogStore["searchModels"]>[0]>) =>
        (
          await store.searchModels({
            tasks: ["feature-extraction"],
            sort: "downloads",
            limit: 5,
            ...query,
          })
        ).hits.map((hit) => hit.model.id);
      expect(await ids({ onnx: true })).toEqual([
        "sentence-transformers/all-MiniLM-L6-v2",
        "Xenova/bge-small",
        "someone/files-unknown",
      ]);
      expect(await ids({ onnx: true, language: "en" })).toEqual([
        "sentence-transformers/all-MiniLM-L6-v2",
        "Xenova/bge-small",
      ]);
      expect(await ids({ onnx: true, license: "mit", sort: "score" })).toEqual([
        "sentence-transformers/all-MiniLM-L6-v2",
      ]);
      expect(await ids({ onnx: true, source: "hub", limit: 1 })).toEqual([
        "sentence-transformers/all-MiniLM-L6-v2",
      ]);
      expect(await ids({ onnx: false, limit: 2 })).toEqual(["popular/119", "popular/118"]);
      // Its files looked up and no ONNX weights found: the model leaves the ONNX view.
      await store.upsertModels([
        makeModel({
          id: "sentence-transformers/all-MiniLM-L6-v2",
          task: "feature-extraction",
          library: "sentence-transformers",
          tags: ["sentence-transformers", "onnx", "safetensors"],
          languages: ["en"],
          license: "mit",
          downloads: 500,
          extra: { onnxFiles: [] },
        }),
      ]);
      expect(await ids({ onnx: true })).toEqual(["Xenova/bge-small", "someone/files-unknown"]);
    });

    it("keeps models of unknown size under a memory bound, and judges a recorded weight size by itself", async () => {
      // Shaped like the catalog's: npm lexicons record their files' size and no params, MTEB
      // records measured memory, the Hub fills every dtype from params.
      const models = [
        makeModel({ id: "derived-fits", params: 1e8, downloads: 90 }),
        makeModel({ id: "derived-too-big", params: 3e8, downloads: 80 }),
        makeModel({ id: "lexicon", params: null, memoryBytes: { fp32: 71_360 }, downloads: 70 }),
        makeModel({ id: "unknown", params: null, downloads: 60 }),
        makeModel({
          id: "recorded-too-big",
          params: null,
          memoryBytes: { fp32: 9e8 },
          downloads: 55,
        }),
        makeModel({
          id: "recorded-smaller",
          params: 3e8,
          memoryBytes: { fp32: 5e8 },
          downloads: 50,
        }),
        makeModel({
          id: "recorded-larger",
          params: 1e8,
          memoryBytes: { fp32: 2e9 },
          downloads: 40,
        }),
        makeModel({
          id: "other-dtype-only",
          params: null,
          memoryBytes: { int8: 1e8 },
          downloads: 30,
        }),
        makeModel({
          id: "hub-filled",
          params: 2e8,
          memoryBytes: { fp32: 8e8, fp16: 4e8, bf16: 4e8, int8: 2e8, int4: 1e8 },
          downloads: 20,
        }),
      ];
      await store.upsertModels(models);
      const search = async (query: Omit<Parameters<CatalogStore["searchModels"]>[0], "limit">) =>
        (await store.searchModels({ limit: 20, ...query })).hits.map((hit) => hit.model.id);
      // 1e9 bytes at fp32: weights times 1.2 must be at most that (208M parameters).
      const memory = memoryBound(1e9, "fp32");
      const expected = [
        "derived-fits",
        "lexicon",
        "unknown",
        "recorded-smaller",
        "other-dtype-only",
        "hub-filled",
      ];
      expect(await search({ memory, sort: "downloads" })).toEqual(expected);
      // memoryFit's verdict, the one the search table shows, is what the store applied.
      expect(
        models
          .filter((model) => memoryFit(model, { memoryBytes: 1e9 }, "fp32").fits !== false)
          .map((model) => model.id),
      ).toEqual(expected);
      // The same set whatever the plan: a latency sort (unknown latencies last), a latency
      // bound loose enough for every estimate (unknown latencies pass it), a task.
      const byLatency = await search({ memory, latency: COEFFICIENTS, sort: "latency" });
      expect([...byLatency].sort()).toEqual([...expected].sort());
      expect(
        await search({ memory, latency: COEFFICIENTS, maxLatencyMs: 1e9, sort: "downloads" }),
      ).toEqual(expected);
      expect(await search({ memory, tasks: ["text-classification"], sort: "likes" })).toEqual(
        expected,
      );
      // At int8 (1.5e8 bytes, 125M parameters) only int8 figures count: a size recorded for
      // fp32 alone is unknown there, and a recorded fp32 size does not hide params.
      const int8 = memoryBound(1.5e8, "int8");
      expect(await search({ memory: int8, sort: "downloads" })).toEqual([
        "derived-fits",
        "lexicon",
        "unknown",
        "recorded-too-big",
        "recorded-larger",
        "other-dtype-only",
      ]);
      // A rewritten record's recorded sizes replace the old ones.
      await store.upsertModels([
        { ...(models[4] as (typeof models)[number]), memoryBytes: { fp32: 1e5 } },
        { ...(models[5] as (typeof models)[number]), memoryBytes: {} },
      ]);
      expect(await search({ memory, sort: "downloads" })).toEqual([
        "derived-fits",
        "lexicon",
        "unknown",
        "recorded-too-big",
        "other-dtype-only",
        "hub-filled",
      ]);
    });

    it("sorts, pages and reports whether more rows match", async () => {
      await store.upsertModels([
        makeModel({
          id: "a",
          downloads: 10,
          likes: 1,
          score: null,
          lastModified: "2026-01-01T00:00:00Z",
        }),
        makeModel({ id: "b", downloads: 30, likes: 3, score: 50, lastModified: null }),
        makeModel({
          id: "c",
          downloads: 20,
          likes: 2,
          score: 70,
          lastModified: "2026-03-01T00:00:00Z",
        }),
      ]);
      const order = async (sort: "downloads" | "likes" | "score" | "lastModified") =>
        (await store.searchModels({ sort, limit: 10 })).hits.map((hit) => hit.model.id);
      expect(await order("downloads")).toEqual(["b", "c", "a"]);
      expect(await order("likes")).toEqual(["b", "c", "a"]);
      expect(await order("score")).toEqual(["c", "b", "a"]);
      expect(await order("lastModified")).toEqual(["c", "a", "b"]);
      const firstPage = await store.searchModels({ sort: "downloads", limit: 2 });
      expect(firstPage.hits.map((hit) => hit.model.id)).toEqual(["b", "c"]);
      expect(firstPage.hasMore).toBe(true);
      const secondPage = await store.searchModels({ sort: "downloads", limit: 2, offset: 2 });
      expect(secondPage.hits.map((hit) => hit.model.id)).toEqual(["a"]);
      expect(secondPage.hasMore).toBe(false);
    });

    it("returns each model once when the query names a task twice", async () => {
      await store.upsertModels([
        makeModel({ id: "x", task: "text-classification", params: 1e6, downloads: 2 }),
        makeModel({ id: "y", task: "text-classification", params: 2e6, downloads: 1 }),
      ]);
      const tasks = ["text-classification", "text-classification"];
      for (const query of [
        { sort: "downloads" as const },
        { sort: "latency" as const, latency: COEFFICIENTS },
        { sort: "downloads" as const, latency: COEFFICIENTS, maxLatencyMs: 1e6 },
      ]) {
        const result = await store.searchModels({ tasks, limit: 10, ...query });
        expect(result.hits.map((hit) => hit.model.id)).toEqual(["x", "y"]);
      }
    });

    it("estimates latency with the same formula as the hardware module, measured figures first", async () => {
      const encoder = makeModel({
        id: "enc",
        task: "text-classification",
        params: 1e8,
        flopsPerItem: 5e10,
      });
      const generator = makeModel({ id: "gen", task: "text-generation", params: 1e9 });
      const measured = makeModel({
        id: "meas",
        task: "text-classification",
        params: 1e10,
        hardware: [
          { hardware: "test-gpu", kind: "measured", latencyMs: 0.5, batchSize: 1, source: "bench" },
          {
            hardware: "other-gpu",
            kind: "measured",
            latencyMs: 0.1,
            batchSize: 1,
            source: "bench",
          },
        ],
      });
      const unknown = makeModel({ id: "unknown", task: "text-classification", params: null });
      await store.upsertModels([encoder, generator, measured, unknown]);
      const result = await store.searchModels({
        latency: COEFFICIENTS,
        sort: "latency",
        limit: 10,
      });
      const byId = new Map(result.hits.map((hit) => [hit.model.id, hit]));
      expect(byId.get("enc")?.latencyMs).toBeCloseTo(
        estimateLatencyMs(encoder, COEFFICIENTS) ?? Number.NaN,
        9,
      );
      expect(byId.get("gen")?.latencyMs).toBeCloseTo(
        estimateLatencyMs(generator, COEFFICIENTS) ?? Number.NaN,
        9,
      );
      expect(byId.get("enc")?.latencyKind).toBe("estimated");
      expect(byId.get("meas")).toMatchObject({ latencyMs: 0.5, latencyKind: "measured" });
      expect(byId.get("unknown")?.latencyMs).toBeNull();
      // Ascending latency, unknown last.
      const latencies = result.hits.map((hit) => hit.latencyMs);
      expect(result.hits.at(-1)?.model.id).toBe("unknown");
      const known = latencies.filter((value): value is number => typeof value === "number");
      expect(known).toEqual([...known].sort((a, b) => a - b));

      const fast = await store.searchModels({
        latency: COEFFICIENTS,
        maxLatencyMs: 60,
        sort: "downloads",
        limit: 10,
      });
      // A bound keeps what it cannot judge, as select does (ADR 0086): the model of unknown
      // size stays, its latency unknown; every known latency is within the bound.
      expect(fast.hits.map((hit) => hit.model.id).sort()).toEqual(
        ["enc", "gen", "meas", "unknown"].filter(
          (id) => id === "unknown" || (byId.get(id)?.latencyMs ?? Number.NaN) <= 60,
        ),
      );
      expect(fast.hits.map((hit) => hit.model.id)).toContain("meas");
      expect(fast.hits.find((hit) => hit.model.id === "unknown")?.latencyMs).toBeNull();
      for (const hit of fast.hits) {
        if (hit.model.id !== "unknown") expect(hit.latencyMs).toBeLessThanOrEqual(60);
      }
      // A latency sort under the bound: the known ones in order, then the unknown one.
      const fastest = await store.searchModels({
        latency: COEFFICIENTS,
        maxLatencyMs: 60,
        sort: "latency",
        limit: 10,
      });
      expect(fastest.hits.map((hit) => hit.model.id)).toEqual(
        result.hits
          .filter((hit) => (hit.latencyMs ?? Number.NEGATIVE_INFINITY) <= 60)
          .map((hit) => hit.model.id),
      );
      expect(fastest.hits.at(-1)?.model.id).toBe("unknown");
    });

    it("agrees with a brute-force ranking over many models, pages and filters", async () => {
      let state = 12345;
      const next = () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return state / 2147483648;
      };
      const tasks = ["text-generation", "text-classification", "feature-extraction"];
      const models = Array.from({ length: 1500 }, (_, index) => {
        const params = next() < 0.05 ? null : Math.round(10 ** (6 + next() * 4));
        return makeModel({
          id: `bulk/${index}`,
          task: tasks[index % 3] ?? "text-classification",
          params,
          flopsPerItem: next() < 0.5 ? null : Math.round(10 ** (8 + next() * 4)),
          downloads: Math.floor(next() * 1000),
          score: next() < 0.3 ? null : Math.round(next() * 1000) / 10,
          languages: next() < 0.5 ? ["en"] : ["zh"],
          license: index % 7 < 3 ? "mit" : "apache-2.0",
          library:
            index % 11 === 0 ? "transformers.js" : index % 11 === 1 ? "onnx" : "transformers",
          // Weight sizes recorded beside params: smaller than they say, larger, only for
          // int8, and the Hub's every dtype from params.
          memoryBytes:
            index % 9 === 0
              ? { fp32: (params ?? 1e8) * 3 }
              : index % 9 === 1
                ? { int8: (params ?? 1e8) * 2 }
                : index % 9 === 2 && params !== null
                  ? { fp32: params * 4, fp16: params * 2, bf16: params * 2, int8: params }
                  : {},
          hardware:
            next() < 0.05
              ? [
                  {
                    hardware: "test-gpu",
                    kind: "measured",
                    latencyMs: next() * 50,
                    batchSize: 1,
                    source: "bench",
                  },
                ]
              : [],
        });
      });
      await store.upsertModels(models);
      const latencyOf = (model: (typeof models)[number]) =>
        model.hardware[0]?.latencyMs ?? estimateLatencyMs(model, COEFFICIENTS);
      const cases = [
        { tasks: ["text-generation", "feature-extraction"], offset: 0, limit: 25 },
        { tasks: undefined, offset: 40, limit: 30 },
        {
          tasks: ["text-classification"],
          offset: 0,
          limit: 600,
          memory: memoryBound(3e8 * 4 * 1.2, "fp32"),
        },
        {
          tasks: ["text-generation", "feature-extraction"],
          offset: 4,
          limit: 30,
          memory: memoryBound(1e8, "int8"),
          language: "zh",
        },
        { tasks: ["text-generation"], offset: 5, limit: 20, maxLatencyMs: 40, language: "zh" },
        {
          tasks: ["text-classification", "feature-extraction"],
          offset: 3,
          limit: 15,
          language: "zh",
        },
        { tasks: undefined, offset: 0, limit: 50, maxLatencyMs: 25 },
        {
          tasks: ["text-generation", "text-classification"],
          offset: 2,
          limit: 10,
          maxLatencyMs: 30,
          memory: memoryBound(5e8 * 1.2, "int8"),
          language: "en",
          license: "mit",
        },
        {
          tasks: ["text-classification"],
          offset: 0,
          limit: 20,
          libraries: ["transformers.js", "onnx"],
        },
        { tasks: undefined, offset: 3, limit: 10, libraries: ["onnx"], language: "en" },
        {
          tasks: ["text-generation", "feature-extraction"],
          offset: 0,
          limit: 15,
          libraries: ["transformers.js"],
          maxLatencyMs: 30,
        },
      ];
      for (const { tasks: taskFilter, offset, limit, ...filters } of cases) {
        const matching = models.filter(
          (model) =>
            (taskFilter === undefined || taskFilter.includes(model.task ?? "")) &&
            (filters.language === undefined || model.languages.includes(filters.language)) &&
            (filters.license === undefined || model.license === filters.license) &&
            (filters.libraries === undefined || filters.libraries.includes(model.library ?? "")) &&
            (filters.memory === undefined ||
              memoryFit(model, { memoryBytes: filters.memory.maxBytes }, filters.memory.dtype)
                .fits !== false) &&
            // An unknown latency passes a bound (ADR 0086).
            (filters.maxLatencyMs === undefined ||
              (latencyOf(model) ?? Number.NEGATIVE_INFINITY) <= filters.maxLatencyMs),
        );
        const byLatency = [...matching].sort((a, b) => {
          const left = latencyOf(a) ?? Number.POSITIVE_INFINITY;
          const right = latencyOf(b) ?? Number.POSITIVE_INFINITY;
          return left - right || models.indexOf(a) - models.indexOf(b);
        });
        const result = await store.searchModels({
          ...(taskFilter !== undefined && { tasks: taskFilter }),
          ...filters,
          latency: COEFFICIENTS,
          sort: "latency",
          offset,
          limit,
        });
        const expected = byLatency.slice(offset, offset + limit);
        expect(result.hits.map((hit) => hit.model.id)).toEqual(expected.map((model) => model.id));
        expect(result.hits.map((hit) => hit.latencyMs ?? null)).toEqual(
          expected.map((model) => {
            const latencyMs = latencyOf(model);
            return latencyMs === null ? null : expect.closeTo(latencyMs, 6);
          }),
        );
        expect(result.hasMore).toBe(byLatency.length > offset + limit);
        const byDownloads = [...matching].sort(
          (a, b) => b.downloads - a.downloads || models.indexOf(a) - models.indexOf(b),
        );
        const ranked = await store.searchModels({
          ...(taskFilter !== undefined && { tasks: taskFilter }),
          ...filters,
          latency: COEFFICIENTS,
          sort: "downloads",
          offset,
          limit,
        });
        expect(ranked.hits.map((hit) => hit.model.id)).toEqual(
          byDownloads.slice(offset, offset + limit).map((model) => model.id),
        );
      }
    });

    it("ranks by latency a model written later whose FLOPs per parameter is lower than any before", async () => {
      // Stores may stop a latency walk early using the smallest FLOPs-per-parameter ratio
      // seen; a model that lowers it, inserted or updated, must still be found.
      const slow = Array.from({ length: 600 }, (_, index) =>
        makeModel({
          id: `slow/${index}`,
          task: "text-classification",
          params: (index + 1) * 1e6,
          flopsPerItem: (index + 1) * 1e11,
        }),
      );
      await store.upsertModels(slow);
      // 1 + params * 1e-4 ms each: 101 ms for the smallest.
      const before = await store.searchModels({
        tasks: ["text-classification"],
        latency: COEFFICIENTS,
        sort: "latency",
        limit: 2,
      });
      expect(before.hits.map((hit) => hit.model.id)).toEqual(["slow/0", "slow/1"]);

      const late = makeModel({
        id: "late/fast",
        task: "text-classification",
        params: 5e8,
        flopsPerItem: 5e8,
      });
      const updated = { ...(slow[300] as (typeof slow)[number]), flopsPerItem: 3.01e8 };
      await store.upsertModels([late]);
      await store.upsertModels([updated]);
      const after = await store.searchModels({
        tasks: ["text-classification"],
        latency: COEFFICIENTS,
        sort: "latency",
        limit: 3,
      });
      expect(after.hits.map((hit) => [hit.model.id, hit.latencyMs])).toEqual([
        ["slow/300", expect.closeTo(1 + 3.01e8 * 2e-8, 9)],
        ["late/fast", expect.closeTo(1 + 5e8 * 2e-8, 9)],
        ["slow/0", expect.closeTo(101, 9)],
      ]);
      const bounded = await store.searchModels({
        tasks: ["text-classification"],
        latency: COEFFICIENTS,
        maxLatencyMs: 50,
        sort: "downloads",
        limit: 10,
      });
      expect(bounded.hits.map((hit) => hit.model.id).sort()).toEqual(["late/fast", "slow/300"]);
    });

    it("refuses latency filters without a hardware profile", async () => {
      await expect(store.searchModels({ sort: "latency", limit: 5 })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    });

    it("keeps meta values", async () => {
      expect(await store.getMeta("k")).toBeNull();
      await store.setMeta("k", "v1");
      await store.setMeta("k", "v2");
      expect(await store.getMeta("k")).toBe("v2");
      await store.setMeta("k", null);
      expect(await store.getMeta("k")).toBeNull();
    });

    it("lists the meta entries under a prefix, in key order", async () => {
      await store.setMeta("sync:b", "2");
      await store.setMeta("sync:a", "1");
      await store.setMeta("sync%x", "not under the prefix: % is no wildcard");
      await store.setMeta("other", "3");
      expect([...(await store.listMeta("sync:")).entries()]).toEqual([
        ["sync:a", "1"],
        ["sync:b", "2"],
      ]);
      expect((await store.listMeta("none:")).size).toBe(0);
    });

    it("commits a transaction's writes together, or none of them", async () => {
      await store.transaction(async (tx) => {
        await tx.upsertModels([makeModel({ id: "t/a" })]);
        await tx.setMeta("cursor", "page-2");
      });
      expect(await store.getModel("t/a")).not.toBeNull();
      expect(await store.getMeta("cursor")).toBe("page-2");

      await expect(
        store.transaction(async (tx) => {
          await tx.upsertModels([makeModel({ id: "t/b" })]);
          await tx.setMeta("cursor", "page-3");
          throw new Error("killed mid-page");
        }),
      ).rejects.toThrow("killed mid-page");
      expect(await store.getModel("t/b")).toBeNull();
      expect(await store.getMeta("cursor")).toBe("page-2");
    });

    it("makes other callers wait for an open transaction", async () => {
      const events: string[] = [];
      const inside = store.transaction(async (tx) => {
        await tx.upsertModels([makeModel({ id: "w/a" })]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push("transaction done");
      });
      const outside = store.countModels().then((count) => {
        events.push(`count ${count}`);
      });
      await Promise.all([inside, outside]);
      expect(events).toEqual(["transaction done", "count 1"]);
    });
  });
}
