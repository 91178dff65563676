/**
 * @module
 * Reads a routes config file: JSON (`.json`) or YAML (anything else, `.yaml`/`.yml`), then
 * validates it with `checkRoutesConfig`. Syntax errors name the file, line and column; the
 * config's problems name their field and its line (`routesConfigLines`). The config's
 * `directory` is the file's folder, which relative `local:` model ids are read from.
 */
import { dirname, resolve } from "node:path";
import { withConfigLines } from "../config/config-lines.js";
import { readConfigDocument } from "../config/read-config-document.js";
import { resolveTask } from "../tasks/resolve-task.js";
import {
  checkRoutesConfig,
  invalidRoutesConfig,
  type RoutesConfig,
  type RoutesConfigCheck,
} from "./routes-config.js";

export async function readRoutesConfig(path: string): Promise<RoutesConfig> {
  const checked = await checkRoutesConfigFile(path);
  if (checked.config === undefined) {
    throw routesConfigFileLines(invalidRoutesConfig(path, checked.problems), path);
  }
  return checked.config;
}

/**
 * `checkRoutesConfig` of a file (its problems without their lines: `routesConfigFileLines`
 * adds them), with the folder relative `local:` ids are read from; its config, when it has
 * no problem, with its `directory` and `source`. A file that cannot be read or parsed throws.
 */
export async function checkRoutesConfigFile(
  path: string,
): Promise<RoutesConfigCheck & { directory: string }> {
  const value = await readConfigDocument(path, {
    name: "Routes config",
    missingHint:
      "Give the path of a .json or .yaml file, or leave --config out to serve the bundled customer-service example.",
    yaml: true,
  });
  const checked = checkRoutesConfig(value);
  // A relative `local:` model id names a folder beside the config, as a task spec's does.
  const directory = dirname(resolve(path));
  return {
    directory,
    config:
      checked.config === undefined ? undefined : { directory, source: path, ...checked.config },
    problems: checked.problems,
    modelReferences: checked.modelReferences,
    declarations: checked.declarations,
  };
}

/**
 * A routes config error (the schema's, or the router's: an unknown model, a candidate of the
 * wrong task) with the line of each problem's field in the config's file, when it was read
 * from one; other errors unchanged.
 */
export function routesConfigLines(error: unknown, config: RoutesConfig): unknown {
  return config.source === undefined ? error : routesConfigFileLines(error, config.source);
}

/** `routesConfigLines` for the config read from `path`, whether it could be parsed or not. */
export function routesConfigFileLines(error: unknown, path: string): unknown {
  return withConfigLines(error, path, `Routes config ${path}`, taskName);
}

/** A target's task as messages name it (`chat` is `text-generation`), for finding its line. */
function taskName(written: string): string | undefined {
  try {
    return resolveTask(written);
  } catch {
    return undefined;
  }
}
