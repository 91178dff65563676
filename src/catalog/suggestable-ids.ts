/**
 * @module
 * The model ids a mistyped id is compared with for a "did you mean": a catalog may hold a
 * million models, so a few pages of the likeliest ones rather than every id.
 */
import type { CatalogStore } from "./catalog-store.js";
import { MODEL_SOURCES } from "./model-record.js";

/** Models per page read; three pages and one per non-Hub source at most. */
export const SUGGESTION_PAGE_SIZE = 1000;

/**
 * The most downloaded models, the most recently changed (a model just synced from a mirror
 * has no downloads but a recent date), and every model of a source other than the Hub (npm
 * packages, endpoints, local folders), which count no downloads and so never rank among the
 * first.
 */
export async function suggestableModelIds(catalog: CatalogStore): Promise<Set<string>> {
  const pages = [
    await catalog.searchModels({ sort: "downloads", limit: SUGGESTION_PAGE_SIZE }),
    await catalog.searchModels({ sort: "lastModified", limit: SUGGESTION_PAGE_SIZE }),
  ];
  for (const source of MODEL_SOURCES) {
    if (source === "hub") continue;
    pages.push(
      await catalog.searchModels({ source, sort: "downloads", limit: SUGGESTION_PAGE_SIZE }),
    );
  }
  return new Set(pages.flatMap((page) => page.hits.map((hit) => hit.model.id)));
}
