/**
 * The router overhead benchmark's verdict: a router row meets issue 5's target only when the
 * run could resolve it, and a proxied row that misses says so when the bare proxy misses too.
 * Rows are from two real runs (docs/benchmarks.md): 4f1f61c on the fast machine, and this
 * session's slow one.
 */
import { describe, expect, it } from "vitest";
import {
  directRunCannotJudge,
  type JudgedRow,
  judge,
  tallyVerdicts,
} from "../../bench/router-verdict.js";

const row = (
  target: string,
  rate: number,
  p99Ms: number,
  added: [number, number] | null,
  achievedRate = rate,
): JudgedRow => ({
  target,
  rate,
  achievedRate,
  errors: 0,
  p99Ms,
  addedP50Ms: added?.[0] ?? null,
  addedP99Ms: added?.[1] ?? null,
});

describe("judge", () => {
  it("meets or misses the target where the machine can tell (the fast machine's run)", () => {
    const verdicts = judge([
      row("direct", 5000, 0.186, null),
      row("floor: bare proxy -> echo server", 5000, 1.125, [0.073, 0.939]),
      row("router, in-process echo", 5000, 0.907, [0.019, 0.721]),
      row("router -> echo server", 5000, 4.26, [0.184, 4.073]),
    ]);
    expect(verdicts.map(({ target, met }) => [target, met])).toEqual([
      ["router, in-process echo", true],
      ["router -> echo server", false],
    ]);
    // The floor kept under 1 ms there, so the miss is the router's.
    expect(verdicts[1]?.text).not.toContain("cannot judge");
  });

  it("judges nothing where calling the echo server directly is already too slow", () => {
    const verdicts = judge([
      row("direct", 5000, 2.061, null),
      row("floor: bare proxy -> echo server", 5000, 36.06, [0.218, 33.999]),
      row("router, in-process echo", 5000, 12.0, [0.039, 9.942]),
      row("router -> echo server", 5000, 230.3, [28.21, 228.27], 4996),
    ]);
    expect(verdicts.map((verdict) => verdict.met)).toEqual([null, null]);
    expect(verdicts[0]?.text).toContain("directly already had a p99 of 2.061 ms");
  });

  it("judges nothing where the direct run was slower at the median than the floor", () => {
    // 2026-12-01, 17:36 UTC, the first of three repeats at 1,000/s: direct p50 0.256 ms (the
    // other two 0.156 and 0.158), floor 0.230, proxied 0.309, which would have "met" the p50
    // by 0.147 ms.
    const verdicts = judge([
      row("direct", 1000, 0.552, null),
      row("floor: bare proxy -> echo server", 1000, 0.698, [-0.026, 0.146]),
      row("router, in-process echo", 1000, 0.504, [-0.081, -0.048]),
      row("router -> echo server", 1000, 1.33, [0.053, 0.778]),
    ]);
    expect(verdicts.map((verdict) => verdict.met)).toEqual([null, null]);
    expect(verdicts[1]?.text).toContain(
      "slower at the median than the bare proxy in front of it (by 0.026 ms)",
    );
    expect(tallyVerdicts(verdicts)[1]).toMatchObject({ met: 0, judged: 0, repeats: 1 });
    // The same repeat with the floor above the direct run is judged.
    const judged = judge([
      row("direct", 1000, 0.516, null),
      row("floor: bare proxy -> echo server", 1000, 0.719, [0.08, 0.203]),
      row("router -> echo server", 1000, 0.7, [0.153, 0.184]),
    ]);
    expect(judged[0]?.met).toBe(true);
  });

  it("says the machine cannot judge a proxied miss that the floor shares", () => {
    const verdicts = judge([
      row("direct", 1000, 0.3, null),
      row("floor: bare proxy -> echo server", 1000, 1.6, [0.15, 1.3]),
      row("router -> echo server", 1000, 2.0, [0.3, 1.7]),
    ]);
    expect(verdicts[0]).toMatchObject({ met: false, floorMissed: true });
    expect(verdicts[0]?.text).toContain("cannot judge the proxied path");
    expect(tallyVerdicts(verdicts)[0]?.text).toContain("the floor missed too in 1 of the misses");
  });

  it("counts a floor that misses the median as the machine's, not the router's", () => {
    // This session's first 1,000/s repeat: one more Node hop alone added 0.243 ms at p50.
    const slowHop = judge([
      row("direct", 1000, 0.9, null),
      row("floor: bare proxy -> echo server", 1000, 1.2, [0.243, 0.3]),
      row("router -> echo server", 1000, 1.4, [0.328, 0.5]),
    ]);
    expect(slowHop[0]).toMatchObject({ met: false, floorMissed: true });
    expect(slowHop[0]?.text).toContain(
      "the floor misses it too (added p50 0.243 ms, p99 0.300 ms, 1000/s)",
    );
    // A floor under 0.2 ms leaves the router's p50 miss its own.
    const ownMiss = judge([
      row("direct", 1000, 0.9, null),
      row("floor: bare proxy -> echo server", 1000, 1.2, [0.165, 0.3]),
      row("router -> echo server", 1000, 1.4, [0.233, 0.5]),
    ]);
    expect(ownMiss[0]).toMatchObject({ met: false, floorMissed: false });
  });

  it("misses a router that fell behind, however its percentiles look", () => {
    const verdicts = judge([
      row("direct", 5000, 0.2, null),
      row("router, in-process echo", 5000, 0.5, [0.05, 0.3], 4500),
    ]);
    expect(verdicts[0]?.met).toBe(false);
  });

  it("names the hypervisor's share of the CPUs beside a miss or a run it could not judge", () => {
    // Steal as this session's noisy machine counted it (2026-12-01, docs/benchmarks.md).
    const stolen = (judged: JudgedRow, share: number, worst: number): JudgedRow => ({
      ...judged,
      stealShare: share,
      worstSecondStealShare: worst,
    });
    const noisy = judge([
      stolen(row("direct", 1000, 8.889, null), 0.0312, 0.1105),
      stolen(row("router -> echo server", 1000, 9.7, [0.33, 0.819]), 0.1016, 0.2783),
    ]);
    expect(noisy[0]?.met).toBeNull();
    expect(noisy[0]?.text).toContain(
      "; the hypervisor took 3.12 % of the CPUs during the direct run (worst second 11.05 %)" +
        "; the hypervisor took 10.16 % of the CPUs during this run (worst second 27.83 %)",
    );
    const missed = judge([
      row("direct", 5000, 0.2, null),
      stolen(row("router -> echo server", 5000, 1.5, [0.1, 1.3]), 0.004, 0.02),
      stolen(row("router, in-process echo", 5000, 0.3, [0.01, 0.1]), 0.004, 0.02),
    ]);
    expect(missed[0]?.text).toContain("the hypervisor took 0.40 % of the CPUs during this run");
    // A run that met the target, or lost nothing to the host, says nothing of it.
    expect(missed[1]?.met).toBe(true);
    expect(missed[1]?.text).not.toContain("hypervisor");
    const quiet = judge([
      stolen(row("direct", 5000, 0.2, null), 0, 0),
      stolen(row("router -> echo server", 5000, 1.5, [0.1, 1.3]), 0, 0),
    ]);
    expect(quiet[0]?.text).not.toContain("hypervisor");
  });
});

