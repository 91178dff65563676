/**
 * @module
 * Writes the sample data of the examples under `examples/` from where the data lives on a
 * development machine (npm packages and the shared data folder), deterministically, so the
 * committed files can be checked against a fresh run:
 *
 *   npx tsx scripts/build-example-data.ts            # write the files
 *   npx tsx scripts/build-example-data.ts --check    # exit 1 if a committed file differs
 *
 * - `examples/english-sentiment/held-out-sentences.jsonl`: 200 sentences from the
 *   `sentiment` package's test fixtures (UCI Sentiment Labelled Sentences), taken only from
 *   the fifth the project's ONNX sentiment model is NOT trained on (the split of
 *   `loadSentimentFixtures`), minus any sentence that also occurs in its training part.
 * - `examples/language-id/udhr-snippets.jsonl`: 15 short snippets (3 to 6 words, the
 *   length of a chat message) in each of 15 languages, cut from the paragraphs of the
 *   `udhr` package, labelled with the ISO 639-1 codes the npm language identifiers emit
 *   (backends/npm/language-labels.ts normalises them all to these).
 * - `examples/chinese-reviews/waimai-sample.csv`: 100 positive and 100 negative reviews
 *   from `zh-reviews/waimai_10k.csv` (no licence file: kept in the repository as an example,
 *   never in the npm package), from the fifth the Chinese ONNX model is not trained on, in
 *   the original `label,review` columns with labels 1/0.
 *
 * Picks are evenly spaced over the eligible rows (no random numbers), and rows of
 * different labels are interleaved so any prefix of a file holds every label.
 */
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  loadSentimentFixtures,
  loadWaimaiReviews,
  sharedDataDirectory,
} from "../src/onnx-build/offline-training-data.js";

export const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface ExampleDataFile {
  /** Repository-relative, `/`-separated. */
  path: string;
  contents: string;
}

export interface BuildExampleDataOptions {
  /** Shared data folder (default `MODELSCOUT_SHARED_DATA` or `../shared/data`). */
  sharedData?: string;
}

export const ENGLISH_SENTIMENT_ROWS = 200;
export const UDHR_SNIPPETS_PER_LANGUAGE = 15;
export const CHINESE_REVIEWS_PER_LABEL = 100;

/**
 * Label (ISO 639-1, what the npm detectors emit) -> UDHR declaration code. Fifteen
 * languages franc-min, tinyld, eld and fastText all know, in groups that share a script and
 * much vocabulary (es/pt/it, de/nl/sv, ru/uk/be/bg, cs/pl), so the task is not decided by
 * the script alone. Left out because franc-min cannot emit them (every one of its answers
 * would be wrong by construction): ca, gl, da, no, sk.
 */
export const UDHR_LANGUAGES: Readonly<Record<string, string>> = {
  en: "eng",
  fr: "fra",
  de: "deu_1996",
  nl: "nld",
  sv: "swe",
  es: "spa",
  pt: "por_BR",
  it: "ita",
  ru: "rus",
  uk: "ukr",
  be: "bel",
  bg: "bul",
  cs: "ces",
  pl: "pol",
  zh: "cmn_hans",
};

/** Snippet lengths in words, cycled over a language's snippets: chat-message sized. */
export const SNIPPET_WORDS = [3, 4, 5, 6] as const;

/** Scripts written without spaces: a snippet counts characters instead, this many per word. */
const CHARACTERS_PER_WORD: Readonly<Record<string, number>> = { zh: 2 };

/** Paragraphs shorter than this (headings such as "Now, therefore,") are left out. */
const MIN_PARAGRAPH_CHARACTERS = 30;

/** `count` items spread evenly over `items`, first one included; all of them if fewer. */
export function evenlySpaced<Item>(items: readonly Item[], count: number): Item[] {
  if (items.length <= count) return [...items];
  return Array.from(
    { length: count },
    (_, index) => items[Math.floor((index * items.length) / count)] as Item,
  );
}

/** Round-robin over the groups: a0 b0 c0 a1 b1 c1 ... */
function interleave<Item>(groups: readonly (readonly Item[])[]): Item[] {
  const longest = Math.max(0, ...groups.map((group) => group.length));
  const result: Item[] = [];
  for (let index = 0; index < longest; index += 1) {
    for (const group of groups) {
      const item = group[index];
      if (item !== undefined) result.push(item);
    }
  }
  return result;
}

function normalised(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}

function jsonLines(rows: readonly Record<string, string>[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join("");
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Held-out sentences the built English model never saw, balanced by interleaving. */
export async function englishSentimentRows(): Promise<Record<string, string>[]> {
  const { train, heldOut } = await loadSentimentFixtures();
  const seen = new Set(train.texts.map(normalised));
  const byLabel = new Map<string, { text: string; label: string }[]>();
  heldOut.texts.forEach((text, index) => {
    if (seen.has(normalised(text))) return;
    const label = heldOut.labels[index] as string;
    seen.add(normalised(text)); // a sentence repeated inside the held-out part counts once
    byLabel.set(label, [...(byLabel.get(label) ?? []), { text: text.trim(), label }]);
  });
  const labels = [...byLabel.keys()].sort();
  const perLabel = Math.floor(ENGLISH_SENTIMENT_ROWS / labels.length);
  return interleave(labels.map((label) => evenlySpaced(byLabel.get(label) ?? [], perLabel)));
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16)),
    )
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&");
}

