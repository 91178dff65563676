/**
 * @module
 * Counts as people read them (parameters, downloads, requests): three significant digits and
 * a unit. Shared by the CLI's tables and the reasons a selection's priors give.
 */

const COUNT_UNITS: readonly (readonly [size: number, suffix: string])[] = [
  [1e12, "T"],
  [1e9, "B"],
  [1e6, "M"],
  [1e3, "k"],
];

/**
 * A count to three significant digits: 7_241_000_000 → "7.24B", 360_000_000 → "360M",
 * 999_999 → "1M"; null or not finite → "?".
 */
export function formatCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "?";
  const whole = Math.round(value);
  if (Math.abs(whole) < 1000) return String(whole);
  // Round before choosing the unit, so 999_999 (which rounds to 1.00e6) reads "1M", not
  // "1000k". String() of a number carries no trailing zeros, so whole numbers keep theirs.
  const rounded = Number(whole.toPrecision(3));
  for (const [size, suffix] of COUNT_UNITS) {
    if (Math.abs(rounded) >= size) return `${Number((rounded / size).toPrecision(3))}${suffix}`;
  }
  return String(rounded);
}
