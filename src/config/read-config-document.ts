/**
 * @module
 * Reads a user's config document (task spec, routes config, alert rules) before its own
 * validation: the file, then JSON (`.json`, or always when YAML is not accepted) or YAML
 * (anything else; YAML also accepts JSON). Every failure names the file: a missing one says
 * what to do instead, a syntax error gives the line and column where the parser has them.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { ModelScoutError } from "../errors/modelscout-error.js";

export interface ConfigDocumentKind {
  /** How messages name the document, capitalised: `Routes config`, `Task spec`. */
  name: string;
  /** What to do when the file does not exist. */
  missingHint: string;
  /** Whether YAML is accepted (for paths not ending in `.json`). */
  yaml: boolean;
}

export async function readConfigDocument(path: string, kind: ConfigDocumentKind): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelScoutError(
      code === "ENOENT" ? "NOT_FOUND" : "INVALID_ARGUMENT",
      code === "ENOENT"
        ? `${kind.name} ${path} does not exist. ${kind.missingHint}`
        : `Cannot read ${kind.name.charAt(0).toLowerCase()}${kind.name.slice(1)} ${path}: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  return parseConfigText(text, path, kind);
}

/**
 * The parser's first line without its own "at line 4, column 1:" (the position is given
 * once, before it; the parser ends the line with a colon for the excerpt it prints next).
 */
function yamlProblem(error: Error): string {
  const first = error.message.split("\n")[0] ?? "";
  return first.replace(/\s*at line \d+, column \d+:?\s*$/, "").replace(/:\s*$/, "");
}

/**
 * JSON.parse's message as `at line L, column C: problem`. Node 20 says only "at position
 * 1189", an offset no editor shows, so the line and column are worked out from the text; a
 * later Node's own "(line 4 column 3)" is dropped for the same wording.
 */
function jsonProblem(error: Error, text: string): string {
  const message = error.message.replace(/\s*\(line \d+ column \d+\)/, "");
  const position = / in JSON at position (\d+)/.exec(message);
  if (position === null) return `: ${message}`;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}: ${message.replace(position[0], "")}`;
}

function parseConfigText(text: string, path: string, kind: ConfigDocumentKind): unknown {
  if (!kind.yaml || extname(path).toLowerCase() === ".json") {
    try {
      // A byte order mark (Windows editors write one) is not JSON, but says nothing wrong.
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      // Comments are the common reason a hand-written JSON config fails; YAML keeps them.
      const comments = /^\s*(\/\/|\/\*|#)/m.test(text)
        ? kind.yaml
          ? " (JSON has no comments: remove them, or write the file as .yaml, which takes comments and JSON alike)"
          : " (JSON has no comments: remove them)"
        : "";
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `${kind.name} ${path} is not valid JSON${jsonProblem(error as Error, text)}${comments}`,
        { cause: error, details: { path } },
      );
    }
  }
  try {
    return parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos?.[0] !== undefined
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : "";
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `${kind.name} ${path} is not valid YAML${where}: ${yamlProblem(error as Error)}`,
      { cause: error, details: { path } },
    );
  }
}
