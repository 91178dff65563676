/**
 * @module
 * Whether a cascade of the two best labelling candidates would beat the winner (ADR 0057):
 * from the outputs selection already has, on the items both answered, the faster model
 * answering what it is sure of and the other the rest, at each threshold of
 * `route/cascade-math.ts`. Said in the decision only when the best cascade got more items
 * right than the better of the two alone did; with the paired test's p-value, corrected for
 * the thresholds tried, since the threshold is picked on the same items. Nothing is run.
 */
import type { BackendOutput } from "../backends/model-backend.js";
import {
  type CascadeAnswer,
  cascadeRows,
  DEFAULT_THRESHOLDS,
  type HeldOutCascade,
  heldOutCascade,
  type PairedComparison,
} from "../route/cascade-math.js";
import { isCorrectLabel, topLabelScore } from "./metrics/classification-metrics.js";
import type { SampleItem } from "./sample-data.js";

/** Fewer items both answered than this, and no cascade is worked out. */
const MIN_SHARED_ITEMS = 20;

export interface CascadeSuggestion {
  /** The faster model, asked first; the other gets what it is unsure of. */
  first: string;
  second: string;
  minConfidence: number;
  /** Items both answered, on which all the figures are. */
  items: number;
  accuracy: number;
  firstAccuracy: number;
  secondAccuracy: number;
  /** Share of the items the first model handed on. */
  handedOn: number;
  /** Against the better of the two alone. */
  versusBetterAlone: PairedComparison;
  thresholdsTried: number;
  /** The p-value times the thresholds tried is under 0.05. */
  clearlyBetter: boolean;
  /**
   * The cascade judged on items its threshold was not picked on (each half of the items
   * under the threshold picked on the other, `heldOutCascade`): what to expect on new items,
   * where `accuracy` above is optimistic. Needs no correction for the thresholds tried.
   */
  heldOut: HeldOutCascade;
}

export interface CascadeCandidate {
  id: string;
  quality: number | null;
  latencyMsP50: number | null;
  outputs: ReadonlyMap<number, BackendOutput>;
  labelMapping: Readonly<Record<string, string>>;
}

/**
 * The cascade of the winner and the best other candidate by quality, when it beats the
 * better of them alone on the items both answered; null otherwise (or for fewer than 20
 * shared labelled items, or outputs that are not labels).
 */
export function suggestCascade(
  winnerId: string,
  candidates: readonly CascadeCandidate[],
  items: readonly SampleItem[],
): CascadeSuggestion | null {
  const winner = candidates.find((candidate) => candidate.id === winnerId);
  const runnerUp = candidates
    .filter((candidate) => candidate.id !== winnerId && candidate.quality !== null)
    .sort((a, b) => (b.quality as number) - (a.quality as number))[0];
  if (winner === undefined || runnerUp === undefined) return null;
  const speed = (candidate: CascadeCandidate) => candidate.latencyMsP50 ?? Number.POSITIVE_INFINITY;
  const [first, second] = speed(runnerUp) < speed(winner) ? [runnerUp, winner] : [winner, runnerUp];
  const firstAnswers: CascadeAnswer[] = [];
  const secondAnswers: CascadeAnswer[] = [];
  for (const [index, firstOutput] of first.outputs) {
    const secondOutput = second.outputs.get(index);
    const gold = items[index]?.label ?? null;
    if (gold === null || firstOutput.kind !== "labels" || secondOutput?.kind !== "labels") {
      continue;
    }
    firstAnswers.push(answer(gold, firstOutput, first.labelMapping));
    secondAnswers.push(answer(gold, secondOutput, second.labelMapping));
  }
  if (firstAnswers.length < MIN_SHARED_ITEMS) return null;
  const { rows, best } = cascadeRows(firstAnswers, secondAnswers, DEFAULT_THRESHOLDS);
  const versus = best.versusBetterAlone;
  if (versus === undefined || best.minConfidence === null || versus.gained <= versus.lost) {
    return null;
  }
  return {
    first: first.id,
    second: second.id,
    minConfidence: best.minConfidence,
    items: firstAnswers.length,
    accuracy: best.accuracy,
    firstAccuracy: rows[0]?.accuracy ?? 0,
    secondAccuracy: rows[1]?.accuracy ?? 0,
    handedOn: best.handedOn,
    versusBetterAlone: versus,
    thresholdsTried: DEFAULT_THRESHOLDS.length,
    clearlyBetter: versus.p * DEFAULT_THRESHOLDS.length < 0.05,
    heldOut: heldOutCascade(firstAnswers, secondAnswers, DEFAULT_THRESHOLDS) as HeldOutCascade,
  };
}

function answer(
  gold: string,
  output: Extract<BackendOutput, { kind: "labels" }>,
  labelMapping: Readonly<Record<string, string>>,
): CascadeAnswer {
  return {
    right: isCorrectLabel(gold, output, labelMapping),
    score: topLabelScore(output)?.score ?? 0,
    ms: 0,
  };
}

/** The decision's sentence for a suggestion. */
export function cascadeSentence(suggestion: CascadeSuggestion): string {
  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  const better =
    suggestion.firstAccuracy >= suggestion.secondAccuracy ? suggestion.first : suggestion.second;
  const { gained, lost, p } = suggestion.versusBetterAlone;
  const corrected = Math.min(1, p * suggestion.thresholdsTried);
  return `A cascade may do better: ${suggestion.first} answering what it is sure of and ${suggestion.second} the rest (min_confidence ${suggestion.minConfidence}, ${percent(suggestion.handedOn)} handed on) was right on ${percent(suggestion.accuracy)} of the ${suggestion.items} items both answered, against ${percent(Math.max(suggestion.firstAccuracy, suggestion.secondAccuracy))} for ${better} alone (+${gained} -${lost}; p = ${corrected.toFixed(3)} after correcting for the ${suggestion.thresholdsTried} thresholds tried on these same items${suggestion.clearlyBetter ? "" : ", so not clearly better"}). ${heldOutSentence(suggestion)} Check it on more data with \`modelscout bench cascade\`; serve it as a target with "min_confidence" (ADR 0057).`;
}

/** What the cascade did on items its threshold was not picked on. */
function heldOutSentence(suggestion: CascadeSuggestion): string {
  const { thresholds, accuracy, versusBetterAlone } = suggestion.heldOut;
  const { gained, lost, p } = versusBetterAlone;
  const picked =
    thresholds[0] === thresholds[1]
      ? `${thresholds[0]} on both`
      : `${thresholds[0]} on the even, ${thresholds[1]} on the odd`;
  return `Judged on items its threshold was not picked on (the items halved, each half's best threshold, ${picked}, tried on the other half) it was right on ${(100 * accuracy).toFixed(1)}% (+${gained} -${lost} against the better alone, p = ${p.toFixed(3)}): what to expect on new items.`;
}