describe("directRunCannotJudge (the benchmark's preflight, and the verdict's test)", () => {
  it("passes a direct run that kept up with a p99 under 1 ms", () => {
    // The ninth session's quiet machine: 0.186 ms at 5,000/s.
    expect(directRunCannotJudge(row("direct", 5000, 0.186, null))).toBeNull();
  });

  it("says why a direct run shows the machine cannot judge", () => {
    // This session's 05:09 UTC probe: the direct p99 was 46.426 ms at 1,000/s.
    expect(directRunCannotJudge(row("direct", 1000, 46.426, null))).toBe(
      "calling the echo server directly already had a p99 of 46.426 ms",
    );
    expect(directRunCannotJudge(row("direct", 5000, 0.3, null, 4800))).toBe(
      "the echo server itself fell behind",
    );
    expect(directRunCannotJudge({ ...row("direct", 5000, 0.3, null), errors: 2 })).toBe(
      "the echo server itself fell behind",
    );
    expect(directRunCannotJudge(undefined)).toBe("the echo server itself fell behind");
  });
});

describe("tallyVerdicts", () => {
  it("counts, per target and rate, the repeats that met the target among those judged", () => {
    // The proxied row at 5,000/s over this session's five runs (docs/benchmarks.md), and the
    // in-process row at 1,000/s, whose second run could not be judged.
    const proxied = [0.884, 1.037, 1.878, 1.704, 0.982];
    const runs = proxied.flatMap((addedP99, index) => {
      const slowDirect = index === 1;
      return judge([
        row("direct", 1000, slowDirect ? 1.116 : 0.184, null),
        row("router, in-process echo", 1000, 0.4, [0.024, slowDirect ? -0.528 : 0.232]),
        row("direct", 5000, 0.235, null),
        row("floor: bare proxy -> echo server", 5000, 0.36, [0.05, 0.12]),
        row("router -> echo server", 5000, 0.235 + addedP99, [0.12, addedP99]),
      ]);
    });
    const tally = tallyVerdicts(runs);
    expect(
      tally.map(({ target, rate, met, judged, repeats }) => [target, rate, met, judged, repeats]),
    ).toEqual([
      ["router, in-process echo", 1000, 4, 4, 5],
      ["router -> echo server", 5000, 2, 5, 5],
    ]);
    expect(tally[1]?.text).toBe(
      "router -> echo server @ 5000/s: met in 2 of 5 judged repeats (5 run; added p99 ms: 0.884, 1.037, 1.878, 1.704, 0.982)",
    );
  });
});
