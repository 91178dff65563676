/**
 * @module
 * The one place errors become HTTP answers, in OpenAI's error format
 * (`{error: {message, type, param, code}}`) so OpenAI clients surface the message. A
 * `ModelScoutError` maps by its code (`details.param` names the offending field,
 * `details.openaiCode` overrides the `code`); anything else is a 500 whose message says it
 * is a bug, without internals.
 */
import { ModelScoutError, type ModelScoutErrorCode } from "../errors/modelscout-error.js";

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface HttpError {
  status: number;
  body: OpenAIErrorBody;
}

export function openAIError(
  status: number,
  message: string,
  options: { type?: string; param?: string | null; code?: string | null } = {},
): HttpError {
  return {
    status,
    body: {
      error: {
        message,
        type: options.type ?? (status >= 500 ? "server_error" : "invalid_request_error"),
        param: options.param ?? null,
        code: options.code ?? null,
      },
    },
  };
}

const STATUS_BY_CODE: Record<ModelScoutErrorCode, { status: number; code: string }> = {
  INVALID_ARGUMENT: { status: 400, code: "invalid_value" },
  INPUT_TOO_LARGE: { status: 413, code: "input_too_large" },
  UNKNOWN_TASK: { status: 404, code: "unknown_task" },
  UNKNOWN_HARDWARE: { status: 400, code: "invalid_value" },
  NOT_FOUND: { status: 404, code: "not_found" },
  STORE_LOCKED: { status: 503, code: "store_unavailable" },
  STORE_CORRUPT: { status: 500, code: "store_corrupt" },
  STORE_UNAVAILABLE: { status: 503, code: "store_unavailable" },
  HOME_UNWRITABLE: { status: 500, code: "store_unavailable" },
  OUTPUT_UNWRITABLE: { status: 500, code: "output_unwritable" },
  HUB_RESPONSE_INVALID: { status: 502, code: "upstream_error" },
  HUB_REQUEST_FAILED: { status: 502, code: "upstream_error" },
  SNAPSHOT_INVALID: { status: 500, code: "snapshot_invalid" },
  BACKEND_REQUEST_FAILED: { status: 502, code: "upstream_error" },
  BACKEND_RESPONSE_INVALID: { status: 502, code: "upstream_error" },
  BACKEND_TIMEOUT: { status: 504, code: "upstream_timeout" },
  BACKEND_CRASHED: { status: 502, code: "backend_crashed" },
  MODEL_CORRUPT: { status: 502, code: "model_corrupt" },
  INSUFFICIENT_MEMORY: { status: 503, code: "insufficient_memory" },
  BACKEND_UNAVAILABLE: { status: 503, code: "backend_unavailable" },
  NO_CANDIDATES: { status: 404, code: "no_candidates" },
  ABORTED: { status: 499, code: "client_closed" },
};

export function httpErrorFor(error: unknown): HttpError {
  if (ModelScoutError.isInstance(error)) {
    const mapped = STATUS_BY_CODE[error.code];
    const param = typeof error.details.param === "string" ? error.details.param : null;
    const code =
      typeof error.details.openaiCode === "string" ? error.details.openaiCode : mapped.code;
    return openAIError(mapped.status, error.message, { param, code });
  }
  return openAIError(
    500,
    "The router hit an unexpected error; this is a ModelScout bug, please report it with the server's log.",
    { code: "internal_error" },
  );
}
