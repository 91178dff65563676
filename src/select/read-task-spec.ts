/**
 * @module
 * Reads a task spec file, JSON or YAML (by extension; `.json` files are parsed as JSON so a
 * syntax error points at JSON, anything else as YAML, which also accepts JSON), and validates
 * it. Relative paths inside the spec (`data.path`, `local:` models) are resolved against the
 * spec's folder, so an example folder can be run from anywhere. Reading and syntax errors:
 * `config/read-config-document.ts`.
 */
import { dirname, resolve } from "node:path";
import { readConfigDocument } from "../config/read-config-document.js";
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
  const input = await readConfigDocument(absolute, {
    name: "Task spec",
    missingHint: "Write one (see `modelscout schema task` and examples/*/task.json).",
    yaml: true,
  });
  return { path: absolute, input, spec: parseTaskSpec(input), baseDirectory: dirname(absolute) };
}
