/**
 * Runs `modelscout serve` from source in a child process and waits until it listens, so
 * tests can kill it (SIGKILL: no clean shutdown) and start it again on the same state file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import type { CliPlace } from "../support/run-cli.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

/** `modelscout serve --port 0 ...args` as it starts, with what it has printed so far. */
export function spawnServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  place: CliPlace = {},
): { child: ChildProcess; stdout: () => string; stderr: () => string } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", place.main ?? MAIN, "serve", "--port", "0", ...args],
    {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(place.cwd !== undefined && { cwd: place.cwd }),
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
}

export function startServeProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
  place: CliPlace = {},
): Promise<ServeProcess> {
  const { child, stdout, stderr } = spawnServe(args, env, place);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start within ${timeoutMs} ms; stderr: ${stderr()}`));
    }, timeoutMs);
    child.stdout?.on("data", () => {
      const match = /Routing server at (http:\/\/\S+)/.exec(stdout());
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ url: match[1], child, stdout, stderr });
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before listening; stderr: ${stderr()}`));
    });
  });
}

/** Kills without letting the process flush or close anything, and waits for it to be gone. */
export function killHard(serve: ServeProcess): Promise<void> {
  return new Promise((resolve) => {
    if (serve.child.exitCode !== null || serve.child.signalCode !== null) {
      resolve();
      return;
    }
    serve.child.once("exit", () => resolve());
    serve.child.kill("SIGKILL");
  });
}

/**
 * A MODELSCOUT_HOME with a one-route echo config (`routes.json`, route `desk`) for tests that
 * start `modelscout serve` with secrets from files; `spawn` tracks the processes, which are
 * killed after the file's tests.
 */
export function echoDeskServe(prefix: string): {
  home: string;
  config: string;
  spawn: typeof spawnServe;
} {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const config = join(home, "routes.json");
  writeFileSync(
    config,
    JSON.stringify({
      models: [{ id: "echo:desk", kind: "echo", template: "desk: {{input}}" }],
      routes: [{ name: "desk", targets: { chat: { policy: "fixed", candidates: ["echo:desk"] } } }],
    }),
  );
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });
  return {
    home,
    config,
    spawn(args, env) {
      const started = spawnServe(args, env);
      children.push(started.child);
      return started;
    },
  };
}
