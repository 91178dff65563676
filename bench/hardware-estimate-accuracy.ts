/**
 * Benchmark: how close is the roofline latency estimate (hardware/estimate-latency.ts) to
 * the per-item times timm measured for ~1,400 ImageNet classifiers on real devices?
 *
 *   npx tsx bench/hardware-estimate-accuracy.ts [--data /work/shared/data/timm-imagenet]
 *     [--energyData /work/shared/data/ml-energy]
 *
 * For each benchmark file and each row it builds the model as the catalog would
 * (params = param_count x 1e6, flopsPerItem = 2 x infer_gmacs x 1e9, task
 * image-classification), estimates its latency on the matching profile at the file's dtype
 * (AMP runs are fp16, CPU runs fp32) and divides by the measured per-item time
 * (1000 / infer_samples_per_sec). GPU files were measured at large batches (256-2048), so
 * their figure is a batch-amortised per-item time, while the estimate is a batch-1 latency
 * (it includes the per-call overhead and one read of the weights per item). The table
 * therefore also shows the compute term alone, which is the part comparable with an
 * amortised figure, and the compute efficiency the devices actually achieved. CPU files
 * were measured at batch 1 and compare like for like.
 *
 * Prints a table and writes bench/results/hardware-estimate-accuracy.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { toModelRecord } from "../src/catalog/model-record.js";
import {
  EFFICIENCY_BY_KIND,
  estimateLatencyMs,
  latencyCoefficients,
} from "../src/hardware/estimate-latency.js";
import { resolveHardware } from "../src/hardware/resolve-hardware.js";

const { values } = parseArgs({
  options: {
    data: { type: "string", default: "/work/shared/data/timm-imagenet" },
    energyData: { type: "string", default: "/work/shared/data/ml-energy" },
  },
});
const dataFolder = values.data;

/** Benchmark file per profile: the newest eager (non-dynamo) NCHW run for each GPU. */
const RUNS = [
  { hardware: "rtx-4090", file: "benchmark-infer-amp-nchw-pt291-cu128-4090.csv", dtype: "fp16" },
  {
    hardware: "cpu-i7-12700h",
    file: "benchmark-infer-fp32-nchw-pt240-cpu-i7_12700h-dynamo.csv",
    dtype: "fp32",
  },
  { hardware: "rtx-3090", file: "benchmark-infer-amp-nchw-pt240-cu124-rtx3090.csv", dtype: "fp16" },
  { hardware: "rtx-5090", file: "benchmark-infer-amp-nchw-pt291-cu130-5090.csv", dtype: "fp16" },
  {
    hardware: "rtx-pro-6000-max-q",
    file: "benchmark-infer-amp-nchw-pt291-cu130-pro6000maxq.csv",
    dtype: "fp16",
  },
  {
    hardware: "cpu-i9-10940x",
    file: "benchmark-infer-fp32-nchw-pt240-cpu-i9_10940x-dynamo.csv",
    dtype: "fp32",
  },
] as const;

interface Row {
  model: string;
  params: number;
  flops: number;
  batchSize: number;
  measuredMs: number;
}

function readRows(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  if (header === undefined) return [];
  const columns = header.split(",");
  const index = (name: string) => columns.indexOf(name);
  const rows: Row[] = [];
  for (const line of lines) {
    const cells = line.split(",");
    const field = (name: string) => Number(cells[index(name)] ?? Number.NaN);
    const gmacs = field("infer_gmacs");
    const samplesPerSecond = field("infer_samples_per_sec");
    const paramMillions = field("param_count");
    if (!(gmacs > 0 && samplesPerSecond > 0 && paramMillions > 0)) continue;
    rows.push({
      model: cells[index("model")] ?? "?",
      params: paramMillions * 1e6,
      flops: 2 * gmacs * 1e9,
      batchSize: field("infer_batch_size"),
      measuredMs: 1000 / samplesPerSecond,
    });
  }
  return rows;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? Number.NaN;
  return lowValue + (highValue - lowValue) * (position - low);
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const withinFactorTwo = sorted.filter((value) => value >= 0.5 && value <= 2).length;
  return {
    p10: quantile(sorted, 0.1),
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    withinFactorTwo: sorted.length === 0 ? 0 : withinFactorTwo / sorted.length,
  };
}

const results = RUNS.map((run) => {
  const profile = resolveHardware(run.hardware);
  const coefficients = latencyCoefficients(profile, run.dtype);
  const rows = readRows(join(dataFolder, run.file));
  const estimateRatios: number[] = [];
  const computeRatios: number[] = [];
  const achievedEfficiency: number[] = [];
  for (const row of rows) {
    const model = toModelRecord({
      id: `timm/${row.model}`,
      source: "hub",
      task: "image-classification",
      params: row.params,
      flopsPerItem: row.flops,
    });
    const estimate = estimateLatencyMs(model, coefficients);
    if (estimate === null) continue;
    estimateRatios.push(estimate / row.measuredMs);
    computeRatios.push((row.flops * coefficients.msPerFlop) / row.measuredMs);
    achievedEfficiency.push(row.flops / (row.measuredMs / 1000) / (profile.peakTflops * 1e12));
  }
  const batchSizes = [...new Set(rows.map((row) => row.batchSize))].sort((a, b) => a - b);
  return {
    hardware: profile.id,
    file: run.file,
    dtype: run.dtype,
    rows: estimateRatios.length,
    batchSizes,
    amortised: batchSizes.some((size) => size !== 1),
    efficiency: EFFICIENCY_BY_KIND[profile.kind],
    peakTflops: profile.peakTflops,
    estimateOverMeasured: summary(estimateRatios),
    computeTermOverMeasured: summary(computeRatios),
    achievedFractionOfPeak: summary(achievedEfficiency),
  };
});

