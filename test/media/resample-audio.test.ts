import { describe, expect, it } from "vitest";
import { resampleAudio } from "../../src/media/resample-audio.js";
import { sine } from "./wav-fixtures.js";

/** The amplitude of `hz` in `samples` (a single-bin Fourier transform), over the middle half. */
function amplitudeAt(samples: Float32Array, hz: number, samplingRateHz: number): number {
  const from = Math.floor(samples.length / 4);
  const to = Math.floor((3 * samples.length) / 4);
  let re = 0;
  let im = 0;
  for (let index = from; index < to; index += 1) {
    const phase = (2 * Math.PI * hz * index) / samplingRateHz;
    re += (samples[index] as number) * Math.cos(phase);
    im += (samples[index] as number) * Math.sin(phase);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

describe("resampleAudio", () => {
  it("keeps a tone's frequency and level from 44.1 kHz down to 16 kHz", () => {
    const input = sine(440, 44_100, 1, 0.5);
    const output = resampleAudio(input, 44_100, 16_000);
    expect(output).toHaveLength(16_000);
    expect(amplitudeAt(output, 440, 16_000)).toBeCloseTo(0.5, 2);
    // Against the same tone generated at 16 kHz, sample by sample.
    const reference = sine(440, 16_000, 1, 0.5);
    let worst = 0;
    for (let index = 100; index < output.length - 100; index += 1) {
      worst = Math.max(worst, Math.abs((output[index] as number) - (reference[index] as number)));
    }
    expect(worst).toBeLessThan(0.01);
  });

  it("removes what the lower rate cannot hold instead of folding it into the speech band", () => {
    // 12 kHz is above 16 kHz's Nyquist frequency; naive decimation would alias it to 4 kHz.
    const output = resampleAudio(sine(12_000, 48_000, 1, 0.5), 48_000, 16_000);
    expect(amplitudeAt(output, 4000, 16_000)).toBeLessThan(0.01);
  });

  it("upsamples too, and keeps a constant constant up to the edges", () => {
    const output = resampleAudio(sine(300, 8000, 0.5, 0.5), 8000, 16_000);
    expect(output).toHaveLength(8000);
    expect(amplitudeAt(output, 300, 16_000)).toBeCloseTo(0.5, 2);
    const flat = resampleAudio(new Float32Array(1000).fill(0.25), 48_000, 16_000);
    expect(Math.min(...flat)).toBeCloseTo(0.25, 5);
    expect(Math.max(...flat)).toBeCloseTo(0.25, 5);
  });

  it("gives the same samples from its phase table as from the kernel computed per tap", () => {
    const input = sine(440, 44_100, 0.2, 0.5).map((value, index) => value + 0.1 * Math.sin(index));
    // Integer rates in a small ratio take the table; a rate a hair off an integer does not.
    const table = resampleAudio(input, 44_100, 16_000);
    const direct = resampleAudio(input, 44_100 * (1 + 1e-12), 16_000);
    expect(direct).toHaveLength(table.length);
    let worst = 0;
    for (let index = 0; index < table.length; index += 1) {
      worst = Math.max(worst, Math.abs((table[index] as number) - (direct[index] as number)));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it("returns the input at the same rate and refuses a rate that is not positive", () => {
    const input = sine(440, 16_000, 0.01);
    expect(resampleAudio(input, 16_000, 16_000)).toBe(input);
    expect(() => resampleAudio(input, 0, 16_000)).toThrow(/must be positive/);
  });
});
