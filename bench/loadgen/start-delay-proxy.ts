/**
 * Starts `delay-proxy.mjs` in front of the PostgreSQL server at `url` (a process of its own,
 * so its timers do not share the benchmark's event loop), and gives the URL through it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export async function startDelayProxy(
  url: string,
  delayMs: number,
): Promise<{ url: string; child: ChildProcess }> {
  const target = new URL(url);
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL("./delay-proxy.mjs", import.meta.url)),
      target.hostname,
      target.port === "" ? "5432" : target.port,
      String(delayMs),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const listening = /listening (\d+)/.exec(stdout)?.[1];
      if (listening !== undefined) resolve(listening);
    });
    child.once("exit", (code) => reject(new Error(`the delay proxy exited with ${code}`)));
  });
  const through = new URL(url);
  through.hostname = "127.0.0.1";
  through.port = port;
  return { url: through.toString(), child };
}
