/**
 * Vitest global setup: every temporary folder of a test run goes under one folder, removed
 * when the run ends. `os.tmpdir()` reads `TMPDIR`, which the test processes and the CLIs and
 * servers they start inherit; without this, tests that made folders with `mkdtempSync` and
 * kept no handle to remove them left them behind (41 MB per catalog CLI test).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), "modelscout-tests-"));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
