/**
 * Every property of every published JSON Schema carries a description, so an editor that
 * validates a config file against it (hover, completion) can say what each field is. The
 * descriptions come from `.describe(...)` on the zod schemas; a field added without one fails
 * here, named by its path.
 */
import { describe, expect, it, vi } from "vitest";
import schemaCommand from "../../src/cli/commands/schema.js";
import { main } from "../../src/cli/run-cli.js";
import { redactionConfigJsonSchema } from "../../src/privacy/redaction-config.js";

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function described(schema: unknown): boolean {
  return isObject(schema) && typeof schema.description === "string"
    ? schema.description.trim() !== ""
    : false;
}

/** The definition a local `$ref` (`#/$defs/Name`, `#/definitions/Name`) points at. */
function definition(root: JsonObject, ref: string): unknown {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (match === null) return undefined;
  const definitions = root[match[1] as string];
  const name = decodeURIComponent(match[2] as string)
    .replaceAll("~1", "/")
    .replaceAll("~0", "~");
  return isObject(definitions) ? definitions[name] : undefined;
}

/**
 * Walks a JSON Schema (properties, items, anyOf/oneOf/allOf, additionalProperties,
 * $defs/definitions...) and returns how many properties it has and the paths of those without
 * a non-empty description. A path reads like the data it describes: `routes[].targets.*.policy`,
 * with `<anyOf 2>` where a union's third branch is taken. A property that is a `$ref` counts as
 * described when the definition it points at is.
 */
function undescribedProperties(root: JsonObject): { properties: number; missing: string[] } {
  const missing: string[] = [];
  let properties = 0;
  const hasDescription = (schema: unknown): boolean =>
    described(schema) ||
    (isObject(schema) &&
      typeof schema.$ref === "string" &&
      described(definition(root, schema.$ref)));
  const walk = (schema: unknown, path: string): void => {
    if (!isObject(schema)) return;
    for (const key of ["properties", "patternProperties"] as const) {
      const children = schema[key];
      if (!isObject(children)) continue;
      for (const [name, child] of Object.entries(children)) {
        const childPath = key === "properties" ? `${path}.${name}` : `${path}./${name}/`;
        properties += 1;
        if (!hasDescription(child)) missing.push(childPath);
        walk(child, childPath);
      }
    }
    for (const key of ["prefixItems", "items"] as const) {
      const items = schema[key];
      if (Array.isArray(items)) {
        for (const [index, item] of items.entries()) walk(item, `${path}[${index}]`);
      } else {
        walk(items, `${path}[]`);
      }
    }
    walk(schema.additionalProperties, `${path}.*`);
    for (const key of ["anyOf", "oneOf", "allOf"] as const) {
      const branches = schema[key];
      if (!Array.isArray(branches)) continue;
      for (const [index, branch] of branches.entries()) walk(branch, `${path}<${key} ${index}>`);
    }
    for (const key of ["not", "if", "then", "else"] as const) walk(schema[key], path);
    for (const key of ["$defs", "definitions"] as const) {
      const definitions = schema[key];
      if (!isObject(definitions)) continue;
      for (const [name, child] of Object.entries(definitions)) walk(child, `#/${key}/${name}`);
    }
  };
  walk(root, "$");
  return { properties, missing };
}

/** What `modelscout schema <kind>` prints, run in this process. */
async function printedSchema(kind: string): Promise<JsonObject> {
  let printed = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    printed += String(chunk);
    return true;
  });
  try {
    expect(await main(["schema", kind])).toBe(0);
  } finally {
    write.mockRestore();
  }
  return JSON.parse(printed) as JsonObject;
}

describe("published JSON Schemas", () => {
  const kinds = Object.keys(schemaCommand.subCommands ?? {});

  it("covers every kind `modelscout schema` prints", () => {
    expect(kinds).toEqual(expect.arrayContaining(["task", "routes", "alerts"]));
  });

  it.each(kinds)("modelscout schema %s: every property has a description", async (kind) => {
    const schema = await printedSchema(kind);
    expect(described(schema), `${kind}: the top-level object has no description`).toBe(true);
    const { properties, missing } = undescribedProperties(schema);
    expect(properties).toBeGreaterThan(0);
    expect(
      missing,
      `${kind}: properties without a description (give the zod field a .describe("..."))`,
    ).toEqual([]);
  });

  it("redaction setting (redactionConfigJsonSchema): every property has a description", () => {
    const schema = redactionConfigJsonSchema();
    expect(described(schema)).toBe(true);
    const { properties, missing } = undescribedProperties(schema);
    expect(properties).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it("the walk finds undescribed properties in nested unions, records, arrays and refs", () => {
    const schema: JsonObject = {
      type: "object",
      properties: {
        ok: { type: "string", description: "fine" },
        blank: { type: "string", description: "  " },
        list: {
          description: "a list",
          type: "array",
          items: {
            anyOf: [
              { type: "string" },
              { type: "object", properties: { weight: { type: "number" } } },
            ],
          },
        },
        map: {
          description: "a map",
          type: "object",
          additionalProperties: { type: "object", properties: { deep: { type: "boolean" } } },
        },
        byRef: { $ref: "#/$defs/Described" },
        byBadRef: { $ref: "#/$defs/Bare" },
      },
      $defs: {
        Described: { type: "object", description: "has one" },
        Bare: { type: "object", properties: { inner: { type: "number" } } },
      },
    };
    expect(undescribedProperties(schema)).toEqual({
      properties: 9,
      missing: [
        "$.blank",
        "$.list[]<anyOf 1>.weight",
        "$.map.*.deep",
        "$.byBadRef",
        "#/$defs/Bare.inner",
      ],
    });
  });
});
