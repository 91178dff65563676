/**
 * @module
 * Scoring: turns measured quality, latency, memory and cost into utilities on 0..1 and a
 * weighted score, applies the SLOs as hard limits, and finds the quality/latency Pareto front.
 *
 * Utilities are unit-free. Quality is the metric itself (error rates are turned into
 * `1 - rate` before they get here). Latency, memory and cost are compared on a log scale
 * from the best candidate: `u = 1 - (log x - log best) / span`, where `span` is the spread
 * between the best and the worst, and at least a factor of ten (`MIN_SPAN_RATIO`). So the
 * fastest candidate gets 1, the slowest 0 when it is ten or more times slower, and a model
 * twice as slow as another loses the same utility whether latencies are in microseconds or
 * seconds (unlike `1/latency`, whose spread depends on the unit). The floor on the span keeps
 * noise from deciding: with a plain min-max scale, two models 2 % apart in latency got
 * utilities 1 and 0, and with the default weights a model right on 6 of 10 items beat one
 * right on all 10 (2026-11-30, `test/select/audio-selection.test.ts` before this rule). When
 * every candidate has the same figure, all get 1.
 * A figure nobody could measure or estimate counts as the worst (utility 0) and the
 * explanation says so.
 *
 * Below a floor, differences stop counting: latencies under 1 ms per item, memory under
 * 10 MB and costs under $0.001 per 1,000 items are all treated as the floor. Otherwise a
 * 0.02 ms model would beat a 0.2 ms one by the full latency weight, though next to any
 * serving overhead both are free.
 */
import type { CandidateUtilities } from "./decision.js";

export interface ScoringInput {
  id: string;
  /** 0..1, higher is better; null when not measured. */
  quality: number | null;
  latencyMsP50: number | null;
  latencyMsP95: number | null;
  memoryBytes: number | null;
  costPer1kItemsUsd: number | null;
}

export interface Objectives {
  quality: number;
  latency: number;
  memory: number;
  cost: number;
}

export interface Slo {
  maxP95LatencyMs: number | null;
  maxMemoryGb: number | null;
}

export interface ScoredCandidate {
  id: string;
  utilities: CandidateUtilities;
  score: number | null;
  sloViolations: string[];
  onParetoFront: boolean;
}

/** Figures below which differences do not count (see the module doc). */
export const UTILITY_FLOORS = { latencyMs: 1, memoryBytes: 10e6, costPer1kItemsUsd: 0.001 };

/** The least spread utilities are spread over: a candidate this many times worse gets 0. */
export const MIN_SPAN_RATIO = 10;

function logUtility(values: readonly (number | null)[], floor: number): (number | null)[] {
  const known = values.filter((value): value is number => value !== null && value >= 0);
  if (known.length === 0) return values.map(() => null);
  const logs = known.map((value) => Math.log(Math.max(value, floor)));
  const best = Math.min(...logs);
  const worst = Math.max(...logs);
  const span = Math.max(worst - best, Math.log(MIN_SPAN_RATIO));
  return values.map((value) => {
    if (value === null || value < 0) return null;
    return 1 - (Math.log(Math.max(value, floor)) - best) / span;
  });
}

/** Scores the candidates together (utilities are relative to the set). */
export function scoreCandidates(
  inputs: readonly ScoringInput[],
  objectives: Objectives,
  slo: Slo,
): ScoredCandidate[] {
  const latency = logUtility(
    inputs.map((input) => input.latencyMsP50),
    UTILITY_FLOORS.latencyMs,
  );
  const memory = logUtility(
    inputs.map((input) => input.memoryBytes),
    UTILITY_FLOORS.memoryBytes,
  );
  const cost = logUtility(
    inputs.map((input) => input.costPer1kItemsUsd),
    UTILITY_FLOORS.costPer1kItemsUsd,
  );
  const front = paretoFront(inputs);
  return inputs.map((input, index) => {
    const utilities: CandidateUtilities = {
      quality: input.quality,
      latency: latency[index] ?? null,
      memory: memory[index] ?? null,
      cost: cost[index] ?? null,
    };
    const score =
      input.quality === null
        ? null
        : objectives.quality * input.quality +
          objectives.latency * (utilities.latency ?? 0) +
          objectives.memory * (utilities.memory ?? 0) +
          objectives.cost * (utilities.cost ?? 0);
    const sloViolations: string[] = [];
    if (
      slo.maxP95LatencyMs !== null &&
      input.latencyMsP95 !== null &&
      input.latencyMsP95 > slo.maxP95LatencyMs
    ) {
      sloViolations.push(
        `p95 latency ${input.latencyMsP95.toFixed(1)} ms > ${slo.maxP95LatencyMs} ms`,
      );
    }
    if (
      slo.maxMemoryGb !== null &&
      input.memoryBytes !== null &&
      input.memoryBytes > slo.maxMemoryGb * 1e9
    ) {
      sloViolations.push(
        `memory ${(input.memoryBytes / 1e9).toFixed(2)} GB > ${slo.maxMemoryGb} GB`,
      );
    }
    return { id: input.id, utilities, score, sloViolations, onParetoFront: front.has(input.id) };
  });
}

/**
 * Ids on the quality (higher) / p50 latency (lower) Pareto front: no other candidate is at
 * least as good on both and strictly better on one. Candidates without both figures are not
 * on it.
 */
export function paretoFront(inputs: readonly ScoringInput[]): Set<string> {
  const points = inputs.filter(
    (input): input is ScoringInput & { quality: number; latencyMsP50: number } =>
      input.quality !== null && input.latencyMsP50 !== null,
  );
  const front = new Set<string>();
  for (const point of points) {
    const dominated = points.some(
      (other) =>
        other !== point &&
        other.quality >= point.quality &&
        other.latencyMsP50 <= point.latencyMsP50 &&
        (other.quality > point.quality || other.latencyMsP50 < point.latencyMsP50),
    );
    if (!dominated) front.add(point.id);
  }
  return front;
}
