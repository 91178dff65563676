/**
 * End to end: `modelscout select` on the bundled English sentiment example records what was
 * compared on what, and `decisions show` gives it back. The expected values are read from
 * the disk here, independently of the code under test: the data file's SHA-256, the installed
 * npm packages' versions, and the local ONNX model's files' SHA-256.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelArtifact } from "../../src/backends/model-artifact.js";
import type { SelectionDecision } from "../../src/select/decision.js";
import { runCli } from "../support/run-cli.js";

const EXAMPLE = fileURLToPath(
  new URL("../../examples/english-sentiment/task.json", import.meta.url),
);
const EXAMPLE_FOLDER = dirname(EXAMPLE);
const MODEL_FOLDER = join(EXAMPLE_FOLDER, "models", "modelscout", "sentiment-en-bow");
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const sha256Of = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const installedVersion = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

let home: string;
let decision: SelectionDecision;
let decisionId: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "ms-provenance-cli-home-"));
  const selected = await runCli(["select", EXAMPLE, "--json"], { MODELSCOUT_HOME: home });
  expect(selected.stderr).not.toMatch(/unexpected error/);
  expect(selected.code).toBe(0);
  decisionId = (JSON.parse(selected.stdout) as { decisionId: string }).decisionId;
  const shown = await runCli(["decisions", "show", decisionId, "--json"], {
    MODELSCOUT_HOME: home,
  });
  expect(shown.code).toBe(0);
  decision = JSON.parse(shown.stdout) as SelectionDecision;
}, 180_000);

function artifactOf(id: string): ModelArtifact | undefined {
  return decision.candidates.find((candidate) => candidate.id === id)?.artifact;
}

describe("a stored selection's provenance, end to end", () => {
  it("records the SHA-256 of the example's data file and the seeds", () => {
    expect(decision.data.sha256).toBe(sha256Of(join(EXAMPLE_FOLDER, "held-out-sentences.jsonl")));
    expect(decision.seeds).toEqual({ sample: 1, strategy: 1 });
  });

  it("records the installed versions of the npm candidates' packages", () => {
    for (const name of ["sentiment", "vader-sentiment"]) {
      expect(artifactOf(`npm:${name}`)).toEqual({
        kind: "npm",
        packages: [{ name, version: installedVersion(name) }],
      });
    }
  });

  it("records the local ONNX model's files with the hashes the files have", () => {
    const variants = decision.candidates.filter((candidate) => candidate.id.startsWith("local:"));
    expect(variants).toHaveLength(2);
    const weightsByVariant = new Map<string, string>();
    for (const candidate of variants) {
      const artifact = candidate.artifact;
      expect(artifact?.kind).toBe("local-folder");
      if (artifact?.kind !== "local-folder") continue;
      expect(artifact.folder).toBe(MODEL_FOLDER);
      for (const file of artifact.files) {
        expect(file.sha256).toBe(sha256Of(join(MODEL_FOLDER, file.path)));
        expect(file.sizeBytes).toBe(readFileSync(join(MODEL_FOLDER, file.path)).length);
      }
      const weights = artifact.files.find((file) => file.path.startsWith("onnx/"));
      weightsByVariant.set(artifact.dtype ?? "", weights?.path ?? "");
    }
    // Each variant names the weights it read, not every file in the folder.
    expect(Object.fromEntries(weightsByVariant)).toEqual({
      fp32: "onnx/model.onnx",
      q8: "onnx/model_quantized.onnx",
    });
  });

  it("prints a Provenance block and puts the table in the HTML report", async () => {
    const report = join(home, "report.html");
    const shown = await runCli(["decisions", "show", decisionId, "--report", report], {
      MODELSCOUT_HOME: home,
    });
    expect(shown.code).toBe(0);
    const block = shown.stdout.slice(shown.stdout.indexOf("Provenance:"));
    expect(block).toContain(`sha256 ${decision.data.sha256?.slice(0, 12)}`);
    expect(block).toContain(`npm:sentiment: npm sentiment@${installedVersion("sentiment")}`);
    expect(block).toContain("Seeds: sample 1, strategy 1");
    const html = readFileSync(report, "utf8");
    expect(html).toContain('<table class="provenance">');
    expect(html).toContain(sha256Of(join(MODEL_FOLDER, "onnx", "model_quantized.onnx")));
  });
});
