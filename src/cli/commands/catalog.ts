/**
 * @module
 * `modelscout catalog ...`: subcommands are imported only when used, so `--help` is instant.
 */
import { defineCommand } from "citty";

export default defineCommand({
  meta: {
    name: "catalog",
    description: "Search, show and sync the model catalog, and say which one is in use",
  },
  subCommands: {
    search: () => import("./catalog-search.js").then((module) => module.default),
    show: () => import("./catalog-show.js").then((module) => module.default),
    sync: () => import("./catalog-sync.js").then((module) => module.default),
    status: () => import("./catalog-status.js").then((module) => module.default),
  },
});
