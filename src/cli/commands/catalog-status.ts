/**
 * @module
 * `modelscout catalog status`: which catalog this machine uses (the SQLite file under
 * MODELSCOUT_HOME, or the PostgreSQL database MODELSCOUT_CATALOG_URL names), how many models it
 * holds from each source, and which bundled snapshot it has loaded.
 */
import { defineCommand } from "citty";
import { MODEL_SOURCES, type ModelSource } from "../../catalog/model-record.js";
import { catalogLocation } from "../../catalog/open-catalog.js";
import { SNAPSHOT_VERSION_META_KEY } from "../../catalog/snapshot/load-snapshot.js";
import { printJson } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";

export default defineCommand({
  meta: {
    name: "status",
    description:
      "Say which catalog is in use (SQLite or PostgreSQL), what it holds and its snapshot",
  },
  args: { json: { type: "boolean", description: "Print JSON" } },
  async run({ args }) {
    const location = catalogLocation();
    const store = await openCatalog();
    try {
      const bySource = {} as Record<ModelSource, number>;
      for (const source of MODEL_SOURCES) bySource[source] = await store.countModels({ source });
      const total = await store.countModels();
      const snapshot = await store.getMeta(SNAPSHOT_VERSION_META_KEY);
      if (args.json) {
        printJson({ catalog: location, models: { total, bySource }, snapshotVersion: snapshot });
        return;
      }
      const where =
        location.kind === "sqlite"
          ? `SQLite, ${location.path}`
          : `PostgreSQL, ${location.url}, schema ${location.schema}`;
      const sources = MODEL_SOURCES.map(
        (source) => `${source} ${bySource[source].toLocaleString("en-US")}`,
      ).join(", ");
      process.stdout.write(
        `Catalog: ${where}\nModels: ${total.toLocaleString("en-US")} (${sources})\nBundled snapshot: ${snapshot ?? "not loaded"}\n`,
      );
    } finally {
      await store.close();
    }
  },
});
