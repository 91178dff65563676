/** Runs the real `modelscout` CLI (from source, via tsx) in a child process. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where the CLI runs from: this checkout's, or a copy of its source in another folder (`main` relative to `cwd`). */
export interface CliPlace {
  cwd?: string;
  main?: string;
}

export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { closeStdout?: boolean } & CliPlace = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", options.main ?? MAIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.cwd !== undefined && { cwd: options.cwd }),
    });
    let stdout = "";
    let stderr = "";
    // A reader that stops reading at once (`| head -c 0`): the CLI's writes then fail with EPIPE.
    if (options.closeStdout === true) child.stdout.destroy();
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
