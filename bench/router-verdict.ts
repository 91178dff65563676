/**
 * The router overhead benchmark's verdict on issue 5's target (`router-overhead.ts`): for each
 * router row, met or not, and whether the run could tell at all.
 */
import { formatShare } from "./loadgen/cpu-steal.js";

export const TARGET = { addedP50Ms: 0.2, addedP99Ms: 1, errors: 0 };

export interface JudgedRow {
  target: string;
  rate: number;
  achievedRate: number;
  errors: number;
  p99Ms: number;
  addedP50Ms: number | null;
  addedP99Ms: number | null;
  /** The hypervisor's share of the CPUs over the row's run, and over its worst second. */
  stealShare?: number | null;
  worstSecondStealShare?: number | null;
}

const keptUp = (row: JudgedRow) => row.achievedRate >= row.rate * 0.98 && row.errors === 0;

/**
 * Why calling the echo server directly shows that this machine cannot judge the target at
 * the direct run's rate, or null when it can: the echo server fell behind, or its own p99 was
 * already as large as the p99 the target allows the router to add (a p99 this noisy with
 * nothing in between cannot resolve what 1 ms more would be).
 */
export function directRunCannotJudge(direct: JudgedRow | undefined): string | null {
  if (direct === undefined || !keptUp(direct)) return "the echo server itself fell behind";
  if (direct.p99Ms >= TARGET.addedP99Ms) {
    return `calling the echo server directly already had a p99 of ${direct.p99Ms.toFixed(3)} ms`;
  }
  return null;
}

/**
 * Why the direct run of a repeat is no baseline for the others, or null when it is: the bare
 * proxy in front of the same echo server answered faster at the median than the echo server
 * itself. That proxy makes the same call plus one more hop, so its p50 under the direct one
 * means the direct run was held up by something else (2026-12-01: a direct p50 of 0.256 ms
 * between runs of 0.156-0.158, with the floor's at 0.230), and every figure "added" to it
 * would be too small.
 */
export function directRunDisturbed(floor: JudgedRow | undefined): string | null {
  if (floor?.addedP50Ms == null || floor.addedP50Ms >= 0) return null;
  return `calling the echo server directly was slower at the median than the bare proxy in front of it (by ${(-floor.addedP50Ms).toFixed(3)} ms), so the direct run was held up`;
}

/** `; the hypervisor took ...` for a run that lost any CPU to it, else "". */
export function stealNote(row: JudgedRow, whose: string): string {
  if (row.stealShare == null || row.stealShare <= 0) return "";
  return `; the hypervisor took ${formatShare(row.stealShare)} of the CPUs during ${whose} (worst second ${formatShare(row.worstSecondStealShare ?? row.stealShare)})`;
}

/**
 * Whether each router row meets the target, and whether the run could tell: a rate at which
 * calling the echo server directly fell behind or was slower than going through the floor (a
 * proxy that does nothing but forward), or at which the floor already misses the target, says
 * more about the machine than about the router.
 */
export function judge(rows: readonly JudgedRow[]): {
  target: string;
  rate: number;
  met: boolean | null;
  addedP99Ms: number | null;
  /** A miss of the proxied row that the bare proxy (the floor) shares: the machine's, maybe. */
  floorMissed: boolean;
  text: string;
}[] {
  const verdicts = [];
  for (const row of rows) {
    if (!row.target.startsWith("router")) continue;
    const direct = rows.find((other) => other.target === "direct" && other.rate === row.rate);
    const floor = rows.find((other) => other.target.startsWith("floor") && other.rate === row.rate);
    const added = `added p50 ${row.addedP50Ms?.toFixed(3)} ms, p99 ${row.addedP99Ms?.toFixed(3)} ms, ${row.achievedRate.toFixed(0)}/s answered, ${row.errors} errors`;
    const cannotJudge = directRunCannotJudge(direct) ?? directRunDisturbed(floor);
    if (direct === undefined || cannotJudge !== null) {
      verdicts.push({
        target: row.target,
        rate: row.rate,
        met: null,
        addedP99Ms: row.addedP99Ms,
        floorMissed: false,
        text: `${row.target} @ ${row.rate}/s: not judged, ${cannotJudge} (${added})${direct === undefined ? "" : stealNote(direct, "the direct run")}${stealNote(row, "this run")}`,
      });
      continue;
    }
    const met =
      keptUp(row) &&
      row.addedP50Ms !== null &&
      row.addedP99Ms !== null &&
      row.addedP50Ms < TARGET.addedP50Ms &&
      row.addedP99Ms < TARGET.addedP99Ms;
    // The floor misses on either figure: where one more Node hop alone adds 0.2 ms at the
    // median (a machine whose loopback round trip is slow), no router can meet the p50.
    const floorMisses =
      floor !== undefined &&
      (!keptUp(floor) ||
        (floor.addedP99Ms ?? Number.POSITIVE_INFINITY) >= TARGET.addedP99Ms ||
        (floor.addedP50Ms ?? Number.POSITIVE_INFINITY) >= TARGET.addedP50Ms);
    const floorMissed = !met && floorMisses && row.target.includes("echo server");
    const caveat = floorMissed
      ? `; the floor misses it too (added p50 ${floor?.addedP50Ms?.toFixed(3)} ms, p99 ${floor?.addedP99Ms?.toFixed(3)} ms, ${floor?.achievedRate.toFixed(0)}/s), so this machine cannot judge the proxied path`
      : "";
    verdicts.push({
      target: row.target,
      rate: row.rate,
      met,
      addedP99Ms: row.addedP99Ms,
      floorMissed,
      text: `${row.target} @ ${row.rate}/s: ${met ? "met" : "NOT met"} (${added})${caveat}${met ? "" : stealNote(row, "this run")}`,
    });
  }
  return verdicts;
}

/**
 * Per router target and rate, over repeated runs: met in how many of the repeats that could
 * be judged, and the added p99 of each (`--repeats` of `router-overhead.ts`).
 */
export function tallyVerdicts(
  verdicts: readonly {
    target: string;
    rate: number;
    met: boolean | null;
    addedP99Ms?: number | null;
    floorMissed?: boolean;
  }[],
): { target: string; rate: number; met: number; judged: number; repeats: number; text: string }[] {
  const groups = new Map<string, (typeof verdicts)[number][]>();
  for (const verdict of verdicts) {
    const key = `${verdict.target}\u0000${verdict.rate}`;
    groups.set(key, [...(groups.get(key) ?? []), verdict]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as (typeof verdicts)[number];
    const judged = group.filter((verdict) => verdict.met !== null);
    const met = judged.filter((verdict) => verdict.met === true).length;
    const shared = judged.filter((verdict) => verdict.floorMissed === true).length;
    const p99s = group
      .map((verdict) => (verdict.addedP99Ms == null ? "?" : verdict.addedP99Ms.toFixed(3)))
      .join(", ");
    return {
      target: first.target,
      rate: first.rate,
      met,
      judged: judged.length,
      repeats: group.length,
      text: `${first.target} @ ${first.rate}/s: met in ${met} of ${judged.length} judged repeats (${group.length} run${shared > 0 ? `; the floor missed too in ${shared} of the misses` : ""}; added p99 ms: ${p99s})`,
    };
  });
}
