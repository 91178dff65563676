/**
 * @module
 * timm's ImageNet results and inference benchmarks (pytorch-image-models `results/`) to
 * catalog records. The only place that knows these CSVs' columns and file names.
 *
 * - Results name pretrained weights (`resnet50.a1_in1k`); benchmarks name architectures
 *   (`resnet50`) at several image sizes. A result is matched to the benchmark row of its
 *   architecture (the name before the first `.`) at the model's native image size.
 * - The native size is the smallest size a model was validated at: timm validates at the
 *   weights' default `input_size` and again at `test_input_size`, which is never smaller.
 *   Score, FLOPs and measurements all use it, so they describe the same forward pass.
 * - Per device the newest benchmark run is used, the eager (non-`dynamo`) one when it
 *   exists, channels-first layout; AMP runs are recorded as `fp16` (timm's AMP default),
 *   CPU runs as `fp32`. `infer_step_time` is milliseconds per batch
 *   (= batch size / samples per second x 1000, checked on the data), and is recorded as the
 *   latency every item of a batch of `infer_batch_size` sees.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvalResult, HardwareAnnotation, ModelRecordInput } from "../model-record.js";
import { csvNumber, parseCsvRecords } from "./parse-csv.js";
import type { SnapshotSourceMapping } from "./snapshot-manifest.js";

/** Results file -> benchmark name; the first is the headline ImageNet-1k validation set. */
const RESULT_FILES = {
  "results-imagenet.csv": "ImageNet-1k",
  "results-imagenet-real.csv": "ImageNet-ReaL",
  "results-imagenetv2-matched-frequency.csv": "ImageNetV2-MatchedFrequency",
  "results-sketch.csv": "ImageNet-Sketch",
  "results-imagenet-a.csv": "ImageNet-A",
  "results-imagenet-a-clean.csv": "ImageNet-A-clean",
  "results-imagenet-r.csv": "ImageNet-R",
  "results-imagenet-r-clean.csv": "ImageNet-R-clean",
} as const;
const METADATA_FILE = "model_metadata-in1k.csv";

/** Benchmark file device names -> hardware profile ids (see `hardware/hardware-profiles.ts`). */
export const TIMM_DEVICES = {
  rtx3090: "rtx-3090",
  rtx4090: "rtx-4090",
  "4090": "rtx-4090",
  "5090": "rtx-5090",
  pro6000maxq: "rtx-pro-6000-max-q",
  i9_10940x: "cpu-i9-10940x",
  i7_12700h: "cpu-i7-12700h",
} as const satisfies Record<string, string>;

const BENCHMARK_FILE =
  /^benchmark-infer-(?<precision>amp|amp_bf16|bf16|fp32)-(?<layout>nchw|nhwc)-pt(?<torch>\d+)-(?<backend>cu\d+|cpu)-(?<device>[a-z0-9_]+?)(?<dynamo>-dynamo)?\.csv$/;

interface BenchmarkFile {
  file: string;
  hardware: string;
  precision: string;
  torch: number;
  dynamo: boolean;
}

/**
 * The benchmark file to use for each hardware id: AMP (GPU) or fp32 (CPU), NCHW, the newest
 * PyTorch, eager before `torch.compile` (compiled runs need a warm-up users rarely pay once).
 */
export function selectTimmBenchmarkFiles(fileNames: readonly string[]): Map<string, BenchmarkFile> {
  const selected = new Map<string, BenchmarkFile>();
  for (const file of fileNames) {
    const groups = BENCHMARK_FILE.exec(file)?.groups;
    if (groups === undefined) continue;
    const hardware = TIMM_DEVICES[groups.device as keyof typeof TIMM_DEVICES];
    if (hardware === undefined || groups.layout !== "nchw") continue;
    if (groups.precision !== "amp" && groups.precision !== "fp32") continue;
    const candidate: BenchmarkFile = {
      file,
      hardware,
      precision: groups.precision,
      torch: Number(groups.torch),
      dynamo: groups.dynamo !== undefined,
    };
    const current = selected.get(hardware);
    const better =
      current === undefined ||
      (current.dynamo && !candidate.dynamo) ||
      (current.dynamo === candidate.dynamo && candidate.torch > current.torch);
    if (better) selected.set(hardware, candidate);
  }
  return selected;
}

