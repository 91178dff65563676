/**
 * @module
 * Reads an alert rules file for `modelscout serve --alerts rules.json` and validates it with
 * `parseAlertRules` (errors name the field: `rules[0].conditions[1].min_drop_percent: ...`).
 * JSON only, like the shipped example (`monitor/example-rules/review-on-drop.json`), whose
 * `$schema` points at the schema `modelscout schema alerts` prints.
 */
import { readFile } from "node:fs/promises";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { type AlertRule, parseAlertRules } from "../../monitor/alert-rules.js";

export async function readAlertRulesFile(path: string): Promise<AlertRule[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelScoutError(
      code === "ENOENT" ? "NOT_FOUND" : "INVALID_ARGUMENT",
      code === "ENOENT"
        ? `Alert rules file ${path} does not exist. Give the path of a JSON rules file, or leave --alerts out to use the shipped review-on-drop rule.`
        : `Cannot read alert rules file ${path}: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `Alert rules file ${path} is not valid JSON: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  return parseAlertRules(value, `Alert rules ${path}`);
}
