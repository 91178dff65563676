/**
 * @module
 * The JSON Schemas of ModelScout's configuration files that are published: printed by
 * `modelscout schema task|routes|alerts` and shipped as files in the package's `schemas/`
 * folder (written by `scripts/write-schemas.ts`), for editors that validate a file as it is
 * written. Each file accepts a `$schema` field naming its schema, which ModelScout ignores.
 */
import { alertRulesJsonSchema } from "../monitor/alert-rules.js";
import { routesConfigJsonSchema } from "../route/routes-config.js";
import { taskSpecJsonSchema } from "../select/task-spec.js";

export interface PublishedSchema {
  /** The file under `schemas/`. */
  file: string;
  /** Its Markdown reference under `docs/reference/` (`schema-reference.ts`). */
  reference: string;
  schema: () => Record<string, unknown>;
}

export const PUBLISHED_SCHEMAS: readonly PublishedSchema[] = [
  { file: "task-spec.json", reference: "task-spec.md", schema: taskSpecJsonSchema },
  { file: "routes.json", reference: "routes-config.md", schema: routesConfigJsonSchema },
  { file: "alert-rules.json", reference: "alert-rules.md", schema: alertRulesJsonSchema },
];
