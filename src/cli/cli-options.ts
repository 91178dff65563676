/**
 * @module
 * Converting command-line strings into typed option values, with errors that name the flag.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";

export function numberOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    throw new ModelScoutError("INVALID_ARGUMENT", `--${flag} must be a number (got "${value}").`);
  }
  return parsed;
}

export function integerOption(flag: string, value: string | undefined): number | undefined {
  const parsed = numberOption(flag, value);
  if (parsed !== undefined && (!Number.isInteger(parsed) || parsed <= 0)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `--${flag} must be a positive whole number (got "${value}").`,
    );
  }
  return parsed;
}

/** Prints a value as the JSON document a `--json` flag promises. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `--state`: the routing server's state database, for the commands that read or serve it. */
export const STATE_ARG = {
  type: "string",
  description:
    "State database: a file, or a postgres:// URL shared by servers on several machines (default MODELSCOUT_STATE_URL, else state.db under MODELSCOUT_HOME)",
} as const;
