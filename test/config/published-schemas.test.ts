/**
 * The schema files under `schemas/` (shipped in the package for editors) are the schemas the
 * code validates with, and a file that names its schema in `$schema` is still valid.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PUBLISHED_SCHEMAS } from "../../src/config/published-schemas.js";
import { schemaReference } from "../../src/config/schema-reference.js";
import { parseAlertRules } from "../../src/monitor/alert-rules.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { parseTaskSpec } from "../../src/select/task-spec.js";

const schemaFile = (file: string) => new URL(`../../schemas/${file}`, import.meta.url);

describe("published schemas", () => {
  it.each(PUBLISHED_SCHEMAS.map((entry) => [entry.file, entry] as const))(
    "schemas/%s is the schema the code validates with",
    (_file, { file, schema }) => {
      const published = JSON.parse(readFileSync(schemaFile(file), "utf8")) as unknown;
      expect(
        published,
        `schemas/${file} is behind the code: run npx tsx scripts/write-schemas.ts`,
      ).toEqual(schema());
    },
  );

  it.each(PUBLISHED_SCHEMAS.map((entry) => [entry.reference, entry] as const))(
    "docs/reference/%s is the reference of that schema",
    (_reference, { file, reference, schema }) => {
      const written = readFileSync(
        new URL(`../../docs/reference/${reference}`, import.meta.url),
        "utf8",
      );
      expect(
        written,
        `docs/reference/${reference} is behind the code: run npx tsx scripts/write-schemas.ts`,
      ).toBe(schemaReference(schema(), file));
    },
  );

  it("ship in the npm package", () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as { files: string[] };
    expect(manifest.files).toContain("schemas");
  });

  it("let each file name its schema in $schema", () => {
    const $schema = "./node_modules/modelscout/schemas/x.json";
    expect(parseTaskSpec({ $schema, task_type: "sentiment" }).task).toBe("text-classification");
    const routes = parseRoutesConfig({
      $schema,
      models: [{ id: "echo:a", kind: "echo" }],
      routes: [{ name: "desk", targets: { chat: { candidates: ["echo:a"] } } }],
    });
    expect(routes.routes.map((route) => route.name)).toEqual(["desk"]);
    expect(parseAlertRules({ $schema, rules: [] }).length).toBe(0);
    // Any other unknown field is still refused, by name.
    expect(() => parseTaskSpec({ $schemas: $schema, task_type: "sentiment" })).toThrow(
      /unknown field\(s\) "\$schemas"/,
    );
  });
});
