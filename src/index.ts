/**
 * @module
 * ModelScout's public library API. The CLI (`cli/`) and, later, the server are thin shells
 * over what is exported here.
 */

export type * from "./catalog/catalog-store.js";
export { measuredLatency } from "./catalog/measured-latency.js";
export * from "./catalog/model-record.js";
export {
  catalogDatabasePath,
  type OpenCatalogOptions,
  openCatalog,
} from "./catalog/open-catalog.js";
export {
  type CatalogSearchHit,
  type CatalogSearchOptions,
  type CatalogSearchResult,
  catalogSearchOptionsSchema,
  searchCatalog,
} from "./catalog/search-catalog.js";
export { openSqliteStore, type SqliteStoreOptions } from "./catalog/sqlite/sqlite-store.js";
export { ensureModelscoutHome, modelscoutHome } from "./config/modelscout-home.js";
export { ModelScoutError, type ModelScoutErrorCode } from "./errors/modelscout-error.js";
export { compatibleTasks, resolveTask, TASK_IDS, type TaskId } from "./tasks/resolve-task.js";
export { VERSION } from "./version.js";
