/**
 * @module
 * zod's issues as the messages users read, one wording for every file and request ModelScout
 * checks (task specs, routes configs, alert rules, redaction settings, catalog queries, the
 * HTTP API's bodies): an unknown field is named as one, a missing field says it is required
 * rather than "received undefined", and a field's name is not said twice when a schema's own
 * message already starts with it. Where the field is written (and how its path is spelled)
 * stays the caller's.
 */
import type { z } from "zod";

/** zod's own message for a field that is absent (its English locale, the one in use). */
const ABSENT = /^Invalid input: expected (\w+), received undefined$/;

/** The issue's message, without the field's name. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return `unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
  }
  if (issue.code === "invalid_type") {
    const absent = ABSENT.exec(issue.message);
    if (absent !== null) return `required (expected ${absent[1]})`;
  }
  return issue.message;
}

/**
 * `field: message` for the issue; the message alone at the root (`field` ""), or when the
 * schema's own message already starts with the field's name ("stop must be a string...").
 */
export function describeIssue(issue: z.core.$ZodIssue, field: string): string {
  const message = issueMessage(issue);
  if (field === "" || message.startsWith(`${field} `)) return message;
  return `${field}: ${message}`;
}

/** A path as dotted names (`data.columns.input`, `rules.0.when`). */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map(String).join(".");
}
