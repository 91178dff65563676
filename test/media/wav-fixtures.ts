/**
 * WAV files built in the tests from known signals, so a decoder's output can be checked
 * sample by sample against what went in.
 */

export interface WavSpec {
  /** One array per channel, values in [-1, 1]. */
  channels: readonly Float32Array[];
  samplingRateHz: number;
  encoding: "pcm8" | "pcm16" | "pcm24" | "pcm32" | "float32" | "float64";
  /** Wrap the format as WAVE_FORMAT_EXTENSIBLE. */
  extensible?: boolean;
  /** Chunks to put before `fmt ` and between `fmt ` and `data` (id, payload). */
  extraChunks?: readonly [string, Uint8Array][];
}

const BITS = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 } as const;

function chunk(id: string, payload: Uint8Array): Uint8Array {
  const padded = payload.length + (payload.length % 2);
  const bytes = new Uint8Array(8 + padded);
  const view = new DataView(bytes.buffer);
  for (let index = 0; index < 4; index += 1) bytes[index] = id.charCodeAt(index);
  view.setUint32(4, payload.length, true);
  bytes.set(payload, 8);
  return bytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

export function buildWav(spec: WavSpec): Uint8Array {
  const bits = BITS[spec.encoding];
  const channels = spec.channels.length;
  const frames = spec.channels[0]?.length ?? 0;
  const bytesPerSample = bits / 8;
  const float = spec.encoding.startsWith("float");
  const fmt = new Uint8Array(spec.extensible === true ? 40 : 16);
  const fmtView = new DataView(fmt.buffer);
  fmtView.setUint16(0, spec.extensible === true ? 0xfffe : float ? 3 : 1, true);
  fmtView.setUint16(2, channels, true);
  fmtView.setUint32(4, spec.samplingRateHz, true);
  fmtView.setUint32(8, spec.samplingRateHz * channels * bytesPerSample, true);
  fmtView.setUint16(12, channels * bytesPerSample, true);
  fmtView.setUint16(14, bits, true);
  if (spec.extensible === true) {
    fmtView.setUint16(16, 22, true);
    fmtView.setUint16(18, bits, true);
    fmtView.setUint16(24, float ? 3 : 1, true);
  }
  const data = new Uint8Array(frames * channels * bytesPerSample);
  const view = new DataView(data.buffer);
  for (let frame = 0; frame < frames; frame += 1) {
    for (let channel = 0; channel < channels; channel += 1) {
      const value = (spec.channels[channel] as Float32Array)[frame] as number;
      const offset = (frame * channels + channel) * bytesPerSample;
      switch (spec.encoding) {
        case "pcm8":
          view.setUint8(offset, Math.round(value * 127) + 128);
          break;
        case "pcm16":
          view.setInt16(offset, Math.round(value * 32767), true);
          break;
        case "pcm24": {
          const integer = Math.round(value * 8388607);
          view.setUint8(offset, integer & 0xff);
          view.setUint8(offset + 1, (integer >> 8) & 0xff);
          view.setUint8(offset + 2, (integer >> 16) & 0xff);
          break;
        }
        case "pcm32":
          view.setInt32(offset, Math.round(value * 2147483647), true);
          break;
        case "float32":
          view.setFloat32(offset, value, true);
          break;
        case "float64":
          view.setFloat64(offset, value, true);
          break;
      }
    }
  }
  const extra = (spec.extraChunks ?? []).map(([id, payload]) => chunk(id, payload));
  const body = concat([
    new TextEncoder().encode("WAVE"),
    ...extra,
    chunk("fmt ", fmt),
    ...extra,
    chunk("data", data),
  ]);
  const header = new Uint8Array(8);
  header.set(new TextEncoder().encode("RIFF"));
  new DataView(header.buffer).setUint32(4, body.length, true);
  return concat([header, body]);
}

/** A sine of `hz` at `amplitude`, `seconds` long. */
export function sine(hz: number, samplingRateHz: number, seconds: number, amplitude = 0.5) {
  const samples = new Float32Array(Math.round(samplingRateHz * seconds));
  for (let index = 0; index < samples.length; index += 1) {
    samples[index] = amplitude * Math.sin((2 * Math.PI * hz * index) / samplingRateHz);
  }
  return samples;
}
