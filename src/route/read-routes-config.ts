/**
 * @module
 * Reads a routes config file: JSON (`.json`) or YAML (anything else, `.yaml`/`.yml`), then
 * validates it with `parseRoutesConfig`. Syntax errors name the file, line and column; the
 * config's problems name their field and its line (`routesConfigLines`). The config's
 * `directory` is the file's folder, which relative `local:` model ids are read from.
 */
import { dirname, resolve } from "node:path";
import { withConfigLines } from "../config/config-lines.js";
import { readConfigDocument } from "../config/read-config-document.js";
import { resolveTask } from "../tasks/resolve-task.js";
import { parseRoutesConfig, type RoutesConfig } from "./routes-config.js";

export async function readRoutesConfig(path: string): Promise<RoutesConfig> {
  const value = await readConfigDocument(path, {
    name: "Routes config",
    missingHint:
      "Give the path of a .json or .yaml file, or leave --config out to serve the bundled customer-service example.",
    yaml: true,
  });
  let config: RoutesConfig;
  try {
    config = parseRoutesConfig(value, path);
  } catch (error) {
    throw withConfigLines(error, path, `Routes config ${path}`, taskName);
  }
  // A relative `local:` model id names a folder beside the config, as a task spec's does.
  return { directory: dirname(resolve(path)), source: path, ...config };
}

/**
 * A routes config error (the schema's, or the router's: an unknown model, a candidate of the
 * wrong task) with the line of each problem's field in the config's file, when it was read
 * from one; other errors unchanged.
 */
export function routesConfigLines(error: unknown, config: RoutesConfig): unknown {
  return config.source === undefined
    ? error
    : withConfigLines(error, config.source, `Routes config ${config.source}`, taskName);
}

/** A target's task as messages name it (`chat` is `text-generation`), for finding its line. */
function taskName(written: string): string | undefined {
  try {
    return resolveTask(written);
  } catch {
    return undefined;
  }
}
