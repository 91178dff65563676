/**
 * @module
 * Alerts and review items are about the same subject: a rule, a route, a model. Listing
 * either by it builds the same SQL conditions, here.
 */

export interface SubjectFilter {
  ruleId?: string | undefined;
  route?: string | undefined;
  modelId?: string | undefined;
}

/** `column = ?` conditions (joined with AND by the caller) and their parameters, in order. */
export function subjectConditions(filter: SubjectFilter): {
  where: string[];
  parameters: unknown[];
} {
  const where: string[] = [];
  const parameters: unknown[] = [];
  for (const [column, value] of [
    ["rule_id", filter.ruleId],
    ["route", filter.route],
    ["model_id", filter.modelId],
  ] as const) {
    if (value !== undefined) {
      where.push(`${column} = ?`);
      parameters.push(value);
    }
  }
  return { where, parameters };
}