/** Pretraining data named in a weights tag (`fb_in22k_ft_in1k`) -> dataset ids. */
const TAG_DATASETS: readonly [RegExp, string][] = [
  [/in22k|in21k/, "imagenet-21k"],
  [/in12k/, "imagenet-12k"],
  [/laion2b/, "laion-2b"],
  [/laion400m/, "laion-400m"],
  [/dfn2b/, "dfn-2b"],
  [/ig1b|ig_/, "instagram-1b"],
  [/jft|ns_/, "jft-300m"],
  [/webli/, "webli"],
  [/m38m/, "merged-38m"],
  [/yfcc|yfc_/, "yfcc-100m"],
];
/** `model_metadata-in1k.csv` pretrain codes -> dataset ids. */
const METADATA_DATASETS: Readonly<Record<string, string>> = {
  in21k: "imagenet-21k",
  "in21k-selfsl": "imagenet-21k",
  "ig1b-wsl": "instagram-1b",
  "ig1b-swsl": "instagram-1b",
  "jft300m-ns": "jft-300m",
  "yfc-semisl": "yfcc-100m",
};

interface ResultRow {
  imageSize: number;
  top1: number | null;
  top5: number | null;
  params: number | null;
  cropPercent: number | null;
  interpolation: string;
}

function architectureOf(model: string): string {
  const dot = model.indexOf(".");
  return dot === -1 ? model : model.slice(0, dot);
}

function readCsv(directory: string, file: string): Record<string, string>[] {
  return parseCsvRecords(readFileSync(join(directory, file), "utf8"));
}

