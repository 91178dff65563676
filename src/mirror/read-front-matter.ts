/**
 * @module
 * Reads the YAML front matter of a model card (README.md) well enough for the fields the Hub
 * lists: top-level scalars (`license: mit`), block lists (`language:` then `- en` lines),
 * inline lists (`language: [en, fr]`) and JSON flow values (`model-index: [{...}]`, what
 * `onnx-build/model-card.ts` writes). Nested block mappings are skipped rather than guessed
 * at; a card the reader cannot follow yields fewer fields, never an error, as on the Hub
 * a malformed card never hides the model.
 */

function scalar(text: string): unknown {
  const value = text.trim();
  if (value === "") return null;
  if (value.startsWith("[") || value.startsWith("{") || value.startsWith('"')) {
    try {
      return JSON.parse(value);
    } catch {
      if (value.startsWith("[") && value.endsWith("]")) {
        // A YAML inline list of plain words: [en, fr]
        return value
          .slice(1, -1)
          .split(",")
          .map((item) => scalar(item))
          .filter((item) => item !== null);
      }
      return value;
    }
  }
  if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) {
    return value.slice(1, -1).replaceAll("''", "'");
  }
  if (value === "true" || value === "false") return value === "true";
  if (value === "null" || value === "~") return null;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** The front matter's fields, or `{}` when the text has none. */
export function readFrontMatter(markdown: string): Record<string, unknown> {
  const lines = markdown.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return {};
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === "---");
  if (end === -1) return {};
  const fields: Record<string, unknown> = {};
  let listKey: string | null = null;
  for (const line of lines.slice(1, end)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item !== null && listKey !== null) {
      (fields[listKey] as unknown[]).push(scalar(item[1] ?? ""));
      continue;
    }
    if (/^\s/.test(line)) {
      // An indented line that is not a list item belongs to a nested mapping.
      if (listKey !== null) {
        delete fields[listKey];
        listKey = null;
      }
      continue;
    }
    const entry = /^([^:#\s][^:]*):(?:\s+(.*))?$/.exec(line);
    listKey = null;
    if (entry === null) continue;
    const key = (entry[1] ?? "").trim();
    const rest = entry[2]?.trim() ?? "";
    if (rest === "") {
      fields[key] = [];
      listKey = key;
    } else {
      fields[key] = scalar(rest);
    }
  }
  // A key with nothing under it is an empty value, not an empty list.
  for (const [key, value] of Object.entries(fields)) {
    if (Array.isArray(value) && value.length === 0) delete fields[key];
  }
  return fields;
}
