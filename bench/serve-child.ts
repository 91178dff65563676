/**
 * What the benchmarks that run `modelscout serve` in child processes share: starting one and
 * waiting for the URL it prints, and the percentile they read their times with.
 */
import { type ChildProcess, spawn } from "node:child_process";

/**
 * Starts `node <nodeArgs> serve <serveArgs>` (the CLI's entry in `nodeArgs`, from source with
 * tsx or built) and resolves with the URL it listens at.
 */
export function startServeChild(
  nodeArgs: readonly string[],
  serveArgs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeArgs, "serve", ...serveArgs], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const url = /Routing server at (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url !== undefined) resolve({ url, child });
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/** The value at fraction `p` of `sorted` (ascending), NaN when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
