/**
 * `bench/router-ablation.ts` builds the router with `bench/ablation/router-ablation.patch`
 * applied. The patch is kept as text beside the code it changes, so it rots silently when that
 * code moves: this fails first, in CI, rather than the benchmark on the day it is wanted.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ABLATION_PATCH,
  chooseVariants,
  type RoundRow,
  summarise,
  VARIANTS,
} from "../../bench/router-ablation.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("the ablation patch", () => {
  it("applies to this checkout", () => {
    // Throws (with git's reason on stderr) when a hunk no longer fits.
    execFileSync("git", ["apply", "--check", ABLATION_PATCH], { cwd: ROOT, stdio: "pipe" });
  });

  it("knows every part a router variant leaves out", () => {
    const patch = readFileSync(ABLATION_PATCH, "utf8");
    const parts = new Set(
      VARIANTS.flatMap((variant) => (variant.kind === "router" ? variant.ablate : [])),
    );
    expect([...parts].sort()).toEqual(
      ["answer", "backend", "bare", "decision", "log", "parse", "route"].sort(),
    );
    for (const part of parts) expect(patch).toContain(`parts.has("${part}")`);
  });
});

describe("chooseVariants", () => {
  it("keeps the benchmark's order whatever order they are named in", () => {
    expect(chooseVariants("router,floor").map((variant) => variant.name)).toEqual([
      "floor",
      "router",
    ]);
  });

  it("names the variants when one is unknown", () => {
    expect(() => chooseVariants("floor,nolog")).toThrow(/unknown variant "nolog".*-log/);
  });

  it("takes them all by default", () => {
    expect(chooseVariants(undefined)).toHaveLength(VARIANTS.length);
  });
});

describe("summarise", () => {
  const row = (round: number, variant: string, p50Ms: number, p99Ms = 1): RoundRow => ({
    round,
    variant,
    answered: 5000,
    failed: 0,
    p50Ms,
    p99Ms,
  });

  it("gives each variant's median p50 over rounds and that less the floor's", () => {
    const rows = [
      row(1, "floor", 0.24, 0.7),
      row(1, "router", 0.32, 0.9),
      row(2, "floor", 0.26, 0.6),
      row(2, "router", 0.3, 2.0),
      row(3, "floor", 0.25, 0.8),
      row(3, "router", 0.33, 0.8),
    ];
    const [floor, router] = summarise(rows);
    expect(floor?.p50Ms).toBe(0.25);
    expect(floor?.overFloorMs).toBe(0);
    expect(router?.p50Ms).toBe(0.32);
    expect(router?.overFloorMs).toBeCloseTo(0.07, 10);
    expect(router?.p99Ms).toBe(0.9);
  });

  it("leaves the difference out without a floor", () => {
    expect(summarise([row(1, "router", 0.3)])[0]?.overFloorMs).toBeNull();
  });
});
