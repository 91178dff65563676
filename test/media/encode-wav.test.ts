import { describe, expect, it } from "vitest";
import { decodeWav } from "../../src/media/decode-wav.js";
import { encodeWav } from "../../src/media/encode-wav.js";
import { sine } from "./wav-fixtures.js";

describe("encodeWav", () => {
  it("writes 16-bit mono PCM that decodes back within one quantisation step, clipping at ±1", () => {
    const samples = sine(440, 16_000, 0.1, 0.9);
    samples[0] = 1.5;
    samples[1] = -2;
    const bytes = encodeWav(samples, 16_000);
    expect(bytes.byteLength).toBe(44 + samples.length * 2);
    const decoded = decodeWav(bytes);
    expect(decoded).toMatchObject({ samplingRateHz: 16_000, channels: 1 });
    expect(decoded.samples[0]).toBeCloseTo(32767 / 32768, 6);
    expect(decoded.samples[1]).toBeCloseTo(-32767 / 32768, 6);
    for (let index = 2; index < samples.length; index += 1) {
      expect(
        Math.abs((decoded.samples[index] as number) - (samples[index] as number)),
      ).toBeLessThan(1 / 16_000);
    }
  });
});
