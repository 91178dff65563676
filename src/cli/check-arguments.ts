/**
 * @module
 * Strict argument checking in front of citty, which reads the options a command declares and
 * drops the rest without a word: `catalog search --hardwre rpi5` would list models with no
 * hardware filter, and `select spec.json --repot out.html` would write no report. This walks
 * the command tree the way citty's runner does and tokenises each command's arguments with the
 * `node:util` parser citty uses, with the same options, so it accepts exactly what citty reads
 * (declared names, their camelCase and kebab-case spellings, `--no-<flag>` for on/off
 * options, values after `--` as positionals) and rejects anything else before a command runs.
 */
import { parseArgs } from "node:util";
import type { ArgsDef, CommandDef, Resolvable, SubCommandsDef } from "citty";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { closestMatch } from "../text/closest-match.js";

type ParseOptions = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

async function resolve<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? (value as () => T | Promise<T>)() : value;
}

/** citty's spellings of a declared name: `max-memory-gb` is also `--maxMemoryGb`. */
function camelCase(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/gi, (_, letter: string) => letter.toUpperCase());
}

function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}

interface DeclaredOption {
  name: string;
  type: "boolean" | "string";
  spellings: string[];
}

function declaredOptions(argsDef: ArgsDef): DeclaredOption[] {
  return Object.entries(argsDef).flatMap(([name, def]) => {
    if (def.type === "positional") return [];
    const aliases = "alias" in def && def.alias !== undefined ? [def.alias].flat() : [];
    return [
      {
        name,
        type: def.type === "boolean" ? "boolean" : "string",
        spellings: [...new Set([name, ...aliases, camelCase(name), kebabCase(name)])],
      } satisfies DeclaredOption,
    ];
  });
}

/**
 * Where citty looks for a subcommand name: the first argument that is not an option or the
 * value of a declared string option; none after `--`.
 */
function subCommandIndex(rawArgs: readonly string[], options: readonly DeclaredOption[]): number {
  const takesValue = new Set(
    options.filter((option) => option.type === "string").flatMap((option) => option.spellings),
  );
  for (let index = 0; index < rawArgs.length; index++) {
    const arg = rawArgs[index] ?? "";
    if (arg === "--") return -1;
    if (arg.startsWith("-")) {
      if (!arg.includes("=") && takesValue.has(camelCase(arg.replace(/^-{1,2}/, "")))) index++;
      continue;
    }
    return index;
  }
  return -1;
}

async function findSubCommand(
  subCommands: SubCommandsDef,
  name: string,
): Promise<CommandDef | undefined> {
  const named = subCommands[name];
  if (named !== undefined) return resolve(named);
  for (const candidate of Object.values(subCommands)) {
    const command = await resolve(candidate);
    const meta = command.meta === undefined ? undefined : await resolve(command.meta);
    if (meta?.alias !== undefined && [meta.alias].flat().includes(name)) return command;
  }
  return undefined;
}

function usageError(commandPath: readonly string[], problem: string): ModelScoutError {
  const command = ["modelscout", ...commandPath].join(" ");
  return new ModelScoutError(
    "INVALID_ARGUMENT",
    `${commandPath.length === 0 ? "" : `${commandPath.join(" ")}: `}${problem}. See \`${command} --help\` for what it takes.`,
  );
}

function checkCommandArguments(
  argsDef: ArgsDef,
  rawArgs: readonly string[],
  commandPath: readonly string[],
): void {
  const options = declaredOptions(argsDef);
  const booleans = new Set(
    options.filter((option) => option.type === "boolean").flatMap((option) => option.spellings),
  );
  const known = new Set(options.flatMap((option) => option.spellings));
  const suggestions = [
    ...options.map((option) => option.name),
    ...options.filter((option) => option.type === "boolean").map((option) => `no-${option.name}`),
  ];
  const unknown = (rawName: string, name: string) => {
    const suggestion = closestMatch(name, suggestions);
    return usageError(
      commandPath,
      `unknown option ${rawName}${suggestion === undefined ? "" : ` (did you mean --${suggestion}?)`}`,
    );
  };

  // citty takes every `--no-<flag>` out before parsing (up to `--`) and sets <flag> to false.
  const terminator = rawArgs.indexOf("--");
  const parsed: string[] = [];
  for (const [index, arg] of rawArgs.entries()) {
    if (terminator !== -1 && index >= terminator) parsed.push(arg);
    else if (!arg.startsWith("--no-")) parsed.push(arg);
    else if (!booleans.has(arg.slice("--no-".length))) throw unknown(arg, arg.slice(2));
  }

  const parseOptions: ParseOptions = {};
  for (const option of options) {
    for (const spelling of option.spellings) parseOptions[spelling] = { type: option.type };
  }
  const { tokens } = parseArgs({
    args: parsed,
    options: parseOptions,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === "option" && !known.has(token.name)) throw unknown(token.rawName, token.name);
  }

  const declared = Object.entries(argsDef)
    .filter(([, def]) => def.type === "positional")
    .map(([name]) => name.toUpperCase());
  const extra = tokens
    .filter((token) => token.kind === "positional")
    .slice(declared.length)
    .map((token) => JSON.stringify(token.value));
  if (extra.length > 0) {
    throw usageError(
      commandPath,
      `unexpected argument${extra.length === 1 ? "" : "s"} ${extra.join(", ")} (it takes ${declared.length === 0 ? "none" : declared.join(", ")})`,
    );
  }
}

/**
 * Throws a usage error (`INVALID_ARGUMENT`, exit 2) naming the first option the command that
 * would run does not declare, or the positional arguments it has no place for. An unknown
 * subcommand, or a command group given no subcommand, is left for citty to report.
 */
export async function checkArguments(
  command: CommandDef,
  rawArgs: readonly string[],
  commandPath: readonly string[] = [],
): Promise<void> {
  const argsDef = await resolve(command.args ?? {});
  const subCommands = command.subCommands === undefined ? {} : await resolve(command.subCommands);
  if (Object.keys(subCommands).length > 0) {
    // citty runs a default subcommand with the group's own arguments; none is used here.
    if (command.default !== undefined) return;
    const index = subCommandIndex(rawArgs, declaredOptions(argsDef));
    const name = index === -1 ? undefined : rawArgs[index];
    if (name !== undefined) {
      // Options before the name first: in `decisions --limt 3`, "3" is not the command meant.
      checkCommandArguments(argsDef, rawArgs.slice(0, index), commandPath);
      const subCommand = await findSubCommand(subCommands, name);
      if (subCommand === undefined) return;
      await checkArguments(subCommand, rawArgs.slice(index + 1), [...commandPath, name]);
      return;
    }
    if (command.run === undefined) return;
  }
  checkCommandArguments(argsDef, rawArgs, commandPath);
}
