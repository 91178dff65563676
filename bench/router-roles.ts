/**
 * Starts one of `router-overhead.ts`'s server roles (`upstream`: the bare echo server;
 * `router`: `startRoutingServer`) in a child process and resolves with its URL once it
 * prints `LISTENING <url>`. Shared by `router-overhead.ts` and `router-cpu.ts`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const OVERHEAD_SCRIPT = fileURLToPath(new URL("./router-overhead.ts", import.meta.url));

export function startRole(
  role: string,
  extra: string[] = [],
  nodeFlags: string[] = [],
): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [...nodeFlags, "--import", "tsx", OVERHEAD_SCRIPT, "--role", role, ...extra],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const match = /LISTENING (\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve({ url: match[1], child });
    });
    child.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}
