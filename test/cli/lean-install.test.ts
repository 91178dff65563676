/**
 * A lean install (ADR 0098): `npm install modelscout --omit=optional` leaves out
 * transformers.js and ONNX Runtime (440 MB of a 530 MB install). The project's own files are
 * copied into a folder whose `node_modules` links every installed package but
 * `@huggingface/transformers`, so Node resolves the package exactly as it would in such an
 * install, and fails where it would. The README's selection still runs there: its two ONNX
 * candidates are recorded as failed with what to install, and an npm model wins.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const LEFT_OUT = "@huggingface/transformers";

const folder = mkdtempSync(join(tmpdir(), "ms-lean-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** The package as `files` ships it (source instead of `dist`), beside a `node_modules` without `LEFT_OUT`. */
function leanInstall(): string {
  const root = join(folder, "modelscout");
  for (const part of [
    "src",
    "data/snapshot",
    "schemas",
    "package.json",
    "examples/english-sentiment",
  ])
    cpSync(join(ROOT, part), join(root, part), { recursive: true });
  const modules = join(root, "node_modules");
  mkdirSync(modules);
  const installed = join(ROOT, "node_modules");
  for (const entry of readdirSync(installed)) {
    if (entry.startsWith(".")) continue;
    if (!entry.startsWith("@")) {
      symlinkSync(join(installed, entry), join(modules, entry));
      continue;
    }
    mkdirSync(join(modules, entry));
    for (const scoped of readdirSync(join(installed, entry))) {
      if (`${entry}/${scoped}` === LEFT_OUT) continue;
      symlinkSync(join(installed, entry, scoped), join(modules, entry, scoped));
    }
  }
  return root;
}

function run(
  cwd: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, "src/cli/main.ts", ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", MODELSCOUT_HOME: join(folder, "home") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("a lean install, without transformers.js", () => {
  it("runs the README's selection: the ONNX candidates fail with what to install, an npm model wins", async () => {
    const root = leanInstall();
    const task = join(root, "examples/english-sentiment/task.json");
    const result = await run(root, ["select", task, "--json"]);
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|at async/);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      winner: { id: string } | null;
      candidates: { id: string; status: string; error?: { code: string; message: string } }[];
    };
    expect(report.winner?.id).toMatch(/^npm:/);
    const onnx = report.candidates.filter((candidate) => candidate.id.startsWith("local:"));
    expect(onnx).toHaveLength(2);
    for (const candidate of onnx) {
      expect(candidate.status).toBe("failed");
      expect(candidate.error?.code).toBe("BACKEND_UNAVAILABLE");
      expect(candidate.error?.message).toContain(
        `needs the optional package "${LEFT_OUT}", which is not installed: run \`npm install ${LEFT_OUT}\``,
      );
    }
  }, 180_000);
});
