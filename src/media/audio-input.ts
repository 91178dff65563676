/**
 * @module
 * A recording as a model input, wherever it comes from (a request to the server, a file of
 * a selection's sample data). WAV is decoded to samples, which every speech model takes, and
 * keeps its file for models behind speech servers. MP3, FLAC, Ogg, MP4 and WebM are not
 * decoded here (that takes a codec): they become `{ audioFile }` inputs, which only backends
 * whose `describe().audioFiles` is true take. Anything else is `INVALID_ARGUMENT`.
 */
import type { BackendInput } from "../backends/model-backend.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { decodeWav } from "./decode-wav.js";
import { isAudioType, sniffMediaType } from "./sniff-media-type.js";

export interface AudioInput {
  input: BackendInput;
  /** For logs and reports: `audio/wav, 3.20 s at 44100 Hz, 2 channels`. */
  description: string;
}

/**
 * `param` names where the bytes came from in errors (a request field, a data file); `hint` is
 * added to the message when they are not audio.
 */
export function audioInputFromFile(
  bytes: Uint8Array,
  param: string,
  fileName?: string,
  hint = "",
): AudioInput {
  const type = sniffMediaType(bytes);
  const file = { bytes, mediaType: type ?? "", ...(fileName !== undefined && { fileName }) };
  if (type !== null && type !== "audio/wav" && isAudioType(type)) {
    return {
      input: { audioFile: file },
      description: `${type}, ${bytes.byteLength} bytes, not decoded`,
    };
  }
  if (type !== "audio/wav") {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${param} is not audio that ModelScout reads${type === null ? "" : ` (it looks like ${type})`}: send WAV, MP3, FLAC, Ogg, MP4 or WebM audio.${hint}`,
      { details: { param } },
    );
  }
  const audio = decodeWav(bytes, param);
  return {
    input: { audio: audio.samples, samplingRateHz: audio.samplingRateHz, file },
    description: `audio/wav, ${audio.durationSeconds.toFixed(2)} s at ${audio.samplingRateHz} Hz, ${audio.channels} channel${audio.channels === 1 ? "" : "s"}`,
  };
}
