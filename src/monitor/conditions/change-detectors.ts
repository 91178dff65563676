/**
 * @module
 * Two sequential change detectors, as pure steps over plain-JSON state (so the alert engine can
 * persist them): Page-Hinkley and tabular CUSUM, both one-sided. `sign` is +1 to detect an
 * increase, -1 a decrease; values are in the metric's own unit and so are `delta` and
 * `threshold`. After an alarm the state restarts, so a lasting shift alarms once and the
 * detector learns the new level.
 *
 * Page-Hinkley (Page 1954; Hinkley 1971): with x̄ₙ the running mean,
 * mₙ = Σ (s·xᵢ − s·x̄ᵢ − δ), Mₙ = min mᵢ, alarm when mₙ − Mₙ > λ.
 * CUSUM (Page 1954, tabular form): μ₀ = mean of the first `warmup` values,
 * Sₙ = max(0, Sₙ₋₁ + s·(xₙ − μ₀) − k), alarm when Sₙ > h.
 */

export interface DetectorOptions {
  sign: 1 | -1;
  delta: number;
  threshold: number;
  /** Observations before any alarm; CUSUM also takes its reference mean from them. */
  warmup: number;
}

export interface PageHinkleyState {
  count: number;
  mean: number;
  cumulative: number;
  minimum: number;
}

export interface CusumState {
  count: number;
  warmupSum: number;
  reference: number | null;
  statistic: number;
}

export interface DetectorStep<S> {
  state: S;
  alarm: boolean;
  /** The statistic compared with the threshold (before any restart). */
  statistic: number;
  /** The level the value was compared against: the running mean (PH) or μ₀ (CUSUM). */
  referenceMean: number | null;
  count: number;
}

export function pageHinkleyStart(): PageHinkleyState {
  return { count: 0, mean: 0, cumulative: 0, minimum: 0 };
}

export function pageHinkleyStep(
  state: PageHinkleyState,
  value: number,
  options: DetectorOptions,
): DetectorStep<PageHinkleyState> {
  const count = state.count + 1;
  const mean = state.mean + (value - state.mean) / count;
  const cumulative = state.cumulative + options.sign * (value - mean) - options.delta;
  const minimum = Math.min(state.minimum, cumulative);
  const statistic = cumulative - minimum;
  const alarm = count >= options.warmup && statistic > options.threshold;
  return {
    state: alarm ? pageHinkleyStart() : { count, mean, cumulative, minimum },
    alarm,
    statistic,
    referenceMean: mean,
    count,
  };
}

export function cusumStart(): CusumState {
  return { count: 0, warmupSum: 0, reference: null, statistic: 0 };
}

export function cusumStep(
  state: CusumState,
  value: number,
  options: DetectorOptions,
): DetectorStep<CusumState> {
  const count = state.count + 1;
  if (state.reference === null) {
    const warmupSum = state.warmupSum + value;
    const reference = count >= options.warmup ? warmupSum / count : null;
    return {
      state: { count, warmupSum, reference, statistic: 0 },
      alarm: false,
      statistic: 0,
      referenceMean: reference,
      count,
    };
  }
  const statistic = Math.max(
    0,
    state.statistic + options.sign * (value - state.reference) - options.delta,
  );
  const alarm = statistic > options.threshold;
  return {
    state: alarm ? cusumStart() : Object.assign({}, state, { count, statistic }),
    alarm,
    statistic,
    referenceMean: state.reference,
    count,
  };
}
