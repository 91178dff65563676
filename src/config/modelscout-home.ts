/**
 * @module
 * Where ModelScout keeps its state: `MODELSCOUT_HOME`, or `~/.modelscout`. Creating it is the
 * first write any command makes, so an unwritable home fails here with a clear message
 * instead of deep inside SQLite.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { errorMessage } from "../errors/error-message.js";
import { ModelScoutError } from "../errors/modelscout-error.js";

export function modelscoutHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.MODELSCOUT_HOME?.trim();
  return resolve(configured ? configured : join(homedir(), ".modelscout"));
}

/** Creates the home folder if needed and checks that it is a writable directory. */
export function ensureModelscoutHome(home: string): string {
  try {
    mkdirSync(home, { recursive: true });
    if (!statSync(home).isDirectory()) throw new Error("not a directory");
    accessSync(home, constants.W_OK);
  } catch (error) {
    const reason = errorMessage(error);
    throw new ModelScoutError(
      "HOME_UNWRITABLE",
      `Cannot use ${home} as the ModelScout home (${reason}). Set MODELSCOUT_HOME to a writable directory.`,
      { cause: error, details: { home } },
    );
  }
  return home;
}
