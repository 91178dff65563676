/**
 * @module
 * OpenAI's speech-to-text request, `POST /v1/audio/transcriptions`: a `multipart/form-data`
 * upload with `file` (the recording), `model` (`auto`, a route or a model id here),
 * `response_format` (`json` or `text`) and `language` (ISO 639-1, a hint), as OpenAI's SDKs
 * and whisper clients send it. The recording is checked and, if WAV, decoded like any audio
 * input (`media-input.ts`); other formats go on as files to models behind speech servers.
 * What this router cannot honour is refused with a 400 naming the field: `prompt`,
 * `temperature`, timestamps, and the `srt`/`vtt`/`verbose_json` formats.
 */
import type { BackendInput } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import type { EndpointRequest } from "./create-routing-app.js";
import { mediaFromBytes } from "./media-input.js";

export interface TranscriptionRequest {
  model: string;
  input: BackendInput;
  /** For the request log. */
  description: string;
  format: "json" | "text";
}

const UNSUPPORTED_FIELDS = [
  "prompt",
  "temperature",
  "timestamp_granularities[]",
  "chunking_strategy",
];

function invalid(message: string, param: string | null): ModelScoutError {
  return new ModelScoutError("INVALID_ARGUMENT", message, {
    details: param === null ? {} : { param },
  });
}

function textField(form: FormData, name: string): string | undefined {
  const value = form.get(name);
  if (value === null) return undefined;
  if (typeof value !== "string") throw invalid(`${name} must be text, not a file.`, name);
  return value;
}

export async function readTranscriptionRequest(
  request: EndpointRequest,
  maxBytes: number,
): Promise<TranscriptionRequest> {
  const contentType = request.header("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw invalid(
      "Send the recording as multipart/form-data with a file field, as OpenAI's SDKs do (curl -F file=@speech.wav -F model=auto).",
      null,
    );
  }
  const bytes = await request.bytes(maxBytes);
  let form: FormData;
  try {
    form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    throw invalid(`The multipart body could not be read (${(error as Error).message}).`, null);
  }
  const file = form.get("file");
  if (file === null || typeof file === "string") {
    throw invalid("file is required: the recording, as a file field.", "file");
  }
  for (const name of UNSUPPORTED_FIELDS) {
    if (form.has(name)) {
      throw invalid(`${name} is not supported by this router; send the request without it.`, name);
    }
  }
  const format = textField(form, "response_format") ?? "json";
  if (format !== "json" && format !== "text") {
    throw invalid(
      `response_format must be json or text here (got "${format}"): this router does not return timestamps.`,
      "response_format",
    );
  }
  const language = textField(form, "language");
  if (language !== undefined && !/^[a-z]{2,3}$/.test(language)) {
    throw invalid(
      `language must be an ISO 639-1 code such as "en" or "zh" (got "${language}").`,
      "language",
    );
  }
  const model = textField(form, "model") || "auto";
  const fileName = file instanceof File && file.name !== "" ? file.name : undefined;
  const media = mediaFromBytes("audio", new Uint8Array(await file.arrayBuffer()), "file", {
    fileName,
  });
  const input = media.input;
  if (
    language !== undefined &&
    typeof input === "object" &&
    ("audio" in input || "audioFile" in input)
  ) {
    input.language = language;
  }
  return { model, input, description: media.description, format };
}
