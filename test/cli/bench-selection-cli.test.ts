/** End to end: `modelscout bench selection` on a real replay file from ../shared/data. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

const SHARED =
  process.env.MODELSCOUT_SHARED_DATA ??
  fileURLToPath(new URL("../../../shared/data", import.meta.url));
const HUMANEVAL = `${SHARED}/routerdc-7llm/humaneval_test.json`;

describe("modelscout bench selection", () => {
  it("prints regret against budget for both strategies", async () => {
    const result = await runCli([
      "bench",
      "selection",
      "--data",
      HUMANEVAL,
      "--trials",
      "4",
      "--budgets",
      "0.15,1",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as {
      files: {
        items: number;
        models: number;
        results: {
          strategy: string;
          budget: number;
          maxSpentFraction: number;
          meanRegretPoints: number;
        }[];
      }[];
    };
    expect(output.files).toHaveLength(1);
    const [file] = output.files;
    expect(file?.models).toBe(7);
    expect(file?.results.map((entry) => `${entry.strategy}@${entry.budget}`).sort()).toEqual([
      "budgeted@0.15",
      "budgeted@1",
      "gap@0.15",
      "gap@1",
      "naive@0.15",
      "naive@1",
      "oracle-top2@0.15",
      "oracle-top2@1",
    ]);
    for (const entry of file?.results ?? []) {
      expect(entry.maxSpentFraction).toBeLessThanOrEqual(entry.budget + 1e-9);
      expect(entry.meanRegretPoints).toBeGreaterThanOrEqual(0);
    }
    // With the whole budget the naive strategy is exhaustive: no regret.
    expect(
      file?.results.find((entry) => entry.strategy === "naive" && entry.budget === 1)
        ?.meanRegretPoints,
    ).toBe(0);
  });

  it("races with priors from another replay file and reports the prior-only pick", async () => {
    const result = await runCli([
      "bench",
      "selection",
      "--data",
      HUMANEVAL,
      "--prior-data",
      `${SHARED}/routerdc-7llm/humaneval_train.json`,
      "--trials",
      "6",
      "--budgets",
      "0.15",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const [file] = (
      JSON.parse(result.stdout) as {
        files: {
          results: { strategy: string; maxSpentFraction: number; priorsCombinedShare?: number }[];
          priorOnly: { source: string; modelsWithPriors: number }[];
        }[];
      }
    ).files;
    const informed = file?.results.find((entry) => entry.strategy === "budgeted+past-eval");
    expect(informed?.maxSpentFraction).toBeLessThanOrEqual(0.15 + 1e-9);
    expect(informed?.priorsCombinedShare).toBeGreaterThan(0);
    expect(file?.priorOnly).toMatchObject([{ source: "past-eval", modelsWithPriors: 7 }]);
  });

  it("replays the MTEB matrix as a task-level pool with held-out-task priors", async () => {
    const result = await runCli([
      "bench",
      "selection",
      "--data",
      `${SHARED}/mteb/mteb_core_matrix_tasks_ge200models.csv`,
      "--held-out-priors",
      "--sample-size",
      "24",
      "--trials",
      "3",
      "--budgets",
      "0.15",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\+OTHER-ITEMS WITHIN 1 PT/);
    expect(result.stdout).toMatch(/GAP\+OTHER-ITEMS WITHIN 1 PT/);
    expect(result.stdout).toMatch(/GAP WITHIN 1 PT/);
    expect(result.stdout).toMatch(/5 of 52 items dropped/);
    expect(result.stdout).toMatch(/115 of 115 models have a prior/);
  });

  it("explains bad flags", async () => {
    const budgets = await runCli([
      "bench",
      "selection",
      "--data",
      HUMANEVAL,
      "--budgets",
      "0.1,abc",
    ]);
    expect(budgets.code).toBe(2);
    expect(budgets.stderr).toMatch(/--budgets takes fractions/);
    const missing = await runCli(["bench", "selection", "--data", "/nonexistent/replay"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/No file or folder at \/nonexistent\/replay/);
  });
});
