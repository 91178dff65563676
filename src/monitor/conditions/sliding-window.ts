/**
 * @module
 * The observations a windowed condition keeps per route and model: the last `events` of them,
 * dropping those older than `seconds` before the newest (event time). Held as `[timeMs, value]`
 * pairs, oldest first; stored as base64 of the packed float64 values, because turning
 * hundreds of floats into decimal text on every request cost several times more than the
 * rest of the evaluation (measured with bench/alert-engine.ts).
 */

export interface WindowOptions {
  events?: number | undefined;
  seconds?: number | undefined;
}

export type WindowSamples = [number, number][];

/** Largest window kept when only `seconds` bounds it. */
export const MAX_WINDOW_EVENTS = 10_000;

/** Appends a sample and returns the samples that fell out of the window. */
export function pushSample(
  samples: WindowSamples,
  timeMs: number,
  value: number,
  window: WindowOptions,
): WindowSamples {
  samples.push([timeMs, value]);
  const limit = window.events ?? MAX_WINDOW_EVENTS;
  let drop = Math.max(0, samples.length - limit);
  if (window.seconds !== undefined) {
    const oldest = timeMs - window.seconds * 1000;
    while (drop < samples.length && (samples[drop] as [number, number])[0] < oldest) drop += 1;
  }
  return drop === 0 ? [] : samples.splice(0, drop);
}

export function describeWindow(window: WindowOptions): string {
  const parts: string[] = [];
  if (window.events !== undefined) parts.push(`last ${window.events} requests`);
  if (window.seconds !== undefined) parts.push(`last ${window.seconds} s`);
  return parts.join(", ") || `last ${MAX_WINDOW_EVENTS} requests`;
}

/** Packs samples as float64 pairs (time, value), base64-encoded. */
export function encodeSamples(samples: WindowSamples): string {
  const packed = new Float64Array(samples.length * 2);
  samples.forEach(([timeMs, value], index) => {
    packed[index * 2] = timeMs;
    packed[index * 2 + 1] = value;
  });
  return Buffer.from(packed.buffer).toString("base64");
}

export function decodeSamples(encoded: string): WindowSamples {
  const bytes = Buffer.from(encoded, "base64");
  // Copy: a Float64Array view needs an 8-byte-aligned offset, which a pooled Buffer may not have.
  const packed = new Float64Array(new Uint8Array(bytes).buffer);
  const samples: WindowSamples = [];
  for (let index = 0; index + 1 < packed.length; index += 2) {
    samples.push([packed[index] as number, packed[index + 1] as number]);
  }
  return samples;
}
