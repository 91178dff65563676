/**
 * The router overhead benchmark's verdict: a router row meets issue 5's target only when the
 * run could resolve it, and a proxied row that misses says so when the bare proxy misses too.
 * Rows are from two real runs (docs/benchmarks.md): 4f1f61c on the fast machine, and this
 * session's slow one.
 */
import { describe, expect, it } from "vitest";
import { type JudgedRow, judge } from "../../bench/router-verdict.js";

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

  it("says the machine cannot judge a proxied miss that the floor shares", () => {
    const verdicts = judge([
      row("direct", 1000, 0.3, null),
      row("floor: bare proxy -> echo server", 1000, 1.6, [0.15, 1.3]),
      row("router -> echo server", 1000, 2.0, [0.3, 1.7]),
    ]);
    expect(verdicts[0]).toMatchObject({ met: false });
    expect(verdicts[0]?.text).toContain("cannot judge the proxied path");
  });

  it("misses a router that fell behind, however its percentiles look", () => {
    const verdicts = judge([
      row("direct", 5000, 0.2, null),
      row("router, in-process echo", 5000, 0.5, [0.05, 0.3], 4500),
    ]);
    expect(verdicts[0]?.met).toBe(false);
  });
});
