/**
 * @module
 * The one place errors become exit codes and messages on stderr. Codes follow sysexits(3)
 * so scripts can tell "you typed it wrong" from "try again later".
 */
import { ModelScoutError, type ModelScoutErrorCode } from "../errors/modelscout-error.js";

export const EXIT_CODES = {
  INVALID_ARGUMENT: 2,
  INPUT_TOO_LARGE: 2,
  UNKNOWN_TASK: 2,
  UNKNOWN_HARDWARE: 2,
  NOT_FOUND: 3,
  SNAPSHOT_INVALID: 65,
  STORE_CORRUPT: 65,
  HUB_REQUEST_FAILED: 69,
  STORE_UNAVAILABLE: 73,
  HOME_UNWRITABLE: 73,
  /** A file the user named could not be written after the work was done (a full disk). */
  OUTPUT_UNWRITABLE: 73,
  STORE_LOCKED: 75,
  HUB_RESPONSE_INVALID: 76,
  BACKEND_REQUEST_FAILED: 69,
  BACKEND_RESPONSE_INVALID: 76,
  BACKEND_TIMEOUT: 75,
  /** The package that runs the model is not installed (sysexits EX_UNAVAILABLE). */
  BACKEND_UNAVAILABLE: 69,
  BACKEND_CRASHED: 70,
  MODEL_CORRUPT: 65,
  INSUFFICIENT_MEMORY: 69,
  /** Filters left nothing to probe: the spec asks for something the catalog cannot give. */
  NO_CANDIDATES: 4,
  /** Interrupted by the user (Ctrl-C); what was done is stored. */
  ABORTED: 130,
} as const satisfies Record<ModelScoutErrorCode, number>;

/** Usage errors raised by the argument parser (citty's `CLIError`) exit like ours. */
function isUsageError(error: unknown): error is Error {
  return error instanceof Error && error.name === "CLIError";
}

export function exitCodeFor(error: unknown): number {
  if (ModelScoutError.isInstance(error)) return EXIT_CODES[error.code];
  if (isUsageError(error)) return 2;
  return 1;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
const ANSI_ESCAPES = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * What the user sees: our messages as they are, anything unexpected with its stack. citty
 * colours the names in its usage errors; the colour codes are taken out, since stderr is
 * often a log file or a CI job, and the message reads the same in a terminal without them.
 */
export function describeError(error: unknown): string {
  if (ModelScoutError.isInstance(error)) return `modelscout: ${error.message}`;
  if (isUsageError(error)) {
    return `modelscout: ${error.message.replace(ANSI_ESCAPES, "")} (see --help)`;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `modelscout: unexpected error, please report it:\n${text}`;
}
