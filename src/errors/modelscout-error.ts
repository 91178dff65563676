/**
 * @module
 * The one error hierarchy of ModelScout. Every error a user can meet is a `ModelScoutError`
 * with a stable `code`, a message that says what to do, and `isRetryable` for callers that
 * retry. The CLI maps codes to exit codes in one place (`cli/exit-code.ts`); the server will
 * map them to HTTP statuses in one place too.
 */

export type ModelScoutErrorCode =
  | "INVALID_ARGUMENT"
  | "INPUT_TOO_LARGE"
  | "UNKNOWN_TASK"
  | "UNKNOWN_HARDWARE"
  | "NOT_FOUND"
  | "STORE_LOCKED"
  | "STORE_CORRUPT"
  | "STORE_UNAVAILABLE"
  | "HOME_UNWRITABLE"
  | "OUTPUT_UNWRITABLE"
  | "HUB_RESPONSE_INVALID"
  | "HUB_REQUEST_FAILED"
  | "SNAPSHOT_INVALID"
  | "BACKEND_REQUEST_FAILED"
  | "BACKEND_RESPONSE_INVALID"
  | "BACKEND_TIMEOUT"
  | "BACKEND_CRASHED"
  | "MODEL_CORRUPT"
  | "INSUFFICIENT_MEMORY"
  | "BACKEND_UNAVAILABLE"
  | "NO_CANDIDATES"
  | "ABORTED";

export interface ModelScoutErrorOptions {
  cause?: unknown;
  isRetryable?: boolean;
  /** Extra structured facts for `--json` output and logs (never credentials). */
  details?: Record<string, unknown>;
}

export class ModelScoutError extends Error {
  readonly code: ModelScoutErrorCode;
  readonly isRetryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ModelScoutErrorCode, message: string, options: ModelScoutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ModelScoutError";
    this.code = code;
    this.isRetryable = options.isRetryable ?? false;
    this.details = options.details ?? {};
  }

  static isInstance(value: unknown): value is ModelScoutError {
    return value instanceof ModelScoutError;
  }
}
