/**
 * @module
 * A warning when the winner of a labelled selection is not clearly better than answering
 * every item with the data's most common label. A selection always names a winner among
 * what it could run; with one weak candidate (offline, a language few models here read) that
 * winner can be no better than a constant, and its accuracy alone does not say so: 60% reads
 * as something until one sees the data is 60% one label. Only for `accuracy`, whose constant
 * baseline is that label's share; other metrics' baselines differ.
 */
import type { CandidateOutcome } from "./decision.js";

export function baselineWarning(
  winner: CandidateOutcome,
  metricName: string,
  labels: readonly (string | null)[],
): string | null {
  if (metricName !== "accuracy" || winner.qualityCi === null) return null;
  const counts = new Map<string, number>();
  let labelled = 0;
  for (const label of labels) {
    if (label === null) continue;
    labelled += 1;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (labelled === 0 || counts.size < 2) return null;
  let common = "";
  let most = 0;
  for (const [label, count] of counts) {
    if (count > most) [common, most] = [label, count];
  }
  const share = most / labelled;
  if (winner.qualityCi[0] > share) return null;
  return `Warning: ${winner.id} is not clearly better than answering "${common}" to every item (${(share * 100).toFixed(1)}% of the items are labelled so): its accuracy's 95% interval reaches down to ${(winner.qualityCi[0] * 100).toFixed(1)}. Try other candidates before relying on it (name them in candidates.ids, or fill the catalog with modelscout catalog sync).`;
}