export function mapTimm(directory: string): SnapshotSourceMapping {
  const notes: Record<string, number | string> = {};
  // results[benchmark][model] = rows at each image size
  const results = new Map<string, Map<string, ResultRow[]>>();
  for (const [file, benchmark] of Object.entries(RESULT_FILES)) {
    const perModel = new Map<string, ResultRow[]>();
    for (const row of readCsv(directory, file)) {
      const model = row.model ?? "";
      const imageSize = csvNumber(row.img_size);
      if (model === "" || imageSize === null) continue;
      const rows = perModel.get(model) ?? [];
      rows.push({
        imageSize,
        top1: csvNumber(row.top1),
        top5: csvNumber(row.top5),
        params: csvNumber(row.param_count),
        cropPercent: csvNumber(row.crop_pct),
        interpolation: row.interpolation ?? "",
      });
      perModel.set(model, rows);
    }
    results.set(benchmark, perModel);
  }
  const headline = results.get("ImageNet-1k") ?? new Map<string, ResultRow[]>();

  const pretrainByArchitecture = new Map<string, string>();
  for (const row of readCsv(directory, METADATA_FILE)) {
    if (row.model && row.pretrain) pretrainByArchitecture.set(row.model, row.pretrain);
  }

  const benchmarkFiles = selectTimmBenchmarkFiles(readdirSync(directory).sort());
  // benchmarks[hardware]["architecture@size"] = row
  const benchmarks = new Map<string, Map<string, Record<string, string>>>();
  for (const [hardware, selected] of benchmarkFiles) {
    const rows = new Map<string, Record<string, string>>();
    for (const row of readCsv(directory, selected.file)) {
      const size = csvNumber(row.infer_img_size);
      if (row.model && size !== null) rows.set(`${row.model}@${size}`, row);
    }
    benchmarks.set(hardware, rows);
  }
  // FLOPs do not depend on the device; take them from the file that covers most models.
  const flopsSources = ["rtx-4090", ...benchmarkFiles.keys()];

  const records: ModelRecordInput[] = [];
  const matched = new Map<string, number>();
  let withFlops = 0;
  for (const model of [...headline.keys()].sort()) {
    const rows = headline.get(model) ?? [];
    const native = rows.reduce((smallest, row) =>
      row.imageSize < smallest.imageSize ? row : smallest,
    );
    const architecture = architectureOf(model);
    const sizeKey = `${architecture}@${native.imageSize}`;

    const evalResults: EvalResult[] = [];
    for (const [benchmark, perModel] of results) {
      const variantRows = [...(perModel.get(model) ?? [])].sort(
        (a, b) => a.imageSize - b.imageSize,
      );
      for (const row of variantRows) {
        for (const [metric, value] of [
          ["top1", row.top1],
          ["top5", row.top5],
        ] as const) {
          if (value === null) continue;
          evalResults.push({
            benchmark,
            metric,
            value,
            scale: "percent",
            source: "timm-results",
            verified: true,
            dataset: `${row.imageSize}px`,
          });
        }
      }
    }

    const hardware: HardwareAnnotation[] = [];
    for (const [hardwareId, selected] of benchmarkFiles) {
      const row = benchmarks.get(hardwareId)?.get(sizeKey);
      if (row === undefined) continue;
      const throughput = csvNumber(row.infer_samples_per_sec);
      const stepMs = csvNumber(row.infer_step_time);
      const batchSize = csvNumber(row.infer_batch_size);
      if (throughput === null || throughput <= 0 || batchSize === null || batchSize < 1) continue;
      matched.set(hardwareId, (matched.get(hardwareId) ?? 0) + 1);
      hardware.push({
        hardware: hardwareId,
        kind: "measured",
        throughputPerSecond: throughput,
        ...(stepMs !== null && stepMs > 0 && { latencyMs: stepMs }),
        batchSize: Math.round(batchSize),
        dtype: selected.precision === "amp" ? "fp16" : "fp32",
        inputSize: native.imageSize,
        source: "timm-benchmark",
      });
    }

    let flopsPerItem: number | null = null;
    for (const hardwareId of flopsSources) {
      const gmacs = csvNumber(benchmarks.get(hardwareId)?.get(sizeKey)?.infer_gmacs);
      // One multiply-accumulate is two floating-point operations.
      if (gmacs !== null && gmacs > 0) {
        flopsPerItem = Math.round(2 * gmacs * 1e9);
        break;
      }
    }
    if (flopsPerItem !== null) withFlops += 1;

    const tag = model.slice(architecture.length + 1);
    const datasets = ["imagenet-1k"];
    for (const [pattern, dataset] of TAG_DATASETS) {
      if (pattern.test(tag) && !datasets.includes(dataset)) datasets.push(dataset);
    }
    const pretrain = pretrainByArchitecture.get(architecture);
    // The metadata file describes an architecture's original weights; only trust it for
    // weights whose tag names no other pretraining data.
    const metadataDataset = pretrain === undefined ? undefined : METADATA_DATASETS[pretrain];
    if (metadataDataset !== undefined && datasets.length === 1) datasets.push(metadataDataset);

    const testSize = Math.max(...rows.map((row) => row.imageSize));
    records.push({
      id: `timm/${model}`,
      source: "hub",
      task: "image-classification",
      library: "timm",
      datasets,
      params: native.params === null ? null : Math.round(native.params * 1e6),
      flopsPerItem,
      evalResults,
      hardware,
      score: native.top1,
      extra: {
        architecture,
        imageSize: native.imageSize,
        ...(testSize !== native.imageSize && { testImageSize: testSize }),
        ...(native.cropPercent !== null && { cropPercent: native.cropPercent }),
        ...(native.interpolation !== "" && { interpolation: native.interpolation }),
        ...(pretrain !== undefined && { architecturePretrain: pretrain }),
      },
    });
  }

  for (const [hardwareId, selected] of benchmarkFiles) {
    notes[`${hardwareId}.file`] = selected.file;
    const count = matched.get(hardwareId) ?? 0;
    notes[`${hardwareId}.matchRate`] = `${count}/${records.length}`;
  }
  return {
    origin: "timm-imagenet",
    records,
    files: [
      ...Object.keys(RESULT_FILES),
      METADATA_FILE,
      ...[...benchmarkFiles.values()].map((selected) => selected.file),
    ],
    notes: { ...notes, models: records.length, modelsWithFlops: withFlops },
  };
}
