/**
 * @module
 * What a selection starts from, however it was given: a task spec file, a spec written inline
 * (an agent's tool call), or a request in plain words turned into a spec by the rules or by
 * an LLM (`request-to-spec.ts`), with a sample data file that replaces the spec's data block.
 * `modelscout select` and the agent tools (`src/agent/`) both read their arguments through it,
 * so a spec means the same whichever shell it came through.
 */
import { resolve } from "node:path";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { readTaskSpecFile } from "./read-task-spec.js";
import {
  type RequestToSpecLlmOptions,
  requestToSpec,
  requestToSpecWithLlm,
} from "./request-to-spec.js";

export interface SelectionInputOptions {
  /** A task spec file (JSON or YAML); its relative paths are read from its folder. */
  specPath?: string;
  /** A task spec as a document (parsed JSON); its relative paths are read from `baseDirectory`. */
  spec?: unknown;
  /** A request in plain words, turned into a spec. */
  request?: string;
  /** With `request`: the LLM that writes the spec (the rules otherwise). */
  llm?: RequestToSpecLlmOptions;
  /** A sample data file (JSONL or CSV of text and label) in place of the spec's whole data block. */
  dataPath?: string;
  /** Where relative paths of an inline spec, `dataPath` and `specPath` are read from (default: the working directory). */
  baseDirectory?: string;
  /** How the shell names each input in its messages (default: "a spec", "a spec file", "a request"). */
  names?: { spec?: string; specPath?: string; request?: string };
}

export interface SelectionInput {
  /** The spec as written, before validation (what the decision record keeps). */
  specInput: unknown;
  /** Where it came from, for the decision record and messages. */
  specSource: string;
  /** The folder a spec's relative paths are read from. */
  baseDirectory: string;
  /** With `request`: what each rule matched, and what was guessed or left at a default. */
  notes: string[];
  /** With `request`: the spec made from it, as a user would write it. */
  madeSpec?: unknown;
}

/**
 * Exactly one of `specPath`, `spec` or `request`. Throws `INVALID_ARGUMENT` naming the
 * inputs when none or several are given, and what `readTaskSpecFile` throws for a file; the
 * spec itself is not validated here (`parseTaskSpec` does, naming each field).
 */
export async function selectionInput(options: SelectionInputOptions): Promise<SelectionInput> {
  const names = {
    spec: options.names?.spec ?? "a spec",
    specPath: options.names?.specPath ?? "a spec file",
    request: options.names?.request ?? "a request",
  };
  const given = [
    options.specPath !== undefined && names.specPath,
    options.spec !== undefined && names.spec,
    options.request !== undefined && names.request,
  ].filter((name): name is string => name !== false);
  if (given.length !== 1) {
    const [first, second, third] = given;
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      given.length === 0
        ? `Give one of ${names.specPath}, ${names.spec} or ${names.request}.`
        : given.length === 2
          ? `Give ${first} or ${second}, not both.`
          : `Give one of ${first}, ${second} or ${third}, not all three.`,
    );
  }
  const base = resolve(options.baseDirectory ?? process.cwd());
  const dataPath = options.dataPath === undefined ? undefined : resolve(base, options.dataPath);
  if (options.specPath !== undefined) {
    const file = await readTaskSpecFile(resolve(base, options.specPath));
    return {
      specInput: dataPath === undefined ? file.input : withDataFile(file.input, dataPath),
      specSource: options.specPath,
      baseDirectory: file.baseDirectory,
      notes: [],
    };
  }
  if (options.spec !== undefined) {
    return {
      specInput: dataPath === undefined ? options.spec : withDataFile(options.spec, dataPath),
      specSource: "inline spec",
      baseDirectory: base,
      notes: [],
    };
  }
  const request = options.request as string;
  const made =
    options.llm === undefined
      ? requestToSpec(request)
      : await requestToSpecWithLlm(request, options.llm);
  const specInput = { ...made.spec, ...(dataPath !== undefined && { data: { path: dataPath } }) };
  return {
    specInput,
    specSource: `request: ${JSON.stringify(request)}`,
    baseDirectory: base,
    // With a data file, the rules' note that the request named none says nothing.
    notes: made.notes.filter(
      (note) => dataPath === undefined || !note.startsWith("No data file named"),
    ),
    madeSpec: specInput,
  };
}

/**
 * The LLM that turns requests into specs, as configured: `MODELSCOUT_LLM_ENDPOINT` (an
 * OpenAI-compatible base URL), `MODELSCOUT_LLM_MODEL` (default gpt-4o-mini) and
 * `MODELSCOUT_LLM_API_KEY`, each overridden by the shell's own option where it has one
 * (`select --llm-endpoint`, `--llm-model`); undefined without an endpoint (the rules then).
 */
export function requestLlm(
  env: NodeJS.ProcessEnv,
  overrides: { endpoint?: string | undefined; model?: string | undefined } = {},
): RequestToSpecLlmOptions | undefined {
  const endpoint = overrides.endpoint ?? env.MODELSCOUT_LLM_ENDPOINT;
  if (endpoint === undefined || endpoint === "") return undefined;
  const apiKey = env.MODELSCOUT_LLM_API_KEY;
  return {
    baseUrl: endpoint,
    model: overrides.model ?? env.MODELSCOUT_LLM_MODEL ?? "gpt-4o-mini",
    ...(apiKey !== undefined && { apiKey }),
  };
}

/**
 * The spec with its whole `data` block replaced by `path`: the spec's `columns` and
 * `label_map` describe its own file, not this one, which is read in the default form
 * (`text`, `label`).
 */
function withDataFile(input: unknown, path: string): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  return { ...input, data: { path } };
}
