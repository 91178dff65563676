/**
 * The Markdown reference of a published schema lists every field once, under the path where
 * it is written: nested objects, objects in arrays (`[]`) and maps (`<key>`), and each kind
 * of a `kind` union in its own section, with types, limits, defaults and descriptions.
 */
import { describe, expect, it } from "vitest";
import { schemaReference } from "../../src/config/schema-reference.js";
import { routesConfigJsonSchema } from "../../src/route/routes-config.js";

const reference = schemaReference(routesConfigJsonSchema(), "routes.json");

/** The rows of the section headed `heading`, as `field | type | default` (descriptions cut). */
function rows(heading: string): string[] {
  const start = reference.indexOf(`## ${heading}\n`);
  expect(start, `no section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = reference.indexOf("\n## ", start + 1);
  return reference
    .slice(start, end === -1 ? undefined : end)
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split(" | ").slice(0, 3).join(" | "));
}

describe("schemaReference", () => {
  it("lists a nested object's fields with limits and defaults", () => {
    expect(rows("`server.circuit_breaker`")).toEqual([
      "| `failure_threshold` | integer (> 0) | `5`",
      "| `cool_down_ms` | integer (> 0) | `30000`",
    ]);
  });

  it("gives each kind of a union its own section", () => {
    expect(reference).toContain('## `models[]` with `kind: "openai"`');
    expect(rows('`models[]` with `kind: "echo"`')).toContainEqual('| `kind` | "echo" | required');
    expect(rows("Top level")).toContainEqual(
      '| `classification` | array of objects of kind "rules", "nearest-neighbour", "classifier" | `[]`',
    );
  });

  it("names objects inside arrays and maps by their path", () => {
    expect(rows("`routes[].targets.<key>`").map((row) => row.split(" | ")[0])).toEqual(
      expect.arrayContaining(["| `policy`", "| `candidates`", "| `timeout_ms`"]),
    );
    expect(rows("`routes[].targets.<key>.candidates[]`")).toContainEqual(
      "| `weight` | number (> 0) | ",
    );
  });

  it("leaves out zod's safe-integer bounds, which limit nothing", () => {
    expect(reference).not.toContain("9007199254740991");
  });
});
