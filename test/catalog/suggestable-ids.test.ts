import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CatalogStore } from "../../src/catalog/catalog-store.js";
import { openSqliteStore } from "../../src/catalog/sqlite/sqlite-store.js";
import { SUGGESTION_PAGE_SIZE, suggestableModelIds } from "../../src/catalog/suggestable-ids.js";
import { closestMatch } from "../../src/text/closest-match.js";
import { makeModel } from "../support/make-model.js";

let catalog: CatalogStore;
beforeEach(async () => {
  catalog = await openSqliteStore({ path: ":memory:" });
  // More popular Hub models than one page holds, all changed long ago.
  await catalog.upsertModels(
    Array.from({ length: SUGGESTION_PAGE_SIZE + 200 }, (_, index) =>
      makeModel({
        id: `popular/model-${index}`,
        downloads: 1000 + index,
        lastModified: "2023-01-01T00:00:00.000Z",
      }),
    ),
  );
});
afterEach(async () => {
  await catalog.close();
});

describe("suggestableModelIds", () => {
  it("holds the most downloaded, the newest and every non-Hub model, not the whole catalog", async () => {
    await catalog.upsertModels([
      // Just synced from a mirror: no downloads, a recent date.
      makeModel({
        id: "mirror/just-synced",
        downloads: 0,
        lastModified: "2026-12-01T00:00:00.000Z",
      }),
      makeModel({ id: "npm:some-package", source: "npm" }),
      makeModel({ id: "old/forgotten", downloads: 0, lastModified: "2020-01-01T00:00:00.000Z" }),
    ]);
    const ids = await suggestableModelIds(catalog);
    expect(ids.has("mirror/just-synced")).toBe(true);
    expect(ids.has("npm:some-package")).toBe(true);
    expect(ids.has(`popular/model-${SUGGESTION_PAGE_SIZE + 199}`)).toBe(true);
    // Neither popular nor recent nor another source: outside every page read.
    expect(ids.has("old/forgotten")).toBe(false);
    expect(closestMatch("mirror/just-synce", ids)).toBe("mirror/just-synced");
    expect(closestMatch("npm:some-pakcage", ids)).toBe("npm:some-package");
  });
});
