import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

const EXAMPLE = fileURLToPath(
  new URL("../../examples/english-sentiment/task.json", import.meta.url),
);

let home: string;
let work: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "ms-select-cli-home-"));
  work = mkdtempSync(join(tmpdir(), "ms-select-cli-"));
});

describe("modelscout select / decisions", () => {
  it("selects on the English sentiment example, prints the promised JSON and stores the decision", async () => {
    const report = join(work, "report.html");
    const result = await runCli(["select", EXAMPLE, "--json", "--report", report], {
      MODELSCOUT_HOME: home,
    });
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      winner: { id: string };
      candidates: {
        id: string;
        quality: number | null;
        qualityCi: [number, number] | null;
        latencyMsP50: number | null;
        score: number | null;
        probes: number;
        status: string;
      }[];
      spentProbes: number;
      decisionId: string;
    };
    expect(output.decisionId).toMatch(/^dec_/);
    expect(output.candidates.length).toBe(4);
    const winner = output.candidates.find((candidate) => candidate.id === output.winner.id);
    expect(winner?.status).toBe("winner");
    for (const candidate of output.candidates) {
      expect(Object.keys(candidate)).toEqual(
        expect.arrayContaining([
          "id",
          "quality",
          "qualityCi",
          "latencyMsP50",
          "score",
          "probes",
          "status",
        ]),
      );
      expect(candidate.probes).toBeGreaterThan(0);
    }
    expect(output.spentProbes).toBeLessThanOrEqual(400);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain(output.winner.id);

    const list = await runCli(["decisions"], { MODELSCOUT_HOME: home });
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(output.decisionId);
    const show = await runCli(["decisions", "show", output.decisionId], { MODELSCOUT_HOME: home });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Winner: ${output.winner.id}`);
    const shown = await runCli(["decisions", "show", output.decisionId, "--json"], {
      MODELSCOUT_HOME: home,
    });
    expect(JSON.parse(shown.stdout).id).toBe(output.decisionId);
  }, 120_000);

  it("fails with the field and line of bad input, and stores nothing broken", async () => {
    const missing = join(work, "missing-data.json");
    writeFileSync(
      missing,
      JSON.stringify({ task_type: "sentiment", data: { path: "nope.jsonl" } }),
    );
    const noData = await runCli(["select", missing], { MODELSCOUT_HOME: home });
    expect(noData.code).not.toBe(0);
    expect(noData.stderr).toMatch(/nope\.jsonl/);

    const badSpec = join(work, "bad.json");
    writeFileSync(
      badSpec,
      JSON.stringify({ task_type: "sentiment", input_constraints: { max_length: "500 tokens" } }),
    );
    const invalid = await runCli(["select", badSpec], { MODELSCOUT_HOME: home });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("input_constraints.max_length must be a positive integer");

    const yaml = join(work, "bad.yaml");
    writeFileSync(yaml, "task_type: sentiment\n  data: [\n");
    const badYaml = await runCli(["select", yaml], { MODELSCOUT_HOME: home });
    expect(badYaml.code).toBe(2);
    expect(badYaml.stderr).toMatch(/not valid YAML at line \d+/);

    const unknown = await runCli(["decisions", "show", "dec_nope"], { MODELSCOUT_HOME: home });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("No decision dec_nope");
    expect(existsSync(join(home, "state.db"))).toBe(true);
  }, 120_000);

  it("checks a spec with --check: what a run would probe, nothing loaded or stored", async () => {
    const checkHome = mkdtempSync(join(tmpdir(), "ms-select-check-home-"));
    const result = await runCli(["select", EXAMPLE, "--check"], { MODELSCOUT_HOME: checkHome });
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^Checked .*task\.json: nothing was loaded or run, and no decision was stored\./,
    );
    expect(lines).toContain("Metric: accuracy.");
    expect(result.stdout).toMatch(/^Data: .*held-out-sentences\.jsonl, 200 items, labelled\.$/m);
    expect(result.stdout).toContain(
      "Would probe 4 candidates, at most 400 model calls (budget.max_probes) of the 800 an exhaustive evaluation would take",
    );
    expect(result.stdout).toMatch(/^[1-4] {2}npm:vader-sentiment +npm /m);
    expect(result.stderr).not.toContain("loading");
    const listed = await runCli(["decisions", "--json"], { MODELSCOUT_HOME: checkHome });
    expect(JSON.parse(listed.stdout)).toEqual([]);

    const json = await runCli(["select", EXAMPLE, "--check", "--json"], {
      MODELSCOUT_HOME: checkHome,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      check: true,
      metric: { name: "accuracy" },
      maxProbes: 400,
      exhaustiveProbes: 800,
    });

    const report = await runCli(["select", EXAMPLE, "--check", "--report", join(work, "r.html")], {
      MODELSCOUT_HOME: checkHome,
    });
    expect(report.code).toBe(2);
    expect(report.stderr).toContain("--check runs no model, so there is no decision to report");

    // A spec whose filters leave nothing fails the check as it would fail the run.
    const none = join(work, "no-candidates.json");
    writeFileSync(
      none,
      JSON.stringify({
        task_type: "sentiment",
        labels: ["happy", "sad"],
        candidates: { ids: ["npm:vader-sentiment"] },
      }),
    );
    const empty = await runCli(["select", none, "--check"], { MODELSCOUT_HOME: checkHome });
    expect(empty.code).toBe(4);
    expect(empty.stderr).toContain("No candidate models are left");
    expect(empty.stderr).not.toContain("stored");
  }, 120_000);

  it("exits 4 with the reason when a run ends without a winner: a budget too small to probe", async () => {
    const spec = join(work, "tiny-budget.json");
    writeFileSync(
      spec,
      JSON.stringify({
        task_type: "sentiment",
        input_constraints: { language: "en" },
        candidates: { ids: ["npm:sentiment", "npm:vader-sentiment"] },
        data: {
          path: fileURLToPath(
            new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
          ),
        },
        budget: { max_probes: 1 },
      }),
    );
    const result = await runCli(["select", spec], { MODELSCOUT_HOME: home });
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain("Winner: none");
    expect(result.stdout).toContain(
      "The probe budget (budget.max_probes 1) cannot probe the 2 candidates on even one item each",
    );
    // Not the sentence for a cut by prior, which would contradict it.
    expect(result.stdout).not.toContain("ranked below the probing cut");
    const json = await runCli(["select", spec, "--json"], { MODELSCOUT_HOME: home });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ winner: null, status: "failed" });
  }, 120_000);

  it("goes on without a listed local model that is not built, naming it, as the Chinese example does", async () => {
    // A spec of its own folder: local:./models/... is read from there, and nothing is built.
    const folder = mkdtempSync(join(tmpdir(), "ms-select-cli-local-"));
    const spec = join(folder, "task.json");
    writeFileSync(
      spec,
      JSON.stringify({
        task_type: "sentiment",
        input_constraints: { language: "en" },
        candidates: { ids: ["local:./models/reviews-bow", "npm:sentiment"] },
        data: {
          path: fileURLToPath(
            new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
          ),
        },
        privacy: "local-only",
      }),
    );
    const result = await runCli(["select", spec], { MODELSCOUT_HOME: home });
    expect(result.stderr).not.toMatch(/unexpected error/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Winner: npm:sentiment");
    expect(result.stdout).toContain(
      `Left out: local:./models/reviews-bow (listed in candidates.ids), by the explicit-ids filter: Local model folder not found: ${join(folder, "models", "reviews-bow")}`,
    );
    // Nothing else left: the usual no-candidates exit, naming the folder.
    writeFileSync(
      spec,
      JSON.stringify({
        task_type: "sentiment",
        candidates: { ids: ["local:./models/reviews-bow"] },
      }),
    );
    const empty = await runCli(["select", spec], { MODELSCOUT_HOME: home });
    expect(empty.code).toBe(4);
    expect(empty.stderr).toContain("No candidate models are left: the explicit-ids filter");
    expect(empty.stderr).toContain("local:./models/reviews-bow (Local model folder not found");
  }, 120_000);

  it("turns a plain-words request into a spec, shows it, then runs it", async () => {
    const data = join(work, "reviews.jsonl");
    writeFileSync(
      data,
      [
        { text: "I love it, works great", label: "positive" },
        { text: "Terrible, broke after a day", label: "negative" },
        { text: "Excellent value and friendly staff", label: "positive" },
        { text: "Awful service, never again", label: "negative" },
      ]
        .map((row) => JSON.stringify(row))
        .join("\n"),
    );
    const result = await runCli(
      [
        "select",
        "--request",
        "classify English reviews as positive or negative, data must not leave this machine",
        "--data",
        data,
        "--json",
      ],
      { MODELSCOUT_HOME: home },
    );
    expect(result.stderr).toContain("Spec made from the request");
    expect(result.stderr).toContain('"task_type": "text-classification"');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { winner: { id: string } };
    expect(output.winner.id).toMatch(/^npm:/);
  }, 120_000);

  it("says --data replaced the spec's data block when the file's columns are not text and label", async () => {
    const data = join(work, "other.csv");
    // "remarks" is no name inputs usually have, and the id column is not the only other one.
    writeFileSync(data, "id,remarks,label\n1,great,positive\n2,awful,negative\n");
    const withSpec = await runCli(["select", EXAMPLE, "--data", data], { MODELSCOUT_HOME: home });
    expect(withSpec.code).toBe(2);
    expect(withSpec.stderr).toContain('no column "text" for the inputs');
    expect(withSpec.stderr).toContain("--data replaced the spec's whole data block");
    expect(withSpec.stderr).toContain(`data.columns.input (and .label) in ${EXAMPLE}`);
    const withRequest = await runCli(
      ["select", "--request", "classify English reviews as positive or negative", "--data", data],
      { MODELSCOUT_HOME: home },
    );
    expect(withRequest.code).toBe(2);
    expect(withRequest.stderr).toContain('--data files are read with inputs in "text"');
    expect(withRequest.stderr).not.toContain("Set data.columns.input in the task spec");
  }, 120_000);
});
