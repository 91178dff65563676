/**
 * The mirror is a valid Hub for ModelScout's own client: `syncCatalog` pointed at a mirror of
 * the built models stores them in SQLite with the task, languages, licence, datasets and
 * evaluation results their model cards declare.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { syncCatalog } from "../../src/catalog/sync-catalog.js";
import { readFrontMatter } from "../../src/mirror/read-front-matter.js";
import { type MirrorServer, startMirrorServer } from "../../src/mirror/start-mirror-server.js";
import { type OfflineModels, prepareOfflineModels } from "../support/offline-models.js";

let offline: OfflineModels;
let mirror: MirrorServer;
let store: CatalogStore;

beforeAll(async () => {
  offline = await prepareOfflineModels();
  mirror = await startMirrorServer({ directory: offline.directory });
  store = await openSqliteStore({ path: ":memory:" });
}, 120_000);

afterAll(async () => {
  await store?.close();
  await mirror?.close();
});

it("ingests every built model into the catalog, page by page", async () => {
  const summary = await syncCatalog({ store, endpoint: mirror.url, pageSize: 2 });
  expect(summary.fetched).toBe(3);
  expect(summary.inserted).toBe(3);
  expect(summary.pages).toBe(2);
  // Each built model ships fp16 and int8 weights: two extra candidates apiece.
  expect(summary.variants).toBe(6);
  const sentiment = await store.getModel(offline.models.sentimentEnglish);
  expect(sentiment).toMatchObject({
    source: "hub",
    task: "text-classification",
    library: "transformers.js",
    languages: ["en"],
    license: "mit",
  });
  const heldOut = offline.reports.find((report) => report.id === offline.models.sentimentEnglish);
  expect(sentiment?.evalResults[0]).toMatchObject({ metric: "accuracy", source: "model-card" });
  expect(sentiment?.evalResults[0]?.value).toBeCloseTo(heldOut?.heldOutAccuracy ?? -1, 3);
  expect((await store.getModel(offline.models.reviewsChinese))?.languages).toEqual(["zh"]);
  expect((await store.getModel(offline.models.intentEmbeddings))?.task).toBe("feature-extraction");
  // A second run finds nothing new.
  const again = await syncCatalog({ store, endpoint: mirror.url });
  expect(again.inserted).toBe(0);
  expect(again.updated).toBe(0);
});

it("filters by task on the mirror like on the Hub", async () => {
  const other = await openSqliteStore({ path: ":memory:" });
  try {
    const summary = await syncCatalog({
      store: other,
      endpoint: mirror.url,
      task: "feature-extraction",
    });
    expect(summary.fetched).toBe(1);
    // The model and the q8 and fp16 variants it ships (not q4: no such file).
    expect(await other.countModels()).toBe(3);
    const q8 = await other.getModel(`${offline.models.intentEmbeddings}@q8`);
    expect(q8).toMatchObject({ task: "feature-extraction", extra: { transformersDtype: "q8" } });
    expect(await other.getModel(`${offline.models.intentEmbeddings}@q4`)).toBeNull();
  } finally {
    await other.close();
  }
});

it("reads the front matter forms model cards use", () => {
  const card = [
    "---",
    "license: apache-2.0",
    "language:",
    "- en",
    "  - fr",
    "tags: [a, 'b c']",
    "thresholds: 0.5",
    "widget:",
    "  text: nested mappings are skipped",
    'model-index: [{"name": "x", "results": []}]',
    "---",
    "# body: not: front matter",
  ].join("\n");
  expect(readFrontMatter(card)).toEqual({
    license: "apache-2.0",
    language: ["en", "fr"],
    tags: ["a", "b c"],
    thresholds: 0.5,
    "model-index": [{ name: "x", results: [] }],
  });
  expect(readFrontMatter("# no front matter")).toEqual({});
  expect(readFrontMatter("---\nlicense: mit\n")).toEqual({});
});
