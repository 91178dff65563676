/**
 * @module
 * Lines for a config file's problems. Validation names each problem by its field
 * (`routes[2].targets.text-generation: ...`), which is exact but leaves the user to count
 * list items in a long YAML file; this adds the line the field is written on
 * (`routes[2].targets.text-generation (line 45): ...`), found by walking the file's parsed
 * document. The YAML parser reads JSON too, so JSON files get lines the same way.
 */
import { readFileSync } from "node:fs";
import { isMap, isSeq, LineCounter, type Node, type Pair, parseDocument } from "yaml";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { problemsMessage } from "../errors/problems-message.js";

/**
 * The name validation calls a key by when that differs from how it is written (a task alias,
 * `chat`, named `text-generation` in messages); undefined when it does not.
 */
export type KeyAlias = (written: string) => string | undefined;

/**
 * The line (1-based) where `field` (`routes[2].targets.text-generation`, `examples.a.b`) is
 * written in `text`, or undefined when the file does not have it. A map key may itself hold
 * dots (a route named `v1.2`), so at each map the longest key that the rest of the path
 * starts with is taken.
 */
export function lineOfField(
  text: string,
  field: string,
  alias: KeyAlias = () => undefined,
): number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false });
  let node: unknown = document.contents;
  let offset: number | undefined;
  let rest = field;
  while (rest !== "") {
    const index = /^\[(\d+)\]/.exec(rest);
    if (index !== null) {
      if (!isSeq(node)) return undefined;
      node = node.items[Number(index[1])];
      if (node === undefined || node === null) return undefined;
      offset = (node as Node).range?.[0];
      rest = rest.slice(index[0].length);
    } else {
      if (!isMap(node)) return undefined;
      const path = rest.startsWith(".") ? rest.slice(1) : rest;
      let found: Pair | undefined;
      let foundKey = "";
      for (const pair of node.items) {
        const written = String((pair.key as { value?: unknown } | null)?.value ?? "");
        for (const key of [written, alias(written)]) {
          if (key === undefined) continue;
          const next = path.charAt(key.length);
          if (
            key.length > foundKey.length &&
            path.startsWith(key) &&
            (next === "" || next === "." || next === "[")
          ) {
            found = pair;
            foundKey = key;
          }
        }
      }
      if (found === undefined) return undefined;
      offset = (found.key as Node | null)?.range?.[0];
      node = found.value;
      rest = path.slice(foundKey.length);
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

/** `field: message` with the field's line added, pointing at an unknown field itself. */
function withLine(problem: string, text: string, alias: KeyAlias): string {
  const colon = problem.indexOf(": ");
  if (colon <= 0) return problem;
  const field = problem.slice(0, colon);
  const message = problem.slice(colon + 2);
  const unknown = /^unknown field\(s\) "([^"]+)"/.exec(message)?.[1];
  const line =
    (unknown === undefined ? undefined : lineOfField(text, `${field}.${unknown}`, alias)) ??
    lineOfField(text, field, alias);
  return line === undefined ? problem : `${field} (line ${line}): ${message}`;
}

/**
 * The error again with each problem's line in the file, when it is a config error that lists
 * its problems by field (`details.problems`) and starts with `prefix` (`Routes config
 * routes.yaml`); any other error, or a file that cannot be read now, is returned unchanged.
 */
export function withConfigLines(
  error: unknown,
  path: string,
  prefix: string,
  alias: KeyAlias = () => undefined,
): unknown {
  if (!(error instanceof ModelScoutError) || !error.message.startsWith(`${prefix}: `)) {
    return error;
  }
  const problems = error.details?.problems;
  if (!Array.isArray(problems) || !problems.every((problem) => typeof problem === "string")) {
    return error;
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return error;
  }
  // A file on one line (JSON a program wrote) would say "line 1" of everything.
  if (!text.trimEnd().includes("\n")) return error;
  const located = problems.map((problem) => withLine(problem, text, alias));
  return new ModelScoutError(error.code, problemsMessage(prefix, located), {
    cause: error.cause,
    isRetryable: error.isRetryable,
    details: { ...error.details, problems: located },
  });
}
