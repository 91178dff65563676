/**
 * The examples under `examples/`: every task spec parses, its data loads, its `local:`
 * candidates exist (or are documented as built locally), the committed data and model are
 * what the generators write today, the sample data was held out from the built models'
 * training, and the unlicensed Chinese data cannot reach the npm package.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildExampleData,
  REPOSITORY_ROOT,
  SNIPPET_WORDS,
  UDHR_LANGUAGES,
  udhrParagraphs,
} from "../../scripts/build-example-data.js";
import { createBackend } from "../../src/backends/create-backend.js";
import { npmBackendProvider } from "../../src/backends/npm/npm-backend-provider.js";
import { createTransformersBackendProvider } from "../../src/backends/transformers-js/transformers-backend-provider.js";
import { normaliseLanguage } from "../../src/catalog/languages.js";
import { toModelRecord } from "../../src/catalog/model-record.js";
import {
  isLocalModelId,
  localModelRecordForId,
  resolveLocalModelId,
  splitLocalModelId,
} from "../../src/catalog/sources/local-models.js";
import { NPM_MODELS } from "../../src/catalog/sources/npm-models.js";
import {
  buildOfflineModels,
  OFFLINE_MODEL_IDS,
} from "../../src/onnx-build/build-offline-models.js";
import {
  loadSentimentFixtures,
  loadWaimaiReviews,
} from "../../src/onnx-build/offline-training-data.js";
import { loadSampleData } from "../../src/select/sample-data.js";
import { parseTaskSpec } from "../../src/select/task-spec.js";

const EXAMPLES_FOLDER = join(REPOSITORY_ROOT, "examples");
// Selection examples have a task.json; others (customer-service: a routes config for
// `modelscout serve`) are checked by their own tests (test/route/example-routes.test.ts).
const EXAMPLE_NAMES = readdirSync(EXAMPLES_FOLDER, { withFileTypes: true })
  .filter(
    (entry) => entry.isDirectory() && existsSync(join(EXAMPLES_FOLDER, entry.name, "task.json")),
  )
  .map((entry) => entry.name)
  .sort();

const temporaryFolders: string[] = [];
afterAll(async () => {
  for (const folder of temporaryFolders) await rm(folder, { recursive: true, force: true });
});

function readSpec(name: string) {
  const input = JSON.parse(readFileSync(join(EXAMPLES_FOLDER, name, "task.json"), "utf8"));
  return { input, spec: parseTaskSpec(input), folder: join(EXAMPLES_FOLDER, name) };
}

async function loadExampleData(name: string) {
  const { spec, folder } = readSpec(name);
  return loadSampleData(spec.data, { baseDirectory: folder });
}

function normalised(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}

describe.each(EXAMPLE_NAMES)("examples/%s", (name) => {
  it("has a task.json that parses, data that loads, and a README with the command", async () => {
    const { spec, folder } = readSpec(name);
    const readme = readFileSync(join(folder, "README.md"), "utf8");
    expect(readme).toContain(`modelscout select examples/${name}/task.json`);
    if (spec.data === null) return;
    const data = await loadExampleData(name);
    expect(data.items.length).toBeGreaterThanOrEqual(100);
    expect(data.skipped).toEqual([]);
    expect(data.hasLabels).toBe(true);
    expect(data.items.every((item) => item.label !== null)).toBe(true);
  });

  it("has every local: candidate folder, or says in its README how to build it", async () => {
    const { spec, folder } = readSpec(name);
    const readme = readFileSync(join(folder, "README.md"), "utf8");
    for (const id of spec.candidates.ids.filter(isLocalModelId)) {
      const resolved = resolveLocalModelId(id, folder);
      const { directory } = splitLocalModelId(resolved);
      if (existsSync(directory) && !isIgnoredByGit(directory)) {
        const record = await localModelRecordForId(resolved);
        expect(record.source).toBe("local");
        continue;
      }
      // Not committed: the README must give the command that builds exactly this folder.
      const out = relative(REPOSITORY_ROOT, join(folder, "models"));
      expect(readme).toContain(`npx tsx scripts/build-onnx-models.ts --out ${out}`);
      expect(relative(join(REPOSITORY_ROOT, out), directory).split("/")[0]).toBe("modelscout");
      expect(isIgnoredByGit(directory)).toBe(true);
    }
  });
});

function isIgnoredByGit(path: string): boolean {
  try {
    execFileSync("git", ["check-ignore", "-q", path], { cwd: REPOSITORY_ROOT });
    return true;
  } catch {
    return false;
  }
}

describe("example data", () => {
  it("is exactly what scripts/build-example-data.ts writes today", async () => {
    const files = await buildExampleData();
    expect(files.map((file) => file.path).sort()).toEqual([
      "examples/chinese-reviews/waimai-sample.csv",
      "examples/english-sentiment/held-out-sentences.jsonl",
      "examples/language-id/udhr-snippets.jsonl",
    ]);
    for (const file of files) {
      expect(await readFile(join(REPOSITORY_ROOT, file.path), "utf8"), file.path).toBe(
        file.contents,
      );
    }
    // Twice in a row gives the same bytes: nothing depends on time or randomness.
    expect(await buildExampleData()).toEqual(files);
  });

  it("English sentences are balanced and none was in the built model's training data", async () => {
    const data = await loadExampleData("english-sentiment");
    const { train, heldOut } = await loadSentimentFixtures();
    const trained = new Set(train.texts.map(normalised));
    const heldOutTexts = new Set(heldOut.texts.map(normalised));
    expect(data.items).toHaveLength(200);
    expect(data.items.filter((item) => item.label === "positive")).toHaveLength(100);
    for (const item of data.items) {
      expect(trained.has(normalised(item.input)), item.input).toBe(false);
      expect(heldOutTexts.has(normalised(item.input)), item.input).toBe(true);
    }
    expect(new Set(data.items.map((item) => normalised(item.input))).size).toBe(200);
  });

  it("Chinese reviews are balanced, mapped to the model's labels, and held out from its training", async () => {
    const data = await loadExampleData("chinese-reviews");
    const { train, heldOut } = await loadWaimaiReviews();
    const trained = new Set(train.texts.map(normalised));
    const heldOutTexts = new Set(heldOut.texts.map(normalised));
    expect(data.items).toHaveLength(200);
    expect(data.labels).toEqual(["negative", "positive"]);
    expect(data.items.filter((item) => item.label === "positive")).toHaveLength(100);
    for (const item of data.items) {
      expect(trained.has(normalised(item.input)), item.input).toBe(false);
      expect(heldOutTexts.has(normalised(item.input)), item.input).toBe(true);
    }
  });

  it("language labels are the catalog codes the npm detectors emit, 15 per language, zh included", async () => {
    const data = await loadExampleData("language-id");
    expect(data.labels).toEqual([...Object.keys(UDHR_LANGUAGES)].sort());
    expect(data.labels).toHaveLength(15);
    expect(data.labels).toContain("zh");
    for (const label of data.labels) {
      expect(normaliseLanguage(label)).toBe(label);
      expect(data.items.filter((item) => item.label === label)).toHaveLength(15);
    }
  });

  it("language snippets are chat-length, distinct within a language, and cut from the UDHR", async () => {
    const data = await loadExampleData("language-id");
    const seen = new Set<string>();
    for (const item of data.items) {
      const code = UDHR_LANGUAGES[item.label ?? ""] ?? "";
      const paragraphs = (await udhrParagraphs(code)).map((text) => text.replace(/\s+/g, ""));
      if (item.label === "zh") {
        expect([...item.input].length, item.input).toBeGreaterThanOrEqual(5);
        expect([...item.input].length, item.input).toBeLessThanOrEqual(12);
      } else {
        const words = item.input.split(" ").length;
        expect(words, item.input).toBeGreaterThanOrEqual(3);
        expect(words, item.input).toBeLessThanOrEqual(6);
      }
      const compact = item.input.replace(/\s+/g, "");
      expect(
        paragraphs.some((paragraph) => paragraph.includes(compact)),
        item.input,
      ).toBe(true);
      const key = `${item.label}:${normalised(item.input)}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
    // Every snippet length occurs, so the sample is not one fixed length.
    const lengths = new Set(
      data.items.filter((item) => item.label === "en").map((item) => item.input.split(" ").length),
    );
    expect([...lengths].sort()).toEqual([...SNIPPET_WORDS]);
  });
});

describe("the committed English ONNX model", () => {
  it("is byte for byte what the builder writes today, and small", async () => {
    const committed = join(
      EXAMPLES_FOLDER,
      "english-sentiment",
      "models",
      ...OFFLINE_MODEL_IDS.sentimentEnglish.split("/"),
    );
    const out = await mkdtemp(join(tmpdir(), "modelscout-example-model-"));
    temporaryFolders.push(out);
    await buildOfflineModels({ directory: out, only: ["sentimentEnglish"] });
    const fresh = join(out, ...OFFLINE_MODEL_IDS.sentimentEnglish.split("/"));
    const files = (await readdir(fresh, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(fresh, join(entry.parentPath, entry.name)))
      .sort();
    const committedFiles = (await readdir(committed, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(committed, join(entry.parentPath, entry.name)))
      .sort();
    expect(committedFiles).toEqual(files);
    let totalBytes = 0;
    for (const file of files) {
      const bytes = await readFile(join(committed, file));
      totalBytes += bytes.length;
      expect(bytes.equals(await readFile(join(fresh, file))), file).toBe(true);
    }
    expect(totalBytes).toBeLessThan(3_000_000);
  });
});

describe("runnable on a fresh clone, offline", () => {
  const providers = [
    npmBackendProvider,
    createTransformersBackendProvider({ settings: { offline: true } }),
  ];

  it.each(["english-sentiment", "language-id"])(
    "%s: every candidate loads and labels the first rows in the data's own label codes",
    async (name) => {
      const { spec, folder } = readSpec(name);
      const data = await loadExampleData(name);
      // Two rows per language in language-id (chat-length snippets, where each detector
      // misses some): enough to tell "right codes, some misses" from "wrong codes, all missed".
      const rows = data.items.slice(0, 30);
      for (const id of spec.candidates.ids) {
        const npm = NPM_MODELS.find((model) => model.id === id);
        const record = isLocalModelId(id)
          ? await localModelRecordForId(resolveLocalModelId(id, folder))
          : toModelRecord(npm ?? { id, source: "hub", task: null });
        const backend = createBackend(record, providers);
        try {
          const outputs = await backend.doRun(rows.map((item) => item.input));
          const predicted = outputs.map((output) =>
            output.kind === "labels" ? output.labels[0]?.label : undefined,
          );
          // Exact matches with no mapping: the data is labelled in the codes the models emit.
          const correct = predicted.filter((label, index) => label === rows[index]?.label);
          expect(correct.length, id).toBeGreaterThan(rows.length / 2);
        } finally {
          await backend.unload();
        }
      }
    },
  );
});

describe("packaging", () => {
  it("keeps examples/ (with the unlicensed Chinese sample) out of the npm package", () => {
    const manifest = JSON.parse(readFileSync(join(REPOSITORY_ROOT, "package.json"), "utf8")) as {
      files: string[];
    };
    expect(manifest.files.some((entry) => entry.replace(/^\.\//, "").startsWith("examples"))).toBe(
      false,
    );
    expect(isIgnoredByGit(join(EXAMPLES_FOLDER, "chinese-reviews", "models", "x"))).toBe(true);
    const notice = readFileSync(join(REPOSITORY_ROOT, "NOTICE.md"), "utf8");
    expect(notice).toContain("examples/chinese-reviews/waimai-sample.csv");
  });

  it("keeps the issue's minimal spec as written", () => {
    const { input, spec } = readSpec("text-generation-zh");
    expect(input).toEqual({
      task_type: "text_generation",
      input_constraints: { max_length: 500, language: "zh" },
      hardware: "NVIDIA_A100",
    });
    expect(spec).toMatchObject({ task: "text-generation", language: "zh", maxLengthTokens: 500 });
    expect(spec.hardware?.id).toMatch(/^a100/);
  });
});
