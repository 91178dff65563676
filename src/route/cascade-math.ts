/**
 * @module
 * A two-model cascade's arithmetic (ADR 0057), from both models' answers to the same items:
 * each model alone, the cascade at each threshold, and the exact paired test against the
 * better model alone. Pure, so that the threshold sweep (`cascade-sweep.ts`, which runs the
 * models) and selection (`select/suggest-cascade.ts`, which has their outputs already) give
 * the same figures.
 */

/** Paired right/wrong of a setup against another on the same items. */
export interface PairedComparison {
  /** Items this setup got right and the other wrong. */
  gained: number;
  /** The reverse. */
  lost: number;
  /** Two-sided exact McNemar p-value of that split. */
  p: number;
}

export interface CascadeSweepRow {
  /** Null for a model alone. */
  minConfidence: number | null;
  /** `first`, `second` or `cascade`. */
  setup: "first" | "second" | "cascade";
  accuracy: number;
  /** Share of items the first model handed on. */
  handedOn: number;
  /** The models' time per item, milliseconds. */
  meanModelMs: number;
  /** Against the more accurate of the two models alone (cascade rows). */
  versusBetterAlone?: PairedComparison;
}

/** The rows of a cascade over two models, the more accurate model alone and the best cascade. */
export interface CascadeRows {
  rows: CascadeSweepRow[];
  /** The more accurate model alone (the first on a tie: it is the cheaper). */
  betterAlone: "first" | "second";
  /** The most accurate cascade (the lowest threshold among equals: fewer handed on). */
  best: CascadeSweepRow;
}

/** Thresholds tried when none are given: 0.5 to 0.95 by 0.05. */
export const DEFAULT_THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

/** One model's answer to one item, as a cascade weighs it. */
export interface CascadeAnswer {
  right: boolean;
  /** Its top label's score. */
  score: number;
  /** Its time, milliseconds (0 when unknown). */
  ms: number;
}

/**
 * Each model alone and the cascade at each threshold (ascending), from both models' answers
 * to the same items: the first's answer when its score reaches the threshold, else the
 * second's, as the router does (ADR 0057). Also used by selection (`select/suggest-cascade.ts`).
 */
export function cascadeRows(
  first: readonly CascadeAnswer[],
  second: readonly CascadeAnswer[],
  thresholds: readonly number[],
): CascadeRows {
  const n = first.length;
  const rightFirst = first.map((answer) => answer.right);
  const rightSecond = second.map((answer) => answer.right);
  const alone = (setup: "first" | "second", own: readonly CascadeAnswer[]): CascadeSweepRow => ({
    minConfidence: null,
    setup,
    accuracy: own.filter((answer) => answer.right).length / n,
    handedOn: 0,
    meanModelMs: own.reduce((sum, answer) => sum + answer.ms, 0) / n,
  });
  const rows = [alone("first", first), alone("second", second)];
  const betterAlone =
    (rows[1] as CascadeSweepRow).accuracy > (rows[0] as CascadeSweepRow).accuracy
      ? "second"
      : "first";
  const reference = betterAlone === "first" ? rightFirst : rightSecond;
  let best: CascadeSweepRow | undefined;
  for (const threshold of [...thresholds].sort((a, b) => a - b)) {
    const right: boolean[] = [];
    let handedOn = 0;
    let ms = 0;
    first.forEach((answer, index) => {
      const other = second[index] as CascadeAnswer;
      ms += answer.ms;
      if (answer.score < threshold) {
        handedOn += 1;
        ms += other.ms;
        right.push(other.right);
      } else right.push(answer.right);
    });
    const row: CascadeSweepRow = {
      minConfidence: threshold,
      setup: "cascade",
      accuracy: right.filter(Boolean).length / n,
      handedOn: handedOn / n,
      meanModelMs: ms / n,
      versusBetterAlone: pairedComparison(right, reference),
    };
    rows.push(row);
    if (best === undefined || row.accuracy > best.accuracy) best = row;
  }
  return { rows, betterAlone, best: best as CascadeSweepRow };
}

/** A cascade judged on items its threshold was not picked on (`heldOutCascade`). */
export interface HeldOutCascade {
  /** The threshold picked on the even items (tried on the odd) and on the odd (tried on the even). */
  thresholds: [number, number];
  /** Share of all the items right, each under the threshold picked on the other half. */
  accuracy: number;
  /** Against the more accurate of the two models alone on all the items. */
  versusBetterAlone: PairedComparison;
}

/**
 * The cascade's accuracy where picking its threshold cannot flatter it: the items are split
 * into the even and the odd ones, the best threshold of each half (as `cascadeRows` picks it)
 * is applied to the other half, and the two halves' answers are judged together (two-fold
 * cross-fitting). The best threshold's accuracy on the items it was picked on is an
 * optimistic estimate of what the cascade does on new items; this one is not. Null for fewer
 * than two items.
 */
export function heldOutCascade(
  first: readonly CascadeAnswer[],
  second: readonly CascadeAnswer[],
  thresholds: readonly number[],
): HeldOutCascade | null {
  if (first.length < 2) return null;
  const half = (parity: number) => first.map((_, index) => index).filter((i) => i % 2 === parity);
  const pick = (indices: number[]) =>
    cascadeRows(
      indices.map((i) => first[i] as CascadeAnswer),
      indices.map((i) => second[i] as CascadeAnswer),
      thresholds,
    ).best.minConfidence as number;
  const picked: [number, number] = [pick(half(0)), pick(half(1))];
  const right = first.map((answer, index) => {
    // An even item gets the odd half's threshold, and the reverse.
    const threshold = index % 2 === 0 ? picked[1] : picked[0];
    return answer.score < threshold ? (second[index] as CascadeAnswer).right : answer.right;
  });
  const accuracyOf = (answers: readonly CascadeAnswer[]) =>
    answers.filter((answer) => answer.right).length / answers.length;
  const reference =
    accuracyOf(second) > accuracyOf(first)
      ? second.map((answer) => answer.right)
      : first.map((answer) => answer.right);
  return {
    thresholds: picked,
    accuracy: right.filter(Boolean).length / right.length,
    versusBetterAlone: pairedComparison(right, reference),
  };
}

/** Exact two-sided McNemar test of paired right/wrong outcomes (binomial on the discordant pairs). */
export function pairedComparison(
  right: readonly boolean[],
  other: readonly boolean[],
): PairedComparison {
  let gained = 0;
  let lost = 0;
  right.forEach((isRight, index) => {
    if (isRight && !other[index]) gained += 1;
    if (!isRight && other[index]) lost += 1;
  });
  const n = gained + lost;
  const k = Math.min(gained, lost);
  // P(X <= k) for X ~ Binomial(n, 1/2), doubled; in logs so that large n stays finite.
  let logChoose = 0;
  let tail = 0;
  for (let i = 0; i <= k; i += 1) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logChoose - n * Math.LN2);
  }
  return { gained, lost, p: Math.min(1, 2 * tail) };
}
