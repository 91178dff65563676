/**
 * @module
 * `modelscout catalog status`: which catalog this machine uses (the SQLite file under
 * MODELSCOUT_HOME, or the PostgreSQL database MODELSCOUT_CATALOG_URL names), how many models it
 * holds from each source, which bundled snapshot it has loaded, and its Hub syncs: each
 * query's last finished run, and a run left unfinished that the same command resumes.
 */
import { defineCommand } from "citty";
import { MODEL_SOURCES, type ModelSource } from "../../catalog/model-record.js";
import { catalogLocation } from "../../catalog/open-catalog.js";
import { SNAPSHOT_VERSION_META_KEY } from "../../catalog/snapshot/load-snapshot.js";
import { listSyncStates, type SyncState } from "../../catalog/sync-catalog.js";
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
      const syncs = await listSyncStates(store);
      if (args.json) {
        printJson({
          catalog: location,
          models: { total, bySource },
          snapshotVersion: snapshot,
          hubSyncs: syncs,
        });
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
      process.stdout.write(
        syncs.length === 0
          ? "Hub syncs: none (modelscout catalog sync)\n"
          : `Hub syncs:\n${syncs.map((sync) => `  ${describeSync(sync)}\n`).join("")}`,
      );
    } finally {
      await store.close();
    }
  },
});

/** "https://huggingface.co, task text-classification: finished 2026-12-02 06:00 UTC, 120 fetched (12 new, 3 changed)". */
function describeSync(sync: SyncState): string {
  const query = [
    sync.query.task === null ? null : `task ${sync.query.task}`,
    sync.query.search === null ? null : `search "${sync.query.search}"`,
    sync.query.author === null ? null : `author ${sync.query.author}`,
    sync.query.tags.length === 0 ? null : `tags ${sync.query.tags.join(", ")}`,
  ].filter((part) => part !== null);
  const parts: string[] = [];
  const when = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
  if (sync.finished !== null) {
    const run = sync.finished;
    parts.push(
      `finished ${when(run.finishedAt)}, ${run.fetched.toLocaleString("en-US")} fetched (${run.inserted.toLocaleString("en-US")} new, ${run.updated.toLocaleString("en-US")} changed)${run.complete ? "" : ", stopped at its --limit"}`,
    );
  }
  if (sync.interrupted !== null) {
    parts.push(
      `a run started ${when(sync.interrupted.startedAt)} stopped after ${sync.interrupted.pages} pages; the same command resumes it`,
    );
  }
  return `${sync.endpoint}${query.length === 0 ? "" : `, ${query.join(", ")}`}: ${parts.join("; ")}`;
}
