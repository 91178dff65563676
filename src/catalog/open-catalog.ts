/**
 * @module
 * Opens the user's catalog: the SQLite file under MODELSCOUT_HOME, or the PostgreSQL
 * database `MODELSCOUT_CATALOG_URL` names (schema `MODELSCOUT_CATALOG_SCHEMA`, default
 * `modelscout`; ADR 0051), with the bundled offline snapshot loaded on first use (and again
 * when a new ModelScout version ships a newer one), so a fresh install can search thousands
 * of real models without network.
 */
import { join } from "node:path";
import { ensureModelscoutHome, modelscoutHome } from "../config/modelscout-home.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { CatalogStore } from "./catalog-store.js";
import { DEFAULT_POSTGRES_SCHEMA, shownUrl } from "./postgres/postgres-url.js";
import { ensureSnapshotLoaded } from "./snapshot/load-snapshot.js";
import { openSqliteStore } from "./sqlite/sqlite-store.js";

export interface OpenCatalogOptions {
  env?: NodeJS.ProcessEnv;
  /** Skip loading the bundled snapshot (tests that want an empty catalog). */
  withoutSnapshot?: boolean;
  /** Told when the snapshot is being loaded, which takes a few seconds the first time. */
  onSnapshotLoad?: (phase: "start" | "done", models: number) => void;
}

export const CATALOG_URL_ENV = "MODELSCOUT_CATALOG_URL";
export const CATALOG_SCHEMA_ENV = "MODELSCOUT_CATALOG_SCHEMA";

/** The PostgreSQL URL the environment names for the catalog, or null (the SQLite file). */
export function catalogPostgresUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  const url = env[CATALOG_URL_ENV]?.trim();
  if (url === undefined || url === "") return null;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${CATALOG_URL_ENV} must be a postgres:// or postgresql:// URL (got "${url.replace(/:[^:@/]*@/, ":***@")}"); unset it to use the SQLite catalog under MODELSCOUT_HOME.`,
    );
  }
  return url;
}

export function catalogDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(modelscoutHome(env), "catalog.db");
}

/** Where `openCatalog` finds the catalog, as a person should see it (no password). */
export type CatalogLocation =
  | { kind: "sqlite"; path: string }
  | { kind: "postgres"; url: string; schema: string };

export function catalogLocation(env: NodeJS.ProcessEnv = process.env): CatalogLocation {
  const url = catalogPostgresUrl(env);
  if (url === null) return { kind: "sqlite", path: catalogDatabasePath(env) };
  return {
    kind: "postgres",
    url: shownUrl(url),
    schema: catalogSchema(env) ?? DEFAULT_POSTGRES_SCHEMA,
  };
}

function catalogSchema(env: NodeJS.ProcessEnv): string | undefined {
  const schema = env[CATALOG_SCHEMA_ENV]?.trim();
  return schema === undefined || schema === "" ? undefined : schema;
}

export async function openCatalog(options: OpenCatalogOptions = {}): Promise<CatalogStore> {
  const env = options.env ?? process.env;
  const url = catalogPostgresUrl(env);
  let store: CatalogStore;
  if (url === null) {
    ensureModelscoutHome(modelscoutHome(env));
    store = await openSqliteStore({ path: catalogDatabasePath(env) });
  } else {
    // Loaded only here: a machine on the SQLite catalog never reads the driver.
    const { openPostgresStore } = await import("./postgres/postgres-store.js");
    const schema = catalogSchema(env);
    store = await openPostgresStore({ url, ...(schema !== undefined && { schema }) });
  }
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
