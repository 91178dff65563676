/**
 * @module
 * The `--data` of the `bench` commands: a replay file, or a folder whose files with the given
 * extensions are taken in name order.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ModelScoutError } from "../errors/modelscout-error.js";

export function replayFiles(path: string, extensions: readonly string[]): string[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (error) {
    throw new ModelScoutError("NOT_FOUND", `No file or folder at ${path} (--data).`, {
      cause: error,
    });
  }
  if (!stats.isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((name) => extensions.some((extension) => name.endsWith(extension)))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) {
    throw new ModelScoutError(
      "NOT_FOUND",
      `No ${extensions.join(" or ")} replay files in ${path} (--data).`,
    );
  }
  return files;
}
