/**
 * The built models load through transformers.js's real download path: `env.remoteHost`
 * points at a mirror started here, local loading is off, files land in a fresh cache, and
 * the pipelines run the downloaded ONNX graphs.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutoTokenizer, env, pipeline } from "@huggingface/transformers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type MirrorRequestLog,
  type MirrorServer,
  startMirrorServer,
} from "../../src/mirror/start-mirror-server.js";
import {
  loadClinc150,
  loadSentimentFixtures,
  loadWaimaiReviews,
} from "../../src/onnx-build/offline-training-data.js";
import { encodeWords } from "../../src/onnx-build/word-tokenizer.js";
import { type OfflineModels, prepareOfflineModels } from "../support/offline-models.js";

type Classification = { label: string; score: number };

let offline: OfflineModels;
let mirror: MirrorServer;
let cacheDirectory: string;
const requests: MirrorRequestLog[] = [];

beforeAll(async () => {
  offline = await prepareOfflineModels();
  mirror = await startMirrorServer({
    directory: offline.directory,
    onRequest: (entry) => requests.push(entry),
  });
  cacheDirectory = await mkdtemp(join(tmpdir(), "modelscout-transformers-cache-"));
  env.remoteHost = `${mirror.url}/`;
  env.remotePathTemplate = "{model}/resolve/{revision}/";
  env.allowRemoteModels = true;
  env.allowLocalModels = false;
  env.useFSCache = true;
  env.cacheDir = cacheDirectory;
}, 120_000);

afterAll(async () => {
  await mirror?.close();
  if (cacheDirectory !== undefined) await rm(cacheDirectory, { recursive: true, force: true });
});

function report(id: string) {
  const found = offline.reports.find((entry) => entry.id === id);
  if (found === undefined) throw new Error(`no build report for ${id}`);
  return found;
}

async function accuracy(
  classify: (texts: string[]) => Promise<unknown>,
  texts: readonly string[],
  labels: readonly string[],
): Promise<number> {
  let correct = 0;
  for (let start = 0; start < texts.length; start += 64) {
    const batch = texts.slice(start, start + 64);
    const outputs = (await classify(batch)) as Classification[];
    outputs.forEach((output, index) => {
      if (output.label === labels[start + index]) correct += 1;
    });
  }
  return correct / texts.length;
}

describe("English sentiment model via the mirror", () => {
  it("downloads through the mirror and classifies obvious sentences correctly", async () => {
    const classify = await pipeline("text-classification", offline.models.sentimentEnglish);
    const outputs = (await classify([
      "I love it, excellent quality and great value.",
      "Terrible. It broke after one day, a waste of money.",
    ])) as Classification[];
    expect(outputs.map((output) => output.label)).toEqual(["positive", "negative"]);
    expect(outputs.every((output) => output.score > 0.7)).toBe(true);
    const fetched = requests
      .filter((entry) => entry.path.startsWith(`/${offline.models.sentimentEnglish}/resolve/main/`))
      .map((entry) => entry.path.split("/resolve/main/")[1]);
    expect(fetched).toEqual(
      expect.arrayContaining([
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "onnx/model.onnx",
      ]),
    );
    const cached = await readdir(
      join(cacheDirectory, ...offline.models.sentimentEnglish.split("/"), "onnx"),
    );
    expect(cached).toContain("model.onnx");
  });

  it("reaches the held-out accuracy measured at build time (at least 0.78) through transformers.js", async () => {
    const { heldOut } = await loadSentimentFixtures();
    const classify = await pipeline("text-classification", offline.models.sentimentEnglish);
    const measured = await accuracy(classify as never, heldOut.texts, heldOut.labels);
    expect(measured).toBeGreaterThanOrEqual(0.78);
    // Same arithmetic in the graph and in the trainer: only float rounding may differ.
    expect(
      Math.abs(measured - (report(offline.models.sentimentEnglish).heldOutAccuracy ?? 0)),
    ).toBeLessThanOrEqual(0.005);
  });

  it("loads the q8 and fp16 variants as separate files that agree with fp32", async () => {
    const { heldOut } = await loadSentimentFixtures();
    const texts = heldOut.texts.slice(0, 200);
    const full = (await (
      await pipeline("text-classification", offline.models.sentimentEnglish)
    )(texts)) as Classification[];
    for (const [dtype, file] of [
      ["q8", "onnx/model_quantized.onnx"],
      ["fp16", "onnx/model_fp16.onnx"],
    ] as const) {
      const classify = await pipeline("text-classification", offline.models.sentimentEnglish, {
        dtype,
      });
      const outputs = (await classify(texts)) as Classification[];
      const agreeing = outputs.filter(
        (output, index) => output.label === full[index]?.label,
      ).length;
      expect(agreeing / texts.length).toBeGreaterThanOrEqual(0.98);
      expect(
        requests.some(
          (entry) => entry.path.endsWith(`/resolve/main/${file}`) && entry.status === 200,
        ),
      ).toBe(true);
    }
    const sizes = report(offline.models.sentimentEnglish).fileBytes;
    expect(sizes["onnx/model_quantized.onnx"]).toBeLessThan((sizes["onnx/model.onnx"] ?? 0) / 2);
  });

  it("tokenizes exactly as the builder did", async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(offline.models.sentimentEnglish);
    const raw = (
      tokenizer as unknown as { get_vocab(): Map<string, number> | Record<string, number> }
    ).get_vocab();
    const vocabulary = raw instanceof Map ? raw : new Map(Object.entries(raw));
    for (const text of [
      "Great phone!!! Works well, 10/10 - would buy again.",
      "  CAFÉ   naïve\tdon't  ",
      "The food was 很好吃 but the service...",
      "太难吃了，送了两个小时！再也不点了。。。",
      "",
    ]) {
      const { input_ids } = tokenizer(text);
      const ids = Array.from(input_ids.data as BigInt64Array, Number);
      expect(ids).toEqual(encodeWords(text, vocabulary));
    }
  });
});

describe("Chinese review model via the mirror", () => {
  it("classifies held-out waimai reviews well above the 66.7% majority class", async () => {
    const { heldOut } = await loadWaimaiReviews();
    const classify = await pipeline("text-classification", offline.models.reviewsChinese);
    // The whole split: the file lists all positive reviews first.
    const measured = await accuracy(classify as never, heldOut.texts, heldOut.labels);
    expect(measured).toBeGreaterThanOrEqual(0.85);
    expect(
      Math.abs(measured - (report(offline.models.reviewsChinese).heldOutAccuracy ?? 0)),
    ).toBeLessThanOrEqual(0.005);
    const outputs = (await classify([
      "很好吃，送餐也很快，下次还点",
      "太难吃了，送了两个小时，再也不点了",
    ])) as Classification[];
    expect(outputs.map((output) => output.label)).toEqual(["positive", "negative"]);
  });
});

describe("CLINC150 embedding model via the mirror", () => {
  it("returns mean-pooled 64-dimensional vectors that put same-intent queries closer", async () => {
    const embed = await pipeline("feature-extraction", offline.models.intentEmbeddings);
    const output = await embed(
      [
        "what is my bank balance",
        "how much money is in my checking account",
        "play some jazz music",
      ],
      { pooling: "mean", normalize: true },
    );
    expect(output.dims).toEqual([3, 64]);
    const [balance, checking, music] = output.tolist() as number[][];
    const cosine = (left: number[] = [], right: number[] = []) =>
      left.reduce((sum, value, index) => sum + value * (right[index] ?? 0), 0);
    expect(cosine(balance, checking)).toBeGreaterThan(cosine(balance, music) + 0.2);
  });

  it("finds the right intent by nearest centroid far above chance (1/150)", async () => {
    const { train, heldOut } = await loadClinc150();
    const embed = await pipeline("feature-extraction", offline.models.intentEmbeddings);
    const vectors = async (texts: readonly string[]) => {
      const rows: number[][] = [];
      for (let start = 0; start < texts.length; start += 256) {
        const output = await embed(texts.slice(start, start + 256), {
          pooling: "mean",
          normalize: true,
        });
        rows.push(...(output.tolist() as number[][]));
      }
      return rows;
    };
    const centroids = new Map<string, number[]>();
    (await vectors(train.texts)).forEach((vector, index) => {
      const label = train.labels[index] ?? "";
      const sum = centroids.get(label) ?? new Array<number>(vector.length).fill(0);
      vector.forEach((value, dimension) => {
        sum[dimension] = (sum[dimension] ?? 0) + value;
      });
      centroids.set(label, sum);
    });
    const sample = { texts: heldOut.texts.slice(0, 1500), labels: heldOut.labels.slice(0, 1500) };
    let correct = 0;
    (await vectors(sample.texts)).forEach((vector, index) => {
      let best = "";
      let bestScore = -Infinity;
      for (const [label, centroid] of centroids) {
        const norm = Math.sqrt(centroid.reduce((sum, value) => sum + value * value, 0)) || 1;
        const score =
          vector.reduce((sum, value, dimension) => sum + value * (centroid[dimension] ?? 0), 0) /
          norm;
        if (score > bestScore) {
          bestScore = score;
          best = label;
        }
      }
      if (best === sample.labels[index]) correct += 1;
    });
    expect(correct / sample.texts.length).toBeGreaterThanOrEqual(0.65);
  });
});
