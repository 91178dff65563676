/**
 * @module
 * Reads a routes config file: JSON (`.json`) or YAML (anything else, `.yaml`/`.yml`), then
 * validates it with `parseRoutesConfig`. Syntax errors name the file, line and column.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { parseRoutesConfig, type RoutesConfig } from "./routes-config.js";

export async function readRoutesConfig(path: string): Promise<RoutesConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelScoutError(
      code === "ENOENT" ? "NOT_FOUND" : "INVALID_ARGUMENT",
      code === "ENOENT"
        ? `Routes config ${path} does not exist. Give the path of a .json or .yaml file, or leave --config out to serve the bundled customer-service example.`
        : `Cannot read routes config ${path}: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos?.[0] !== undefined
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : "";
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Routes config ${path} is not valid ${extname(path).toLowerCase() === ".json" ? "JSON" : "YAML"}${where}: ${(error as Error).message.split("\n")[0]}`,
      { cause: error, details: { path } },
    );
  }
  return parseRoutesConfig(value, path);
}
