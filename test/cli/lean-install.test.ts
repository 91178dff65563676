/**
 * A lean install (ADR 0098): `npm install modelscout --omit=optional` leaves out
 * transformers.js and ONNX Runtime (446.7 MB of a 530.0 MB install, `bench/edge.ts`). The project's own files are
 * copied into a folder whose `node_modules` links every installed package but
 * `@huggingface/transformers`, so Node resolves the package exactly as it would in such an
 * install, and fails where it would. The README's selection still runs there: its two ONNX
 * candidates are left out before probing, with what to install, and an npm model wins; a
 * profile of one fails with the same advice, and a routes config naming one is served, that
 * model reported as not loaded.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { killHard, startServeProcess } from "../server/serve-process.js";
import { runCli } from "../support/run-cli.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LEFT_OUT = "@huggingface/transformers";

const folder = mkdtempSync(join(tmpdir(), "ms-lean-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let made: string | undefined;

/** The package as `files` ships it (source instead of `dist`), beside a `node_modules` without `LEFT_OUT`. */
function leanInstall(): string {
  if (made !== undefined) return made;
  const root = join(folder, "modelscout");
  made = root;
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

/** The CLI from the lean folder's copy of the source, with its own MODELSCOUT_HOME. */
const place = (root: string) => ({ cwd: root, main: "src/cli/main.ts" });
const env = () => ({ MODELSCOUT_HOME: join(folder, "home") });
const run = (root: string, args: readonly string[]) => runCli(args, env(), place(root));

describe("a lean install, without transformers.js", () => {
  it("runs the README's selection: the ONNX candidates are left out with what to install, an npm model wins", async () => {
    const root = leanInstall();
    const task = join(root, "examples/english-sentiment/task.json");
    const result = await run(root, ["select", task, "--json"]);
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|at async/);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      decisionId: string;
      winner: { id: string } | null;
      candidates: { id: string }[];
    };
    expect(report.winner?.id).toMatch(/^npm:/);
    expect(report.candidates.map((candidate) => candidate.id).sort()).toEqual([
      "npm:sentiment",
      "npm:vader-sentiment",
    ]);
    // The stored decision says which listed ids the runnable filter left out, and why.
    const shown = await run(root, ["decisions", "show", report.decisionId, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const decision = JSON.parse(shown.stdout) as {
      filters: { filter: string; removedListed?: { id: string; reason: string }[] }[];
    };
    const runnable = decision.filters.find((step) => step.filter === "runnable");
    expect(runnable?.removedListed).toHaveLength(2);
    for (const removed of runnable?.removedListed ?? []) {
      expect(removed.id).toMatch(/^local:.*sentiment-en-bow/);
      expect(removed.reason).toBe(
        `needs the optional package "${LEFT_OUT}", which is not installed: run \`npm install ${LEFT_OUT}\``,
      );
    }
  }, 180_000);

  it("fails a model's load with what to install when it is asked for by name", async () => {
    const root = leanInstall();
    const model = join(root, "examples/english-sentiment/models/modelscout/sentiment-en-bow");
    const profiled = await run(root, ["profile", `local:${model}`, "--runs", "1"]);
    expect(profiled.code).toBe(69); // BACKEND_UNAVAILABLE
    expect(profiled.stderr).toContain(
      `needs the optional package "${LEFT_OUT}", which is not installed: run \`npm install ${LEFT_OUT}\``,
    );
    expect(profiled.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND/);
  }, 180_000);

  it("serves a routes config that names an ONNX model: that model did not load, the other route answers", async () => {
    const root = leanInstall();
    const model = join(root, "examples/english-sentiment/models/modelscout/sentiment-en-bow");
    const config = join(folder, "routes.json");
    writeFileSync(
      config,
      JSON.stringify({
        models: [{ id: "echo:desk", kind: "echo", template: "desk: {{input}}" }],
        routes: [
          { name: "desk", targets: { chat: { policy: "fixed", candidates: ["echo:desk"] } } },
          {
            name: "mood",
            targets: {
              "text-classification": { policy: "fixed", candidates: [`local:${model}`] },
            },
          },
        ],
      }),
    );
    const server = await startServeProcess(["--config", config], env(), 60_000, place(root));
    try {
      expect(server.stderr()).toContain(
        `did not load: local:${model} needs the optional package "${LEFT_OUT}", which is not installed: run \`npm install ${LEFT_OUT}\``,
      );
      const answer = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "desk", messages: [{ role: "user", content: "hello" }] }),
      });
      expect(answer.status).toBe(200);
      const refused = await fetch(`${server.url}/v1/tasks/text-classification`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "mood", inputs: "great" }),
      });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      expect(await refused.text()).toContain(`npm install ${LEFT_OUT}`);
    } finally {
      await killHard(server);
    }
  }, 180_000);
});
