/**
 * @module
 * Reads a routes config file: JSON (`.json`) or YAML (anything else, `.yaml`/`.yml`), then
 * validates it with `parseRoutesConfig`. Syntax errors name the file, line and column. The
 * config's `directory` is the file's folder, which relative `local:` model ids are read from.
 */
import { dirname, resolve } from "node:path";
import { readConfigDocument } from "../config/read-config-document.js";
import { parseRoutesConfig, type RoutesConfig } from "./routes-config.js";

export async function readRoutesConfig(path: string): Promise<RoutesConfig> {
  const value = await readConfigDocument(path, {
    name: "Routes config",
    missingHint:
      "Give the path of a .json or .yaml file, or leave --config out to serve the bundled customer-service example.",
    yaml: true,
  });
  // A relative `local:` model id names a folder beside the config, as a task spec's does.
  return { directory: dirname(resolve(path)), source: path, ...parseRoutesConfig(value, path) };
}
