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
    expect(result.stdout).toContain("Learning curve");
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

  it("names a bad flag", async () => {
    const result = await runCli(["bench", "routing", "--data", HUMANEVAL, "--policies", "greedy"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--policies: unknown greedy/);
  });
});
