/**
 * @module
 * The alert rules ModelScout ships as examples, read from their JSON files (the files users
 * copy) and validated like any user file. `review-on-drop`: a model selected 3 times in a row
 * whose accuracy dropped by more than 10% goes to human review.
 */

import { type AlertRule, parseAlertRules } from "./alert-rules.js";
import reviewOnDrop from "./example-rules/review-on-drop.json" with { type: "json" };

/** The rules file as written (for `modelscout` to print or copy). */
export const REVIEW_ON_DROP_RULES_FILE: unknown = reviewOnDrop;

/** The example rules, validated, with defaults applied. */
export function exampleAlertRules(): AlertRule[] {
  return parseAlertRules(reviewOnDrop, "example alert rules (review-on-drop.json)");
}
