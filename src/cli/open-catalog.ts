/**
 * @module
 * The CLI's way into the catalog: `catalog/open-catalog.ts` plus a note on stderr while the
 * offline snapshot loads for the first time.
 */
import type { CatalogStore } from "../catalog/catalog-store.js";
import { openCatalog as openCatalogCore } from "../catalog/open-catalog.js";

export function openCatalog(): Promise<CatalogStore> {
  return openCatalogCore({
    onSnapshotLoad: (phase, models) => {
      if (phase === "start")
        process.stderr.write("Loading the bundled offline catalog (first run)...\n");
      else process.stderr.write(`Loaded ${models} models into the offline catalog.\n`);
    },
  });
}
