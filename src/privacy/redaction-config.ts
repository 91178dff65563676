/**
 * @module
 * The user-facing redaction setting: on by default with every type; `enabled: false` turns it
 * off, `types` narrows it. Validated with zod at the edge (config files, the server's options)
 * with errors that name the field; the JSON Schema is published from the same schema.
 */

import { z } from "zod";
import { describeIssue, dottedPath } from "../config/zod-issues.js";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { REDACTION_TYPES, type RedactionType } from "./personal-data-detectors.js";

export const redactionConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .optional()
      .describe(
        "Redaction runs before anything is stored or logged; false turns it off. Default true.",
      ),
    types: z
      .array(z.enum(REDACTION_TYPES))
      .optional()
      .describe(
        "Which kinds to remove. Default: all of `email`, `phone`, `card`, `id`, `iban`, `ip`.",
      ),
  })
  .strict()
  .describe(
    "ModelScout redaction setting: which personal data is replaced by a typed placeholder (`[EMAIL]`, `[PHONE]`...) in text before it is stored or logged. On by default with every type; `enabled: false` turns it off, `types` narrows it.",
  );

export type RedactionConfig = z.input<typeof redactionConfigSchema>;

export interface ResolvedRedactionConfig {
  enabled: boolean;
  types: ReadonlySet<RedactionType>;
}

/** Validates a redaction setting; errors name the field (`redaction.types.1: ...`). */
export function parseRedactionConfig(input: unknown): RedactionConfig {
  const parsed = redactionConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = dottedPath(["redaction", ...issue.path]);
    if (issue.code === "invalid_value") {
      return `${field}: must be one of ${REDACTION_TYPES.join(", ")}`;
    }
    return describeIssue(issue, field);
  });
  throw new ModelScoutError("INVALID_ARGUMENT", `Redaction config: ${problems.join("; ")}`, {
    details: { issues: parsed.error.issues },
  });
}

export function resolveRedactionConfig(
  config: RedactionConfig | undefined,
): ResolvedRedactionConfig {
  const valid = parseRedactionConfig(config ?? {});
  return {
    enabled: valid.enabled ?? true,
    types: new Set(valid.types ?? REDACTION_TYPES),
  };
}

/** The published JSON Schema of the redaction setting. */
export function redactionConfigJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://modelscout.dev/schemas/redaction.json",
    title: "ModelScout redaction setting",
    ...(z.toJSONSchema(redactionConfigSchema, { io: "input" }) as Record<string, unknown>),
  };
}
