/**
 * @module
 * The `modelscout` command tree and its runner: parses arguments with citty, calls the core
 * library, and turns errors into messages and exit codes (`exit-code.ts`).
 */
import { type CommandDef, runCommand, runMain } from "citty";
import { VERSION } from "../version.js";
import { checkArguments } from "./check-arguments.js";
import { describeError, exitCodeFor } from "./exit-code.js";

export const rootCommand: CommandDef = {
  meta: {
    name: "modelscout",
    version: VERSION,
    description:
      "Pick the right AI model for a task, automatically, and keep it right in production.",
  },
  subCommands: {
    catalog: () => import("./commands/catalog.js").then((module) => module.default),
    hardware: () => import("./commands/hardware.js").then((module) => module.default),
    mirror: () => import("./commands/mirror.js").then((module) => module.default),
    profile: () => import("./commands/profile.js").then((module) => module.default),
    schema: () => import("./commands/schema.js").then((module) => module.default),
    serve: () => import("./commands/serve.js").then((module) => module.default),
    bench: () => import("./commands/bench.js").then((module) => module.default),
    select: () => import("./commands/select.js").then((module) => module.default),
    decisions: () => import("./commands/decisions.js").then((module) => module.default),
    learner: () => import("./commands/learner.js").then((module) => module.default),
    requests: () => import("./commands/requests.js").then((module) => module.default),
    mcp: () => import("./commands/mcp.js").then((module) => module.default),
  },
};

export async function main(rawArgs: string[]): Promise<number> {
  if (
    rawArgs.length === 0 ||
    rawArgs.some((arg) => arg === "--help" || arg === "-h" || arg === "--version")
  ) {
    // citty prints usage (or the version) and exits by itself.
    await runMain(rootCommand, { rawArgs: rawArgs.length === 0 ? ["--help"] : rawArgs });
    return 0;
  }
  try {
    // citty ignores options it does not know; a typo must not run a different command.
    await checkArguments(rootCommand, rawArgs);
    await runCommand(rootCommand, { rawArgs });
    // A command that ran to its end with an outcome a script should stop on (a selection
    // without a winner) says so in `process.exitCode`.
    return Number(process.exitCode ?? 0);
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}
