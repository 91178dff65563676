/**
 * @module
 * Writes the published JSON Schemas of ModelScout's configuration files to `schemas/`, from
 * the zod schemas that validate them, so editors can check a file as it is written:
 *
 *   npx tsx scripts/write-schemas.ts
 *
 * - `schemas/task-spec.json`: a task spec (`modelscout select <spec>`);
 * - `schemas/routes.json`: a routes config (`modelscout serve --config`);
 * - `schemas/alert-rules.json`: alert rules (`modelscout serve --alerts`).
 *
 * They ship in the npm package. A JSON file names one in its `$schema` field
 * (`"$schema": "./node_modules/modelscout/schemas/routes.json"`), a YAML file in a
 * `# yaml-language-server: $schema=...` comment. `modelscout schema task|routes|alerts`
 * prints the same; `test/config/published-schemas.test.ts` fails when a file here is behind
 * the code, and says to run this script. Each also gets a Markdown reference for people,
 * `docs/reference/{task-spec,routes-config,alert-rules}.md` (`schema-reference.ts`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PUBLISHED_SCHEMAS } from "../src/config/published-schemas.js";
import { schemaReference } from "../src/config/schema-reference.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const folder = join(root, "schemas");
const references = join(root, "docs", "reference");
mkdirSync(folder, { recursive: true });
mkdirSync(references, { recursive: true });
for (const { file, reference, schema } of PUBLISHED_SCHEMAS) {
  writeFileSync(join(folder, file), `${JSON.stringify(schema(), null, 2)}\n`);
  console.log(`wrote schemas/${file}`);
  writeFileSync(join(references, reference), schemaReference(schema(), file));
  console.log(`wrote docs/reference/${reference}`);
}
// As the rest of the repository is formatted, so the check of the tree stays clean.
execFileSync("npx", ["biome", "format", "--write", "schemas"], { cwd: root, stdio: "inherit" });