const format = (value: number) => value.toFixed(2).padStart(6);
const header = `${"hardware".padEnd(20)} ${"rows".padStart(5)} ${"batch".padStart(9)}  ${"estimate/measured p10 med p90".padEnd(30)} ${"in 2x".padStart(5)}  ${"compute-term/measured p10 med p90".padEnd(34)} ${"achieved/peak p10 med p90"}`;
process.stdout.write(`${header}\n${"-".repeat(header.length)}\n`);
for (const result of results) {
  const batch = result.amortised
    ? `${result.batchSizes[0]}-${result.batchSizes.at(-1)}`
    : String(result.batchSizes[0]);
  const e = result.estimateOverMeasured;
  const c = result.computeTermOverMeasured;
  const a = result.achievedFractionOfPeak;
  process.stdout.write(
    `${result.hardware.padEnd(20)} ${String(result.rows).padStart(5)} ${batch.padStart(9)}  ${format(e.p10)} ${format(e.median)} ${format(e.p90)}           ${`${(e.withinFactorTwo * 100).toFixed(0)}%`.padStart(5)}  ${format(c.p10)} ${format(c.median)} ${format(c.p90)}               ${format(a.p10)} ${format(a.median)} ${format(a.p90)}\n`,
  );
}

/**
 * Second check, for the decode term generators pay per output token: ML.ENERGY's vLLM runs
 * of dense LLMs on one H100 (bf16) at their smallest batch (8 concurrent requests). The
 * median inter-token latency is compared with `params x msPerParam`, one read of the weights.
 */
interface MlEnergyConfiguration {
  model_id: string;
  gpu_model: string;
  num_gpus: number;
  architecture: string;
  weight_precision: string;
  max_num_seqs: number;
  total_params_billions: number;
  median_itl_ms: number;
}
const decodeCheck = (() => {
  const path = join(values.energyData, "tasks/lm-arena-chat.json");
  const configurations = (
    JSON.parse(readFileSync(path, "utf8")) as { configurations: MlEnergyConfiguration[] }
  ).configurations;
  const smallestBatch = new Map<string, MlEnergyConfiguration>();
  for (const configuration of configurations) {
    if (
      configuration.gpu_model !== "H100" ||
      configuration.num_gpus !== 1 ||
      configuration.architecture !== "Dense Transformer" ||
      configuration.weight_precision !== "bfloat16"
    )
      continue;
    const seen = smallestBatch.get(configuration.model_id);
    if (seen === undefined || configuration.max_num_seqs < seen.max_num_seqs) {
      smallestBatch.set(configuration.model_id, configuration);
    }
  }
  const coefficients = latencyCoefficients(resolveHardware("h100"), "bf16");
  const models = [...smallestBatch.values()].map((configuration) => {
    const estimatedTokenMs = configuration.total_params_billions * 1e9 * coefficients.msPerParam;
    return {
      model: configuration.model_id,
      batch: configuration.max_num_seqs,
      measuredTokenMs: configuration.median_itl_ms,
      estimatedTokenMs,
      ratio: estimatedTokenMs / configuration.median_itl_ms,
    };
  });
  return {
    source: path,
    hardware: "h100",
    dtype: "bf16",
    models,
    estimateOverMeasured: summary(models.map((model) => model.ratio)),
  };
})();
process.stdout.write(
  "\nDecode term vs ML.ENERGY median inter-token latency (H100, bf16, vLLM, smallest batch):\n",
);
for (const model of decodeCheck.models) {
  process.stdout.write(
    `  ${model.model.padEnd(40)} batch ${String(model.batch).padStart(3)}  measured ${model.measuredTokenMs.toFixed(2).padStart(6)} ms  estimated ${model.estimatedTokenMs.toFixed(2).padStart(6)} ms  ratio ${model.ratio.toFixed(2)}\n`,
  );
}
const decode = decodeCheck.estimateOverMeasured;
process.stdout.write(
  `  median ratio ${decode.median.toFixed(2)} (p10 ${decode.p10.toFixed(2)}, p90 ${decode.p90.toFixed(2)})\n`,
);

mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/hardware-estimate-accuracy.json",
  `${JSON.stringify({ generatedAt: new Date().toISOString(), dataFolder, results, decodeCheck }, null, 2)}\n`,
);
process.stdout.write("\nwrote bench/results/hardware-estimate-accuracy.json\n");
