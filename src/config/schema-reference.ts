/**
 * @module
 * A published JSON Schema (`published-schemas.ts`) as a Markdown reference for people: a
 * section per object, with a table of its fields (type and limits, default, what it does,
 * from the zod schemas' descriptions). Objects inside arrays are `field[]`, inside maps
 * `field.<key>`, and each variant of a `kind` union gets its own section, so every field a
 * file can hold is listed once, under the path where it is written. Written to
 * `docs/reference/` by `scripts/write-schemas.ts`; a test keeps the files in step with the
 * code.
 */

/** The parts of JSON Schema the published schemas use. */
interface Schema {
  title?: string;
  description?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

interface Section {
  path: string;
  schema: Schema;
}

/** The reference for one published schema, `file` being its name under `schemas/`. */
export function schemaReference(root: Record<string, unknown>, file: string): string {
  const schema = root as Schema;
  const sections: Section[] = [];
  collect(schema, "", sections);
  let text = `# ${schema.title ?? file}\n\n`;
  text +=
    `Generated from \`schemas/${file}\` (the schema the code checks files with) by ` +
    "`npx tsx scripts/write-schemas.ts`; do not edit by hand.\n\n";
  if (schema.description !== undefined) text += `${schema.description}\n\n`;
  for (const section of sections) text += renderSection(section);
  return `${text.trimEnd()}\n`;
}

/** Every object reachable from `schema`, depth first, in the order its fields are written. */
function collect(schema: Schema, path: string, sections: Section[]): void {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants !== undefined) {
    for (const variant of variants) {
      const kind = variant.properties?.kind?.const;
      collect(variant, kind === undefined ? path : `${path} (kind: "${String(kind)}")`, sections);
    }
    return;
  }
  if (schema.properties !== undefined) {
    sections.push({ path, schema });
    for (const [name, field] of Object.entries(schema.properties)) {
      collect(field, join(path, name), sections);
    }
    return;
  }
  if (schema.items !== undefined) {
    collect(schema.items, `${path}[]`, sections);
    return;
  }
  if (typeof schema.additionalProperties === "object") {
    collect(schema.additionalProperties, `${join(path, "<key>")}`, sections);
  }
}

function join(path: string, name: string): string {
  // A variant's label stays out of the paths below it.
  const base = path.replace(/ \(kind: "[^"]*"\)$/, "");
  return base === "" ? name : `${base}.${name}`;
}

function renderSection({ path, schema }: Section): string {
  let text = `## ${path === "" ? "Top level" : `\`${path.replace(/ \(kind.*$/, "")}\`${kindLabel(path)}`}\n\n`;
  if (path !== "" && schema.description !== undefined) text += `${oneLine(schema.description)}\n\n`;
  text += "| field | type | default | description |\n|---|---|---|---|\n";
  const required = new Set(schema.required ?? []);
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const type = typeOf(field);
    const fallback =
      field.default !== undefined
        ? field.properties !== undefined
          ? "each field's" // its fields' defaults, in its own section
          : `\`${JSON.stringify(field.default)}\``
        : required.has(name)
          ? "required"
          : "";
    text += `| \`${name}\` | ${cell(type)} | ${cell(fallback)} | ${cell(oneLine(field.description ?? ""))} |\n`;
  }
  return `${text}\n`;
}

function kindLabel(path: string): string {
  const match = / \(kind: "([^"]*)"\)$/.exec(path);
  return match === null ? "" : ` with \`kind: "${match[1]}"\``;
}

/** A field's type with its limits, as short as the schema allows. */
function typeOf(schema: Schema): string {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants !== undefined) {
    const kinds = variants.map((variant) => variant.properties?.kind?.const);
    if (kinds.every((kind) => kind !== undefined)) {
      return `object of kind ${kinds.map((kind) => JSON.stringify(kind)).join(", ")}`;
    }
    return variants.map(typeOf).join(" or ");
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum !== undefined)
    return schema.enum.map((value) => JSON.stringify(value)).join(", ");
  const type = Array.isArray(schema.type) ? schema.type.join(" or ") : (schema.type ?? "any");
  const limits: string[] = [];
  // zod writes the safe-integer bounds of an integer as limits; they limit nothing here.
  if (schema.minimum !== undefined && schema.minimum > -Number.MAX_SAFE_INTEGER) {
    limits.push(`≥ ${schema.minimum}`);
  }
  if (schema.exclusiveMinimum !== undefined) limits.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) {
    limits.push(`≤ ${schema.maximum}`);
  }
  if (schema.exclusiveMaximum !== undefined) limits.push(`< ${schema.exclusiveMaximum}`);
  if (schema.minLength !== undefined && schema.minLength > 1) {
    limits.push(`at least ${schema.minLength} characters`);
  }
  if (schema.maxLength !== undefined) limits.push(`at most ${schema.maxLength} characters`);
  if (schema.minItems !== undefined) limits.push(`at least ${schema.minItems}`);
  if (schema.maxItems !== undefined) limits.push(`at most ${schema.maxItems}`);
  if (schema.format !== undefined) limits.push(schema.format);
  let text = type;
  if (type === "array" && schema.items !== undefined) {
    const item = schema.items.properties !== undefined ? "objects" : typeOf(schema.items);
    text = `array of ${item.replace(/^object of kind/, "objects of kind")}`;
  } else if (type === "object" && typeof schema.additionalProperties === "object") {
    const value =
      schema.additionalProperties.properties !== undefined
        ? "object"
        : typeOf(schema.additionalProperties);
    text = `map of ${value}`;
  }
  return limits.length === 0 ? text : `${text} (${limits.join(", ")})`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

/** Text safe in a table cell. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}