/** The `<p>` paragraphs of one UDHR declaration, as plain text. */
export async function udhrParagraphs(code: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  // `udhr` exports only its index; the declarations sit beside it.
  const folder = join(dirname(require.resolve("udhr")), "declaration");
  const html = await readFile(join(folder, `${code}.html`), "utf8");
  return [...html.matchAll(/<p>([\s\S]*?)<\/p>/g)]
    .map((match) =>
      decodeEntities((match[1] ?? "").replace(/<[^>]+>/g, ""))
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter((text) => [...text].length >= MIN_PARAGRAPH_CHARACTERS);
}

/**
 * The first `words` words of `paragraph` (for `zh`, `words` x 2 characters), without the
 * punctuation the cut leaves at the end. When that snippet was already taken (many
 * articles open alike: "Everyone has the right..."), the window moves on by its own
 * length until it is new; null when the paragraph has no new snippet left.
 */
export function snippetOf(
  paragraph: string,
  label: string,
  words: number,
  taken: ReadonlySet<string>,
): string | null {
  const perWord = CHARACTERS_PER_WORD[label];
  const units = perWord === undefined ? paragraph.split(" ") : [...paragraph.replace(/\s+/g, "")];
  const size = perWord === undefined ? words : words * perWord;
  for (let start = 0; start + size <= units.length; start += size) {
    const snippet = units
      .slice(start, start + size)
      .join(perWord === undefined ? " " : "")
      .replace(/[\s,;:(\-–—、，；：（]+$/u, "");
    if (snippet !== "" && !taken.has(normalised(snippet))) return snippet;
  }
  return null;
}

export async function languageIdRows(): Promise<Record<string, string>[]> {
  const groups: Record<string, string>[][] = [];
  for (const [label, code] of Object.entries(UDHR_LANGUAGES)) {
    const paragraphs = await udhrParagraphs(code);
    // Evenly spaced paragraphs first; the rest, in order, stand in for any without a new snippet.
    const picked = evenlySpaced(paragraphs, UDHR_SNIPPETS_PER_LANGUAGE);
    const order = [...picked, ...paragraphs.filter((paragraph) => !picked.includes(paragraph))];
    const taken = new Set<string>();
    const rows: Record<string, string>[] = [];
    for (const paragraph of order) {
      if (rows.length === UDHR_SNIPPETS_PER_LANGUAGE) break;
      const words = SNIPPET_WORDS[rows.length % SNIPPET_WORDS.length] ?? 3;
      const text = snippetOf(paragraph, label, words, taken);
      if (text === null) continue;
      taken.add(normalised(text));
      rows.push({ text, label, udhr: code });
    }
    if (rows.length < UDHR_SNIPPETS_PER_LANGUAGE) {
      throw new Error(`UDHR ${code} gave only ${rows.length} distinct snippets.`);
    }
    groups.push(rows);
  }
  return interleave(groups);
}

/** Held-out waimai reviews with their original 1/0 labels, 100 of each. */
export async function chineseReviewRows(
  sharedData: string,
): Promise<{ label: string; review: string }[]> {
  const { train, heldOut } = await loadWaimaiReviews(sharedData);
  const seen = new Set(train.texts.map(normalised));
  const byLabel = new Map<string, { label: string; review: string }[]>();
  heldOut.texts.forEach((text, index) => {
    if (seen.has(normalised(text))) return;
    seen.add(normalised(text));
    // loadWaimaiReviews names the labels; the file says 1 (positive) and 0 (negative).
    const label = heldOut.labels[index] === "positive" ? "1" : "0";
    byLabel.set(label, [...(byLabel.get(label) ?? []), { label, review: text }]);
  });
  return interleave(
    ["1", "0"].map((label) => evenlySpaced(byLabel.get(label) ?? [], CHINESE_REVIEWS_PER_LABEL)),
  );
}

/** Every example data file, as it should be committed. */
export async function buildExampleData(
  options: BuildExampleDataOptions = {},
): Promise<ExampleDataFile[]> {
  const sharedData = options.sharedData ?? sharedDataDirectory();
  const reviews = await chineseReviewRows(sharedData);
  return [
    {
      path: "examples/english-sentiment/held-out-sentences.jsonl",
      contents: jsonLines(await englishSentimentRows()),
    },
    {
      path: "examples/language-id/udhr-snippets.jsonl",
      contents: jsonLines(await languageIdRows()),
    },
    {
      path: "examples/chinese-reviews/waimai-sample.csv",
      contents: `label,review\n${reviews.map((row) => `${row.label},${csvField(row.review)}\n`).join("")}`,
    },
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { check: { type: "boolean", default: false }, data: { type: "string" } },
  });
  const files = await buildExampleData(
    values.data === undefined ? {} : { sharedData: resolve(values.data) },
  );
  let stale = 0;
  for (const file of files) {
    const target = join(REPOSITORY_ROOT, ...file.path.split("/"));
    const rows = file.contents.trimEnd().split("\n").length;
    if (values.check) {
      const committed = await readFile(target, "utf8").catch(() => null);
      const same = committed === file.contents;
      if (!same) stale += 1;
      process.stdout.write(`${same ? "ok   " : "STALE"} ${file.path} (${rows} lines)\n`);
    } else {
      await writeFile(target, file.contents);
      process.stdout.write(`wrote ${file.path} (${rows} lines)\n`);
    }
  }
  if (stale > 0) {
    process.stdout.write("Run `npx tsx scripts/build-example-data.ts` and commit the result.\n");
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
