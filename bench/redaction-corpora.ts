/**
 * The real lines the redaction benchmarks read: Chinese customer reviews (waimai_10k and
 * online_shopping_10_cats from ../shared/data/zh-reviews), and English reviews and assistant
 * queries (the `sentiment` fixtures and CLINC150). Shared by `redaction.ts` and
 * `redaction-against.ts`, so both measure the same text.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { parseCsvRecords } from "../src/catalog/snapshot/parse-csv.js";
import {
  loadClinc150,
  loadSentimentFixtures,
  loadWaimaiReviews,
  sharedDataDirectory,
} from "../src/onnx-build/offline-training-data.js";

export interface RedactionCorpora {
  chinese: string[];
  english: string[];
}

export async function loadRedactionCorpora(): Promise<RedactionCorpora> {
  const waimai = await loadWaimaiReviews();
  const shoppingCsv = execFileSync(
    "unzip",
    ["-p", join(sharedDataDirectory(), "zh-reviews", "online_shopping_10_cats.zip")],
    { maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
  );
  const shopping = parseCsvRecords(shoppingCsv).map((row) => row.review ?? "");
  const sentiment = await loadSentimentFixtures();
  const clinc = await loadClinc150();
  return {
    chinese: [...waimai.train.texts, ...waimai.heldOut.texts, ...shopping].filter(Boolean),
    english: [
      ...sentiment.train.texts,
      ...sentiment.heldOut.texts,
      ...clinc.train.texts,
      ...clinc.heldOut.texts,
    ],
  };
}
