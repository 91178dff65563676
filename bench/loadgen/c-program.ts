/**
 * Builds one of the benchmarks' C programs (`open-loop.c`, `cpu-gaps.c`) with the machine's
 * C compiler (`CC`, else `cc`) on first use and whenever its source is newer than the binary,
 * into `bench/loadgen/.build/` (not committed). Returns the binary's path.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export function buildCProgram(name: string, libraries: string[] = []): string {
  const source = fileURLToPath(new URL(`./${name}.c`, import.meta.url));
  const binary = fileURLToPath(new URL(`./.build/${name}`, import.meta.url));
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(join(binary, ".."), { recursive: true });
  const compiler = process.env.CC ?? "cc";
  try {
    execFileSync(compiler, ["-O2", "-Wall", "-o", binary, source, ...libraries], {
      stdio: "inherit",
    });
  } catch (error) {
    throw new Error(
      `Could not compile bench/loadgen/${name}.c with '${compiler}' (set CC to another C compiler): ${(error as Error).message}`,
    );
  }
  return binary;
}
