/**
 * @module
 * WAV (RIFF/WAVE) to the samples speech models take: mono `Float32Array` in [-1, 1] at the
 * file's own rate (channels averaged). Reads integer PCM of 8, 16, 24 and 32 bits and IEEE
 * float of 32 and 64 bits, plain or as `WAVE_FORMAT_EXTENSIBLE`; unknown chunks are skipped.
 * Compressed audio (MP3, Ogg, FLAC...) is not decoded here: that needs a codec, and a
 * client that has one (ffmpeg) can send WAV. Anything else fails with `INVALID_ARGUMENT`
 * saying what was found.
 */
import { ModelScoutError } from "../errors/modelscout-error.js";

export interface DecodedAudio {
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
  samplingRateHz: number;
  /** Channels in the file (averaged into `samples`). */
  channels: number;
  durationSeconds: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function invalid(message: string, param: string): ModelScoutError {
  return new ModelScoutError("INVALID_ARGUMENT", message, { details: { param } });
}

function chunkId(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}

interface WavFormat {
  format: number;
  channels: number;
  samplingRateHz: number;
  bitsPerSample: number;
  blockAlign: number;
}

function readFormat(view: DataView, offset: number, size: number, param: string): WavFormat {
  if (size < 16) throw invalid("The WAV file's fmt chunk is too short.", param);
  let format = view.getUint16(offset, true);
  const bitsPerSample = view.getUint16(offset + 14, true);
  if (format === FORMAT_EXTENSIBLE) {
    // cbSize (2), valid bits (2), channel mask (4), then the sub-format GUID, whose first two
    // bytes are the format code.
    if (size < 40) throw invalid("The WAV file's extensible fmt chunk is too short.", param);
    format = view.getUint16(offset + 24, true);
  }
  return {
    format,
    channels: view.getUint16(offset + 2, true),
    samplingRateHz: view.getUint32(offset + 4, true),
    bitsPerSample,
    blockAlign: view.getUint16(offset + 12, true),
  };
}

function sampleReader(
  view: DataView,
  format: WavFormat,
  param: string,
): (offset: number) => number {
  const { format: code, bitsPerSample: bits } = format;
  if (code === FORMAT_PCM) {
    if (bits === 8) return (offset) => (view.getUint8(offset) - 128) / 128;
    if (bits === 16) return (offset) => view.getInt16(offset, true) / 32768;
    if (bits === 24) {
      return (offset) => {
        const value =
          view.getUint8(offset) |
          (view.getUint8(offset + 1) << 8) |
          (view.getInt8(offset + 2) << 16);
        return value / 8388608;
      };
    }
    if (bits === 32) return (offset) => view.getInt32(offset, true) / 2147483648;
  }
  if (code === FORMAT_FLOAT) {
    if (bits === 32) return (offset) => view.getFloat32(offset, true);
    if (bits === 64) return (offset) => view.getFloat64(offset, true);
  }
  throw invalid(
    `This WAV file holds ${code === FORMAT_PCM ? `${bits}-bit PCM` : code === FORMAT_FLOAT ? `${bits}-bit float` : `format ${code} (compressed)`} audio; send 8, 16, 24 or 32-bit PCM, or 32 or 64-bit float (for example: ffmpeg -i in.wav -ac 1 -ar 16000 -c:a pcm_s16le out.wav).`,
    param,
  );
}

/** Decodes a WAV file; `param` names the request field in errors. */
export function decodeWav(bytes: Uint8Array, param = "input"): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || chunkId(view, 0) !== "RIFF" || chunkId(view, 8) !== "WAVE") {
    throw invalid("This is not a WAV file (no RIFF/WAVE header).", param);
  }
  let format: WavFormat | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = chunkId(view, offset);
    const declared = view.getUint32(offset + 4, true);
    const start = offset + 8;
    // A streamed WAV may declare more data than it holds (or 0xFFFFFFFF): read what is there.
    const size = Math.min(declared, bytes.byteLength - start);
    if (id === "fmt ") format = readFormat(view, start, size, param);
    if (id === "data") {
      if (format === undefined)
        throw invalid("The WAV file has no fmt chunk before its data.", param);
      return decodeData(view, start, size, format, param);
    }
    offset = start + declared + (declared % 2); // chunks are padded to an even length
  }
  throw invalid(
    format === undefined ? "The WAV file has no fmt chunk." : "The WAV file has no data chunk.",
    param,
  );
}

/** Telephony's narrowest band to studio's highest rate; anything else is a broken header. */
const MIN_SAMPLING_RATE_HZ = 1000;
const MAX_SAMPLING_RATE_HZ = 768_000;

function decodeData(
  view: DataView,
  start: number,
  size: number,
  format: WavFormat,
  param: string,
): DecodedAudio {
  const { channels, samplingRateHz, bitsPerSample } = format;
  if (channels < 1) throw invalid("The WAV file declares no channels.", param);
  if (samplingRateHz < 1) throw invalid("The WAV file declares a sampling rate of 0 Hz.", param);
  // Speech models resample to their own rate (16 kHz): from a header claiming 1 Hz, a 2 MB
  // upload would become billions of samples and take the server's memory.
  if (samplingRateHz < MIN_SAMPLING_RATE_HZ || samplingRateHz > MAX_SAMPLING_RATE_HZ) {
    throw invalid(
      `The WAV file declares a sampling rate of ${samplingRateHz} Hz; recordings are ${MIN_SAMPLING_RATE_HZ} to ${MAX_SAMPLING_RATE_HZ} Hz (for example: ffmpeg -i in.wav -ac 1 -ar 16000 -c:a pcm_s16le out.wav).`,
      param,
    );
  }
  const read = sampleReader(view, format, param);
  const bytesPerSample = bitsPerSample / 8;
  const frameBytes = Math.max(format.blockAlign, bytesPerSample * channels);
  const frames = Math.floor(size / frameBytes);
  if (frames === 0) throw invalid("The WAV file holds no audio samples.", param);
  const samples = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame += 1) {
    const base = start + frame * frameBytes;
    let sum = 0;
    for (let channel = 0; channel < channels; channel += 1) {
      sum += read(base + channel * bytesPerSample);
    }
    samples[frame] = sum / channels;
  }
  return { samples, samplingRateHz, channels, durationSeconds: frames / samplingRateHz };
}
