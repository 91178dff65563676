/**
 * @module
 * Reads a routes config file: JSON (`.json`) or YAML (anything else, `.yaml`/`.yml`), then
 * validates it with `parseRoutesConfig`. Syntax errors name the file, line and column.
 */
import { readConfigDocument } from "../config/read-config-document.js";
import { parseRoutesConfig, type RoutesConfig } from "./routes-config.js";

export async function readRoutesConfig(path: string): Promise<RoutesConfig> {
  const value = await readConfigDocument(path, {
    name: "Routes config",
    missingHint:
      "Give the path of a .json or .yaml file, or leave --config out to serve the bundled customer-service example.",
    yaml: true,
  });
  return parseRoutesConfig(value, path);
}
