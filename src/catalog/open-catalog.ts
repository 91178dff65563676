/**
 * @module
 * Opens the user's catalog: the SQLite file under MODELSCOUT_HOME, with the bundled offline
 * snapshot loaded on first use (and again when a new ModelScout version ships a newer one),
 * so a fresh install can search thousands of real models without network.
 */
import { join } from "node:path";
import { ensureModelscoutHome, modelscoutHome } from "../config/modelscout-home.js";
import type { CatalogStore } from "./catalog-store.js";
import { ensureSnapshotLoaded } from "./snapshot/load-snapshot.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";

export interface OpenCatalogOptions {
  env?: NodeJS.ProcessEnv;
  /** Skip loading the bundled snapshot (tests that want an empty catalog). */
  withoutSnapshot?: boolean;
  /** Told when the snapshot is being loaded, which takes a few seconds the first time. */
  onSnapshotLoad?: (phase: "start" | "done", models: number) => void;
}

export function catalogDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(modelscoutHome(env), "catalog.db");
}

export async function openCatalog(options: OpenCatalogOptions = {}): Promise<CatalogStore> {
  const env = options.env ?? process.env;
  ensureModelscoutHome(modelscoutHome(env));
  const store = await openSqliteStore({ path: catalogDatabasePath(env) });
  if (options.withoutSnapshot) return store;
  try {
    await ensureSnapshotLoaded(store, {
      ...(options.onSnapshotLoad !== undefined && { onProgress: options.onSnapshotLoad }),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
