import { describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { decodeWav } from "../../src/media/decode-wav.js";
import { buildWav, sine, type WavSpec } from "./wav-fixtures.js";

const STEP = {
  pcm8: 1 / 127,
  pcm16: 1 / 32767,
  pcm24: 1 / 8388607,
  pcm32: 1e-6,
  float32: 1e-7,
  float64: 1e-12,
} as const;

function maxError(left: Float32Array, right: Float32Array): number {
  let worst = 0;
  for (let index = 0; index < left.length; index += 1) {
    worst = Math.max(worst, Math.abs((left[index] as number) - (right[index] as number)));
  }
  return worst;
}

function expectInvalid(bytes: Uint8Array, message: string): void {
  let caught: unknown;
  try {
    decodeWav(bytes, "body");
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ModelScoutError);
  expect((caught as ModelScoutError).code).toBe("INVALID_ARGUMENT");
  expect((caught as ModelScoutError).message).toContain(message);
  expect((caught as ModelScoutError).details.param).toBe("body");
}

describe("decodeWav", () => {
  it("refuses sampling rates no recording has, which resampling would blow up", () => {
    const samples = new Float32Array(1000);
    for (const samplingRateHz of [1, 999, 768_001, 4_294_967_295]) {
      expectInvalid(
        buildWav({ channels: [samples], samplingRateHz, encoding: "pcm16" }),
        `sampling rate of ${samplingRateHz} Hz`,
      );
    }
    for (const samplingRateHz of [1000, 8000, 768_000]) {
      expect(
        decodeWav(buildWav({ channels: [samples], samplingRateHz, encoding: "pcm16" }))
          .samplingRateHz,
      ).toBe(samplingRateHz);
    }
  });

  for (const encoding of Object.keys(STEP) as WavSpec["encoding"][]) {
    it(`reads ${encoding} mono samples back within one quantisation step`, () => {
      const signal = sine(440, 16_000, 0.25);
      const decoded = decodeWav(buildWav({ channels: [signal], samplingRateHz: 16_000, encoding }));
      expect(decoded.samplingRateHz).toBe(16_000);
      expect(decoded.channels).toBe(1);
      expect(decoded.samples).toHaveLength(4000);
      expect(decoded.durationSeconds).toBeCloseTo(0.25, 6);
      expect(maxError(decoded.samples, signal)).toBeLessThanOrEqual(STEP[encoding] * 1.01);
    });
  }

  it("averages the channels of a stereo file into one", () => {
    const left = sine(440, 44_100, 0.1, 0.8);
    const right = new Float32Array(left.length).fill(0.2);
    const decoded = decodeWav(
      buildWav({ channels: [left, right], samplingRateHz: 44_100, encoding: "pcm16" }),
    );
    expect(decoded.channels).toBe(2);
    expect(decoded.samplingRateHz).toBe(44_100);
    const expected = left.map((value, index) => (value + (right[index] as number)) / 2);
    expect(maxError(decoded.samples, expected)).toBeLessThan(1e-4);
  });

  it("reads WAVE_FORMAT_EXTENSIBLE files and skips chunks it does not know", () => {
    const signal = sine(1000, 48_000, 0.05);
    const decoded = decodeWav(
      buildWav({
        channels: [signal],
        samplingRateHz: 48_000,
        encoding: "float32",
        extensible: true,
        extraChunks: [["LIST", new Uint8Array([1, 2, 3])]],
      }),
    );
    expect(maxError(decoded.samples, signal)).toBeLessThan(1e-7);
  });

  it("reads what a streamed file holds when its data chunk declares more", () => {
    const bytes = buildWav({
      channels: [sine(440, 8000, 0.1)],
      samplingRateHz: 8000,
      encoding: "pcm16",
    });
    const dataAt = Buffer.from(bytes).indexOf("data");
    new DataView(bytes.buffer).setUint32(dataAt + 4, 0xffffffff, true);
    expect(decodeWav(bytes).samples).toHaveLength(800);
  });

  it("names what is wrong with a file it cannot read", () => {
    expectInvalid(new TextEncoder().encode("not audio at all"), "not a WAV file");
    const wav = buildWav({
      channels: [sine(440, 8000, 0.01)],
      samplingRateHz: 8000,
      encoding: "pcm16",
    });
    const adpcm = wav.slice();
    new DataView(adpcm.buffer).setUint16(20, 2, true); // MS ADPCM
    expectInvalid(adpcm, "format 2 (compressed)");
    expectInvalid(wav.slice(0, 44), "holds no audio samples");
    expectInvalid(wav.slice(0, 36), "no data chunk");
    const noFormat = wav.slice();
    noFormat.set(new TextEncoder().encode("junk"), 12);
    expectInvalid(noFormat, "no fmt chunk");
  });
});
