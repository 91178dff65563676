import type { ArgsDef, CommandDef } from "citty";
import { describe, expect, it } from "vitest";
import { checkArguments } from "../../src/cli/check-arguments.js";
import { rootCommand } from "../../src/cli/run-cli.js";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { runCli } from "../support/run-cli.js";

async function usageErrorOf(args: string[]): Promise<string> {
  const error = await checkArguments(rootCommand, args).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!ModelScoutError.isInstance(error)) throw new Error(`no usage error for ${args.join(" ")}`);
  expect(error.code).toBe("INVALID_ARGUMENT");
  return error.message;
}

async function resolved<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === "function" ? (value as () => T | Promise<T>)() : value;
}

/** Every command that runs, with the words that reach it and the arguments it declares. */
async function runnableCommands(
  command: CommandDef,
  path: string[] = [],
): Promise<{ path: string[]; args: ArgsDef }[]> {
  const args = await resolved(command.args ?? {});
  const found = command.run === undefined ? [] : [{ path, args }];
  const subCommands = command.subCommands === undefined ? {} : await resolved(command.subCommands);
  for (const [name, subCommand] of Object.entries(subCommands)) {
    found.push(...(await runnableCommands(await resolved(subCommand), [...path, name])));
  }
  return found;
}

describe("checkArguments", () => {
  it("names an unknown option and suggests the one meant", async () => {
    await expect(
      usageErrorOf(["catalog", "search", "--task", "sentiment", "--hardwre", "rpi5"]),
    ).resolves.toBe(
      "catalog search: unknown option --hardwre (did you mean --hardware?). See `modelscout catalog search --help` for what it takes.",
    );
    await expect(usageErrorOf(["select", "spec.json", "--repot", "out.html"])).resolves.toContain(
      "select: unknown option --repot (did you mean --report?)",
    );
    await expect(usageErrorOf(["select", "spec.json", "--repot=out.html"])).resolves.toContain(
      "unknown option --repot (did you mean --report?)",
    );
    await expect(usageErrorOf(["hardware", "list", "--no-jsn"])).resolves.toContain(
      "unknown option --no-jsn (did you mean --no-json?)",
    );
    // Only on/off options can be negated; citty would set --report to false.
    await expect(usageErrorOf(["select", "spec.json", "--no-report"])).resolves.toContain(
      "unknown option --no-report",
    );
    await expect(usageErrorOf(["select", "spec.json", "-x"])).resolves.toContain(
      "unknown option -x.",
    );
  });

  it("rejects positional arguments a command has no place for", async () => {
    await expect(usageErrorOf(["hardware", "list", "extra"])).resolves.toBe(
      'hardware list: unexpected argument "extra" (it takes none). See `modelscout hardware list --help` for what it takes.',
    );
    await expect(usageErrorOf(["select", "a.json", "b.json"])).resolves.toContain(
      'select: unexpected argument "b.json" (it takes SPEC)',
    );
    await expect(usageErrorOf(["catalog", "show", "a", "b", "c"])).resolves.toContain(
      'unexpected arguments "b", "c"',
    );
    // After `--` everything is positional, and still counted.
    await expect(usageErrorOf(["select", "--", "a.json", "--json"])).resolves.toContain(
      'unexpected argument "--json"',
    );
  });

  it("checks the options of a command group given before its subcommand", async () => {
    await expect(usageErrorOf(["decisions", "--limt", "3"])).resolves.toContain(
      "decisions: unknown option --limt (did you mean --limit?)",
    );
    await expect(usageErrorOf(["decisions", "--limit", "3", "--jsn"])).resolves.toContain(
      "decisions: unknown option --jsn (did you mean --json?)",
    );
  });

  it("accepts what citty reads: values, =values, --no-<flag>, camelCase spellings and --", async () => {
    for (const args of [
      ["catalog", "search", "--task", "sentiment", "--hardware", "rpi5", "--json"],
      ["catalog", "search", "--task=sentiment", "--max-memory-gb=2", "--maxMemoryGb", "2"],
      ["catalog", "search", "--limit", "-5"],
      ["catalog", "show", "Qwen/Qwen2.5-7B-Instruct", "--no-json"],
      ["select", "spec.json", "--report", "out.html", "--quiet", "--seed", "3", "--json=false"],
      ["select", "--", "--odd-name.json"],
      ["select"],
      ["decisions"],
      ["decisions", "--limit", "3", "--task", "sentiment"],
      ["decisions", "show", "dec_1", "--report", "r.html"],
      ["requests", "--since", "1h"],
      ["requests", "export", "--task", "sentiment", "--out", "x.jsonl", "--unlabelled"],
      ["serve", "--port", "0", "--follow-decisions", "--follow-interval", "30", "--check"],
      ["hardware", "list", "--json"],
      ["schema", "task"],
    ]) {
      await expect(checkArguments(rootCommand, args), args.join(" ")).resolves.toBeUndefined();
    }
  });

  it("accepts every option every command declares", async () => {
    const commands = await runnableCommands(rootCommand);
    expect(commands.length).toBeGreaterThan(20);
    for (const { path, args } of commands) {
      const positionals = Object.values(args)
        .filter((def) => def.type === "positional")
        .map((_, index) => `value-${index}`);
      for (const [name, def] of Object.entries(args)) {
        if (def.type === "positional") continue;
        const forms =
          def.type === "boolean"
            ? [[`--${name}`], [`--no-${name}`]]
            : [[`--${name}`, "value"], [`--${name}=value`]];
        for (const form of forms) {
          const argv = [...path, ...positionals, ...form];
          await expect(checkArguments(rootCommand, argv), argv.join(" ")).resolves.toBeUndefined();
        }
      }
    }
  });

  it("leaves an unknown subcommand to citty", async () => {
    await expect(checkArguments(rootCommand, ["catalog", "serch"])).resolves.toBeUndefined();
  });
});

describe("the CLI with a mistyped option", () => {
  it("exits 2 before running, naming the option", async () => {
    const result = await runCli(["catalog", "search", "--task", "sentiment", "--hardwre", "rpi5"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "modelscout: catalog search: unknown option --hardwre (did you mean --hardware?). See `modelscout catalog search --help` for what it takes.\n",
    );
    const extra = await runCli(["hardware", "list", "extra"]);
    expect(extra.code).toBe(2);
    expect(extra.stdout).toBe("");
    expect(extra.stderr).toContain('hardware list: unexpected argument "extra"');
  }, 60_000);
});
