/**
 * @module
 * Audio to another sampling rate, for speech models that take one rate (16 kHz for Whisper
 * and wav2vec2) when clients record at 44.1 or 48 kHz. Band-limited interpolation: each
 * output sample is a Hann-windowed sinc over the input, with the cut-off at the lower of
 * the two Nyquist frequencies, so downsampling does not fold high frequencies into the
 * speech band. The weights are normalised per output sample, so a constant stays constant at
 * the edges. Cost: about `2 * ZERO_CROSSINGS / min(1, to/from)` multiply-adds per output
 * sample (88 for 44.1 kHz to 16 kHz), with the kernel read from a table per phase when the
 * two rates are in a ratio of small integers, as the usual rates are.
 */

/** Zero crossings of the sinc kept on each side; 16 keeps the stop-band error near 1 %. */
const ZERO_CROSSINGS = 16;

/** Phase tables larger than this (rates with a tiny common divisor) are not built. */
const MAX_PHASES = 4096;

export function resampleAudio(samples: Float32Array, fromHz: number, toHz: number): Float32Array {
  if (!(fromHz > 0) || !(toHz > 0)) {
    throw new RangeError(`Sampling rates must be positive (got ${fromHz} Hz to ${toHz} Hz).`);
  }
  if (fromHz === toHz || samples.length === 0) return samples;
  const ratio = toHz / fromHz;
  // The cut-off as a fraction of the input's Nyquist frequency.
  const cutoff = Math.min(1, ratio);
  const radius = ZERO_CROSSINGS / cutoff;
  const length = Math.max(1, Math.round(samples.length * ratio));
  const divisor =
    Number.isInteger(fromHz) && Number.isInteger(toHz) ? greatestCommonDivisor(fromHz, toHz) : 0;
  if (divisor > 0 && toHz / divisor <= MAX_PHASES) {
    return resampleByPhase(samples, fromHz / divisor, toHz / divisor, cutoff, radius, length);
  }
  const output = new Float32Array(length);
  const last = samples.length - 1;
  for (let index = 0; index < length; index += 1) {
    const centre = index / ratio;
    const from = Math.max(0, Math.ceil(centre - radius));
    const to = Math.min(last, Math.floor(centre + radius));
    let sum = 0;
    let weights = 0;
    for (let source = from; source <= to; source += 1) {
      const weight = kernel(source - centre, cutoff, radius);
      sum += (samples[source] as number) * weight;
      weights += weight;
    }
    output[index] = weights === 0 ? 0 : sum / weights;
  }
  return output;
}

/** The windowed sinc at `distance` input samples from the output sample's position. */
function kernel(distance: number, cutoff: number, radius: number): number {
  if (Math.abs(distance) >= radius) return 0;
  const x = Math.PI * distance * cutoff;
  const sinc = x === 0 ? 1 : Math.sin(x) / x;
  return sinc * (0.5 + 0.5 * Math.cos((Math.PI * distance) / radius));
}

function greatestCommonDivisor(left: number, right: number): number {
  let a = left;
  let b = right;
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The same filter for rates in a ratio of small integers (44,100 : 16,000 is 441 : 160):
 * output sample `i` sits at input position `i * step / phases`, so its fractional part takes
 * only `phases` values, and the kernel is computed once per phase instead of once per tap
 * (30 s of 44.1 kHz audio: ~40 M multiply-adds instead of as many sines and cosines).
 */
function resampleByPhase(
  samples: Float32Array,
  step: number,
  phases: number,
  cutoff: number,
  radius: number,
  length: number,
): Float32Array {
  const reach = Math.ceil(radius);
  const taps = 2 * reach;
  // Tap k of phase p weighs input base + k - reach + 1, at distance (k - reach + 1) - p / phases.
  const table = new Float32Array(phases * taps);
  for (let phase = 0; phase < phases; phase += 1) {
    for (let tap = 0; tap < taps; tap += 1) {
      table[phase * taps + tap] = kernel(tap - reach + 1 - phase / phases, cutoff, radius);
    }
  }
  const output = new Float32Array(length);
  const last = samples.length - 1;
  for (let index = 0; index < length; index += 1) {
    const position = index * step;
    const base = Math.floor(position / phases);
    const row = (position - base * phases) * taps;
    const first = base - reach + 1;
    const from = Math.max(0, -first);
    const to = Math.min(taps - 1, last - first);
    let sum = 0;
    let weights = 0;
    for (let tap = from; tap <= to; tap += 1) {
      const weight = table[row + tap] as number;
      sum += (samples[first + tap] as number) * weight;
      weights += weight;
    }
    output[index] = weights === 0 ? 0 : sum / weights;
  }
  return output;
}
