/** End to end: `modelscout bench routing` on real replay files from ../shared/data. */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

const SHARED =
  process.env.MODELSCOUT_SHARED_DATA ??
  fileURLToPath(new URL("../../../shared/data", import.meta.url));
const HUMANEVAL = `${SHARED}/routerdc-7llm/humaneval_test.json`;

describe("modelscout bench routing", () => {
  it("prints quality over time against the oracle and the best single model", async () => {
    const result = await runCli(["bench", "routing", "--data", HUMANEVAL, "--trials", "2"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ROUTE\s+ITEMS\s+POLICY\s+QUALITY\s+LAST WINDOW/);
    expect(result.stdout).toMatch(/humaneval_test\s+49\s+oracle \(best per item\)\s+66\.9/);
    expect(result.stdout).toMatch(
      /best single: cognitivecomputations\/dolphin-2\.9-llama3-8b\s+49\.4/,
    );
    for (const policy of ["thompson", "thompson-uncapped", "epsilon-greedy", "uniform"]) {
      expect(result.stdout).toMatch(new RegExp(`\\n${policy}\\s+(\\d+\\.\\d\\s+){10}`));
    }
    expect(result.stdout).toContain(
      "Learning curve: mean quality per window of the stream (W1 first, W10 last; 10 equal windows, about 5 requests each)",
    );
  });

  it("replays a folder as one mixed route and prints JSON", async () => {
    const folder = mkdtempSync(join(tmpdir(), "ms-bench-routing-"));
    for (const name of ["humaneval_test.json", "humaneval_train.json"]) {
      copyFileSync(`${SHARED}/routerdc-7llm/${name}`, join(folder, name));
    }
    const result = await runCli([
      "bench",
      "routing",
      "--data",
      folder,
      "--mixed",
      "--trials",
      "1",
      "--policies",
      "thompson,uniform",
      "--windows",
      "4",
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as {
      streams: {
        route: string;
        items: number;
        bestPerDomain: { models: Record<string, string> } | null;
        policies: { policy: string; curve: number[] }[];
      }[];
    };
    const [stream] = output.streams;
    expect(stream?.route).toBe("mixed");
    expect(stream?.items).toBe(49 + 115);
    expect(stream?.bestPerDomain?.models).toEqual({
      humaneval_test: "cognitivecomputations/dolphin-2.9-llama3-8b",
      humaneval_train: "cognitivecomputations/dolphin-2.9-llama3-8b",
    });
    expect(stream?.policies.map((policy) => policy.policy)).toEqual(["thompson", "uniform"]);
    expect(stream?.policies[0]?.curve).toHaveLength(4);
  });

  it("weighs cost with --answer-value and --price, and reports net value", async () => {
    const priced = [
      "bench",
      "routing",
      "--data",
      HUMANEVAL,
      "--trials",
      "1",
      "--answer-value",
      "0.01",
      "--price",
      "cognitivecomputations/dolphin-2.9-llama3-8b=0.004",
    ];
    const text = await runCli(priced);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/COST\/REQUEST\s+NET\/REQUEST\n/);
    expect(text.stdout).toMatch(/\nhumaneval_test\s+49\s+thompson-cost-blind\s/);
    const json = await runCli([...priced, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const output = JSON.parse(json.stdout) as {
      answerValue: number;
      prices: Record<string, number>;
      streams: {
        bestSingle: { modelId: string };
        bestSingleNet: { modelId: string; cost: number; netValue: number };
        policies: { policy: string; netValue: number }[];
      }[];
    };
    expect(output.answerValue).toBe(0.01);
    expect(output.prices).toEqual({ "cognitivecomputations/dolphin-2.9-llama3-8b": 0.004 });
    const [stream] = output.streams;
    // The best model by quality costs 0.004 of the 0.01 a good answer is worth; the others are
    // free here, and the best of them by quality is the best by net value.
    expect(stream?.bestSingle.modelId).toBe("cognitivecomputations/dolphin-2.9-llama3-8b");
    expect(stream?.bestSingleNet.modelId).toBe("cognitivecomputations/dolphin-2.6-mistral-7b");
    expect(stream?.bestSingleNet.cost).toBe(0);
    expect(stream?.policies.every((policy) => Number.isFinite(policy.netValue))).toBe(true);

    const badPrice = await runCli(["bench", "routing", "--data", HUMANEVAL, "--price", "x"]);
    expect(badPrice.code).not.toBe(0);
    expect(badPrice.stderr).toMatch(/--price: "x" is not model=cost/);
    const noCosts = await runCli(["bench", "routing", "--data", HUMANEVAL, "--answer-value", "1"]);
    expect(noCosts.code).not.toBe(0);
    expect(noCosts.stderr).toMatch(/give each model a price per request \(--price model=cost\)/);
  });

  it("names a bad flag", async () => {
    const result = await runCli(["bench", "routing", "--data", HUMANEVAL, "--policies", "greedy"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--policies: unknown greedy/);
  });
});
