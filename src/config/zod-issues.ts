/**
 * @module
 * zod's issues as the messages users read, one wording for every file and request ModelScout
 * checks (task specs, routes configs, alert rules, redaction settings, catalog queries, the
 * HTTP API's bodies): an unknown field is named as one, a missing field says it is required
 * rather than "received undefined", and a field's name is not said twice when a schema's own
 * message already starts with it. Where the field is written (and how its path is spelled)
 * stays the caller's. Given the schema, an unknown field that is a typo of one the schema
 * takes at that place says which (`"polcy" (did you mean "policy"?)`).
 */
import { z } from "zod";
import { closestMatch } from "../text/closest-match.js";

/** zod's own message for a field that is absent (its English locale, the one in use). */
const ABSENT = /^Invalid input: expected (\w+), received undefined$/;

type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
  allOf?: JsonSchemaNode[];
};

const jsonSchemas = new WeakMap<z.ZodType, JsonSchemaNode>();

/**
 * The field names the schema takes at `path` (every alternative's, where a field may be one of
 * several kinds). Read from the schema's JSON Schema, which spells out objects, arrays, maps
 * and unions the same way for any zod schema.
 */
function fieldsAt(schema: z.ZodType, path: readonly PropertyKey[]): Set<string> {
  let root = jsonSchemas.get(schema);
  if (root === undefined) {
    root = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
    jsonSchemas.set(schema, root);
  }
  const fields = new Set<string>();
  const visit = (node: JsonSchemaNode | boolean | undefined, at: number): void => {
    if (node === undefined || typeof node === "boolean") return;
    for (const alternative of [
      ...(node.oneOf ?? []),
      ...(node.anyOf ?? []),
      ...(node.allOf ?? []),
    ]) {
      visit(alternative, at);
    }
    if (at === path.length) {
      for (const name of Object.keys(node.properties ?? {})) fields.add(name);
      return;
    }
    const part = path[at];
    if (typeof part === "number") visit(node.items, at + 1);
    else visit(node.properties?.[String(part)] ?? node.additionalProperties, at + 1);
  };
  visit(root, 0);
  return fields;
}

/** A URL's `user:password@` (a credential, wherever it was written). */
const USERINFO = /^(?:[a-z][\w+.-]*:\/\/)?[^\s/@]+:[^\s/@]*@/i;

/** A field whose value may be a credential (`api_key`, `token`, `headers.authorization`...). */
function holdsSecret(path: readonly PropertyKey[]): boolean {
  return path.some(
    (part) =>
      typeof part === "string" && /key|token|secret|password|authori[sz]ation|cookie/i.test(part),
  );
}

/** `"polcy" (did you mean "policy"?)`, or the name alone when no known field is near it. */
function unknownField(key: string, known: ReadonlySet<string>): string {
  const suggestion = closestMatch(
    key,
    [...known].filter((name) => !name.startsWith("$")),
  );
  return suggestion === undefined ? `"${key}"` : `"${key}" (did you mean "${suggestion}"?)`;
}

/**
 * The issue's message, without the field's name. `schema`, the one the input was checked
 * against, lets an unknown field's message suggest the field it is a typo of.
 */
export function issueMessage(issue: z.core.$ZodIssue, schema?: z.ZodType): string {
  if (issue.code === "unrecognized_keys") {
    const known = schema === undefined ? new Set<string>() : fieldsAt(schema, issue.path);
    return `unknown field(s) ${issue.keys.map((key) => unknownField(key, known)).join(", ")}`;
  }
  if (issue.code === "invalid_type") {
    const absent = ABSENT.exec(issue.message);
    if (absent !== null) return `required (expected ${absent[1]})`;
  }
  // With the input reported (`safeParse(input, { reportInput: true })`), say what was written,
  // and which allowed value a misspelt one was meant to be.
  // Never a value of a field that holds a credential: the message is printed and logged.
  const written = (issue as { input?: unknown }).input;
  const input =
    holdsSecret(issue.path) || (typeof written === "string" && USERINFO.test(written))
      ? undefined
      : written;
  // A schema's own message may say it already ("must be a number > 0 (got "10%")").
  if (issue.message.includes("(got ")) return issue.message;
  if (issue.code === "invalid_value" && typeof input === "string") {
    const suggestion = closestMatch(
      input,
      issue.values.filter((value): value is string => typeof value === "string"),
    );
    return `${issue.message} (got ${JSON.stringify(input)}${suggestion === undefined ? "" : `; did you mean ${JSON.stringify(suggestion)}?`})`;
  }
  if (
    (issue.code === "invalid_type" || issue.code === "invalid_value") &&
    (typeof input === "string" || typeof input === "number")
  ) {
    const shown = JSON.stringify(input);
    if (shown.length <= 40) return `${issue.message} (got ${shown})`;
  }
  return issue.message;
}

/**
 * `field: message` for the issue; the message alone at the root (`field` ""), or when the
 * schema's own message already starts with the field's name ("stop must be a string...").
 */
export function describeIssue(issue: z.core.$ZodIssue, field: string, schema?: z.ZodType): string {
  const message = issueMessage(issue, schema);
  if (field === "" || message.startsWith(`${field} `)) return message;
  return `${field}: ${message}`;
}

/** A path as dotted names (`data.columns.input`, `rules.0.when`). */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
