import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelRecord } from "../../../src/catalog/model-record.js";
import {
  type BuildSnapshotResult,
  buildSnapshot,
} from "../../../src/catalog/snapshot/build-snapshot.js";
import { selectTimmBenchmarkFiles } from "../../../src/catalog/snapshot/map-timm.js";
import { parseCsv } from "../../../src/catalog/snapshot/parse-csv.js";

const repositoryRoot = resolve(import.meta.dirname, "..", "..", "..");
const dataDirectory =
  process.env.MODELSCOUT_SHARED_DATA ?? resolve(repositoryRoot, "..", "shared", "data");
const committedDirectory = join(repositoryRoot, "data", "snapshot");

function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), "modelscout-snapshot-"));
}

function readLines(path: string): string[] {
  return gunzipSync(readFileSync(path)).toString("utf8").trimEnd().split("\n");
}

describe("buildSnapshot", () => {
  let first: BuildSnapshotResult;
  let second: BuildSnapshotResult;
  let models: Map<string, ModelRecord>;

  beforeAll(() => {
    first = buildSnapshot({ dataDirectory, outputDirectory: temporaryDirectory() });
    second = buildSnapshot({ dataDirectory, outputDirectory: temporaryDirectory() });
    models = new Map(
      readLines(first.catalogPath).map((line) => {
        const record = JSON.parse(line) as ModelRecord;
        return [record.id, record];
      }),
    );
  });

  it("writes the same bytes every time, with no timestamp in the gzip header", () => {
    const firstBytes = readFileSync(first.catalogPath);
    expect(readFileSync(second.catalogPath).equals(firstBytes)).toBe(true);
    expect(readFileSync(second.manifestPath, "utf8")).toBe(
      readFileSync(first.manifestPath, "utf8"),
    );
    expect(firstBytes.readUInt32LE(4)).toBe(0);
  });

  it("matches the committed snapshot (run `npm run snapshot:build` and commit if this fails)", () => {
    // Content, not compressed bytes: another zlib may compress the same lines differently.
    expect(readLines(join(committedDirectory, "catalog.jsonl.gz"))).toEqual(
      readLines(first.catalogPath),
    );
    expect(readFileSync(join(committedDirectory, "manifest.json"), "utf8")).toBe(
      readFileSync(first.manifestPath, "utf8"),
    );
  });

  it("sorts records by id and counts every origin", () => {
    const ids = [...models.keys()];
    expect(ids).toEqual([...ids].sort());
    expect(first.manifest.models).toBe(ids.length);
    expect(first.manifest.counts).toEqual({
      "open-llm-leaderboard": 4497,
      mteb: 656,
      "timm-imagenet": 1266,
    });
    expect(first.compressedBytes).toBeLessThan(5e6);
  });

  it("attributes only the redistributable sources", () => {
    expect(
      first.manifest.sources.map((source) => [source.origin, source.repository, source.license]),
    ).toEqual([
      ["open-llm-leaderboard", "chenjy16/modelrank_ai", "MIT (site footer)"],
      ["mteb", "embeddings-benchmark/results", "CC0-1.0"],
      ["timm-imagenet", "huggingface/pytorch-image-models", "Apache-2.0"],
    ]);
    // Folders without a licence (routerdc-7llm, ml-energy, zh-reviews) are never read.
    for (const source of first.manifest.sources) {
      expect(source.files.length).toBeGreaterThan(0);
      for (const file of source.files) expect(file).not.toMatch(/\//);
    }
  });

  it("maps an Open LLM Leaderboard model with its params, average and domain scores", () => {
    const model = models.get("Qwen/Qwen2.5-72B-Instruct");
    expect(model).toMatchObject({ source: "hub", task: "text-generation", score: 47.98 });
    expect(model?.params).toBe(72_706_000_000);
    const average = model?.evalResults.find(
      (result) => result.benchmark === "Average" && result.domain === undefined,
    );
    expect(average).toMatchObject({
      value: 47.98,
      scale: "percent",
      verified: true,
      source: "open-llm-leaderboard-v2",
    });
    expect(model?.evalResults.find((result) => result.benchmark === "IFEval")?.value).toBe(86.38);
    const domainAverage = model?.extra.domainAverage as Record<string, number>;
    expect(Object.keys(domainAverage).sort()).toEqual(["finance", "legal", "medical"]);
    expect(
      model?.evalResults.some(
        (result) => result.domain === "finance" && result.benchmark === "Domain average",
      ),
    ).toBe(true);
  });

  it("keeps the best-ranked row of a model the leaderboard lists twice", () => {
    expect(models.get("fblgit/TheBeagle-v2beta-32B-MGS")?.score).toBe(42.64);
  });

  it("maps an MTEB model with languages, embedding size, memory and per-task scores", () => {
    const model = models.get("BAAI/bge-base-en-v1.5");
    expect(model).toMatchObject({
      source: "hub",
      task: "feature-extraction",
      library: "sentence-transformers",
      languages: ["en"],
      license: "mit",
      params: 109_000_000,
      contextLength: 512,
    });
    expect(model?.extra.embeddingDim).toBe(768);
    // 390 MiB for 109M parameters is 3.75 bytes each: an fp32 checkpoint.
    expect(model?.memoryBytes.fp32).toBe(390 * 1024 * 1024);
    expect(model?.score).toBeGreaterThan(30);
    expect(model?.score).toBeLessThan(70);
    const sts = model?.evalResults.find((result) => result.benchmark === "STSBenchmark");
    expect(sts).toMatchObject({ source: "mteb", scale: "fraction", metric: "main_score" });
  });

  it("keeps API-only embedding models as endpoints", () => {
    expect(models.get("openai/text-embedding-3-small")).toMatchObject({
      source: "endpoint",
      extra: expect.objectContaining({ openWeights: false, embeddingDim: 1536 }),
    });
    expect(models.has("openai/text-embedding-3-small (embed_dim=512)")).toBe(false);
  });

  it("maps a timm model with top-1, FLOPs and measured throughput per device", () => {
    const model = models.get("timm/resnet50.a1_in1k");
    expect(model).toMatchObject({
      source: "hub",
      task: "image-classification",
      library: "timm",
      params: 25_560_000,
      score: 80.382,
      flopsPerItem: 8_220_000_000,
      extra: expect.objectContaining({ imageSize: 224, testImageSize: 288 }),
    });
    expect(model?.datasets).toContain("imagenet-1k");
    const rtx4090 = model?.hardware.find((annotation) => annotation.hardware === "rtx-4090");
    expect(rtx4090).toMatchObject({
      kind: "measured",
      source: "timm-benchmark",
      batchSize: 1024,
      inputSize: 224,
      dtype: "fp16",
    });
    expect(rtx4090?.throughputPerSecond).toBeGreaterThan(1000);
    // ms per batch: batch / throughput, as the benchmark's step time reports.
    expect(rtx4090?.latencyMs).toBeCloseTo((1024 / (rtx4090?.throughputPerSecond ?? 1)) * 1000, -1);
    const cpu = model?.hardware.find((annotation) => annotation.hardware === "cpu-i7-12700h");
    expect(cpu).toMatchObject({ batchSize: 1, dtype: "fp32" });
    expect(new Set(model?.hardware.map((annotation) => annotation.hardware))).toEqual(
      new Set([
        "rtx-3090",
        "rtx-4090",
        "rtx-5090",
        "rtx-pro-6000-max-q",
        "cpu-i9-10940x",
        "cpu-i7-12700h",
      ]),
    );
  });
});

describe("selectTimmBenchmarkFiles", () => {
  it("takes the newest eager NCHW run per device, and a compiled run only when there is no other", () => {
    const selected = selectTimmBenchmarkFiles([
      "benchmark-infer-amp-nchw-pt240-cu124-rtx4090.csv",
      "benchmark-infer-amp-nchw-pt291-cu128-4090-dynamo.csv",
      "benchmark-infer-amp-nchw-pt291-cu128-4090.csv",
      "benchmark-infer-amp-nhwc-pt240-cu124-rtx3090.csv",
      "benchmark-infer-amp-nchw-pt210-cu121-rtx3090.csv",
      "benchmark-infer-bf16-nchw-pt291-cu130-pro6000maxq-dynamo.csv",
      "benchmark-infer-fp32-nchw-pt221-cpu-i9_10940x-dynamo.csv",
      "benchmark-infer-fp32-nchw-pt240-cpu-i9_10940x-dynamo.csv",
      "benchmark-train-amp-nchw-pt112-cu113-rtx3090.csv",
    ]);
    expect(
      Object.fromEntries([...selected].map(([hardware, file]) => [hardware, file.file])),
    ).toEqual({
      "rtx-4090": "benchmark-infer-amp-nchw-pt291-cu128-4090.csv",
      "rtx-3090": "benchmark-infer-amp-nchw-pt210-cu121-rtx3090.csv",
      "cpu-i9-10940x": "benchmark-infer-fp32-nchw-pt240-cpu-i9_10940x-dynamo.csv",
    });
  });
});

describe("parseCsv", () => {
  it("handles quoted fields with quotes, commas and line breaks", () => {
    expect(parseCsv('a,b,c\n1,"<a href=""x"">y, z</a>","two\nlines"\r\n2,,\n')).toEqual([
      ["a", "b", "c"],
      ["1", '<a href="x">y, z</a>', "two\nlines"],
      ["2", "", ""],
    ]);
  });

  it("rejects an unclosed quote with its line", () => {
    expect(() => parseCsv('a\n"open\n')).toThrow(/line 3/);
  });
});
