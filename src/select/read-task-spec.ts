/**
 * @module
 * Reads a task spec file, JSON or YAML (by extension; `.json` files are parsed as JSON so a
 * syntax error points at JSON, anything else as YAML, which also accepts JSON), and validates
 * it. Relative paths inside the spec (`data.path`, `local:` models) are resolved against the
 * spec's folder, so an example folder can be run from anywhere.
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { parseTaskSpec, type TaskSpec } from "./task-spec.js";

export interface TaskSpecFile {
  path: string;
  /** The document as written (after parsing, before validation). */
  input: unknown;
  spec: TaskSpec;
  /** The spec's folder. */
  baseDirectory: string;
}

export async function readTaskSpecFile(path: string): Promise<TaskSpecFile> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelScoutError(
      code === "ENOENT" ? "NOT_FOUND" : "INVALID_ARGUMENT",
      code === "ENOENT"
        ? `Task spec ${absolute} does not exist. Write one (see \`modelscout schema task\` and examples/*/task.json).`
        : `Cannot read task spec ${absolute}: ${(error as Error).message}`,
      { cause: error, details: { path: absolute } },
    );
  }
  const input = parseSpecText(text, absolute);
  return { path: absolute, input, spec: parseTaskSpec(input), baseDirectory: dirname(absolute) };
}

/** Parses spec text as JSON (`.json`) or YAML (anything else), with errors giving the line. */
export function parseSpecText(text: string, path: string): unknown {
  if (extname(path).toLowerCase() === ".json") {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `Task spec ${path} is not valid JSON: ${(error as Error).message}`,
        { cause: error, details: { path } },
      );
    }
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos !== undefined
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : "";
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Task spec ${path} is not valid YAML${where}: ${(error as Error).message.split("\n")[0]}`,
      { cause: error, details: { path } },
    );
  }
}
