/**
 * Writes a benchmark's results file, `bench/results/<name>.json`: what it measured (`fields`)
 * with the command that reproduces it, the time, Node's version and the CPU model.
 */
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

export function writeBenchResult(
  name: string,
  command: string,
  fields: Record<string, unknown>,
): void {
  writeFileSync(
    fileURLToPath(new URL(`./results/${name}.json`, import.meta.url)),
    `${JSON.stringify(
      {
        benchmark: name,
        command,
        date: new Date().toISOString(),
        node: process.version,
        cpu: cpus()[0]?.model,
        ...fields,
      },
      null,
      2,
    )}\n`,
  );
}
