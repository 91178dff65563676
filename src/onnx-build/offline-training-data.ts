/**
 * @module
 * The labelled data the built models learn from, read where it already lies on a
 * development machine, never copied into the repository:
 * - English sentiment: the `sentiment` package's test fixtures (Amazon, IMDb and Yelp
 *   sentences, 0/1), from node_modules;
 * - Chinese reviews: `zh-reviews/waimai_10k.csv` in the shared data folder (no licence
 *   file, so neither it nor a model trained on it is ever committed or published);
 * - intents: CLINC150 `clinc150/data_full.json` (CC-BY-3.0) in the shared data folder.
 * Splits are deterministic: every fifth example is held out.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCsvRecords } from "../catalog/snapshot/parse-csv.js";
import type { LabelledTexts } from "./build-text-classifier.js";

export interface LabelledSplit {
  train: LabelledTexts;
  heldOut: LabelledTexts;
}

/** `MODELSCOUT_SHARED_DATA`, else `../shared/data` beside the repository. */
export function sharedDataDirectory(): string {
  const configured = process.env.MODELSCOUT_SHARED_DATA;
  if (configured !== undefined && configured !== "") return resolve(configured);
  const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));
  return resolve(repositoryRoot, "..", "shared", "data");
}

/** Every `heldOutEvery`-th example (by position) is held out. */
export function splitEvery(
  texts: readonly string[],
  labels: readonly string[],
  heldOutEvery = 5,
): LabelledSplit {
  const split: LabelledSplit = {
    train: { texts: [], labels: [] },
    heldOut: { texts: [], labels: [] },
  };
  texts.forEach((text, index) => {
    const target = index % heldOutEvery === heldOutEvery - 1 ? split.heldOut : split.train;
    (target.texts as string[]).push(text);
    (target.labels as string[]).push(labels[index] ?? "");
  });
  return split;
}

/** 3,000 English sentences labelled `negative` / `positive`. */
export async function loadSentimentFixtures(): Promise<LabelledSplit> {
  const require = createRequire(import.meta.url);
  const fixtures = join(dirname(require.resolve("sentiment/package.json")), "test", "fixtures");
  const texts: string[] = [];
  const labels: string[] = [];
  for (const name of ["amazon", "imdb", "yelp"]) {
    const rows = JSON.parse(await readFile(join(fixtures, `${name}.json`), "utf8")) as {
      text: string;
      class: number;
    }[];
    for (const row of rows) {
      texts.push(row.text);
      labels.push(row.class === 1 ? "positive" : "negative");
    }
  }
  return splitEvery(texts, labels);
}

/** ~12,000 Chinese food-delivery reviews labelled `negative` / `positive`. */
export async function loadWaimaiReviews(directory = sharedDataDirectory()): Promise<LabelledSplit> {
  const rows = parseCsvRecords(
    await readFile(join(directory, "zh-reviews", "waimai_10k.csv"), "utf8"),
  );
  const kept = rows.filter((row) => (row.review ?? "").trim() !== "");
  return splitEvery(
    kept.map((row) => row.review ?? ""),
    kept.map((row) => (row.label === "1" ? "positive" : "negative")),
  );
}

/** CLINC150's in-scope `train` and `test` splits (15,000 and 4,500 queries, 150 intents). */
export async function loadClinc150(directory = sharedDataDirectory()): Promise<LabelledSplit> {
  const data = JSON.parse(
    await readFile(join(directory, "clinc150", "data_full.json"), "utf8"),
  ) as Record<string, [string, string][]>;
  const pick = (rows: [string, string][] | undefined): LabelledTexts => ({
    texts: (rows ?? []).map(([text]) => text),
    labels: (rows ?? []).map(([, intent]) => intent),
  });
  return { train: pick(data.train), heldOut: pick(data.test) };
}
