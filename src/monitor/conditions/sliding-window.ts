/**
 * @module
 * The observations a windowed condition keeps per route and model: the last `events` of them,
 * dropping those older than `seconds` before the newest (event time). Stored as
 * `[timeMs, value]` pairs, oldest first, so the state is plain JSON.
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
