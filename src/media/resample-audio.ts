/**
 * @module
 * Audio to another sampling rate, for speech models that take one rate (16 kHz for Whisper
 * and wav2vec2) when clients record at 44.1 or 48 kHz. Band-limited interpolation: each
 * output sample is a Hann-windowed sinc over the input, with the cut-off at the lower of
 * the two Nyquist frequencies, so downsampling does not fold high frequencies into the
 * speech band. The weights are normalised per output sample, so a constant stays constant at
 * the edges. Cost: about `2 * ZERO_CROSSINGS / min(1, to/from)` multiply-adds per output
 * sample (88 for 44.1 kHz to 16 kHz).
 */

/** Zero crossings of the sinc kept on each side; 16 keeps the stop-band error near 1 %. */
const ZERO_CROSSINGS = 16;

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
  const output = new Float32Array(length);
  const last = samples.length - 1;
  for (let index = 0; index < length; index += 1) {
    const centre = index / ratio;
    const from = Math.max(0, Math.ceil(centre - radius));
    const to = Math.min(last, Math.floor(centre + radius));
    let sum = 0;
    let weights = 0;
    for (let source = from; source <= to; source += 1) {
      const distance = source - centre;
      const x = Math.PI * distance * cutoff;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * distance) / radius);
      const weight = sinc * window;
      sum += (samples[source] as number) * weight;
      weights += weight;
    }
    output[index] = weights === 0 ? 0 : sum / weights;
  }
  return output;
}
