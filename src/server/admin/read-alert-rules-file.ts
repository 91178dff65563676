/**
 * @module
 * Reads an alert rules file for `modelscout serve --alerts rules.json` and validates it with
 * `parseAlertRules` (errors name the field: `rules[0].conditions[1].min_drop_percent: ...`).
 * JSON only, like the shipped example (`monitor/example-rules/review-on-drop.json`), whose
 * `$schema` points at the schema `modelscout schema alerts` prints.
 */
import { readConfigDocument } from "../../config/read-config-document.js";
import { type AlertRule, parseAlertRules } from "../../monitor/alert-rules.js";

export async function readAlertRulesFile(path: string): Promise<AlertRule[]> {
  const value = await readConfigDocument(path, {
    name: "Alert rules file",
    missingHint:
      "Give the path of a JSON rules file, or leave --alerts out to use the shipped review-on-drop rule.",
    yaml: false,
  });
  return parseAlertRules(value, `Alert rules ${path}`);
}
