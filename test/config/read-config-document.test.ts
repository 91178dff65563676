import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfigDocument } from "../../src/config/read-config-document.js";

const ROUTES = { name: "Routes config", missingHint: "Give a path.", yaml: true };
const RULES = { name: "Alert rules file", missingHint: "Leave --alerts out.", yaml: false };

describe("readConfigDocument", () => {
  const directory = mkdtempSync(join(tmpdir(), "ms-config-doc-"));
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };

  it("reads JSON by extension and YAML otherwise", async () => {
    expect(await readConfigDocument(file("a.json", '{"x": 1}'), ROUTES)).toEqual({ x: 1 });
    expect(await readConfigDocument(file("a.yaml", "x: 1\ny: [a, b]\n"), ROUTES)).toEqual({
      x: 1,
      y: ["a", "b"],
    });
  });

  it("names the file and what to do when it is missing or unreadable", async () => {
    const missing = join(directory, "missing.yaml");
    await expect(readConfigDocument(missing, ROUTES)).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: `Routes config ${missing} does not exist. Give a path.`,
    });
    await expect(readConfigDocument(directory, RULES)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/^Cannot read alert rules file .*: EISDIR/),
    });
  });

  it("gives the line and column of a YAML error, and parses JSON only when YAML is not taken", async () => {
    const yaml = file("bad.yaml", "a: 1\nb: [unclosed\n");
    await expect(readConfigDocument(yaml, ROUTES)).rejects.toThrow(
      /^Routes config .*bad\.yaml is not valid YAML at line \d+, column \d+: /,
    );
    // The position once, not again at the end of the parser's message with a dangling colon.
    const indented = file("indented.yaml", "a:\n  b: 1\n c: 2\n");
    const error = await readConfigDocument(indented, ROUTES).catch((caught: Error) => caught);
    expect((error as Error).message).toMatch(
      /is not valid YAML at line 3, column \d+: All mapping items must start at the same column$/,
    );
    const rules = file("rules.yaml", "rules: []\n");
    await expect(readConfigDocument(rules, RULES)).rejects.toThrow(
      /^Alert rules file .*rules\.yaml is not valid JSON: /,
    );
    await expect(readConfigDocument(file("bad.json", "{"), ROUTES)).rejects.toThrow(
      /^Routes config .*bad\.json is not valid JSON at line 1, column 2: /,
    );
  });
});

describe("readConfigDocument's JSON errors", () => {
  const directory = mkdtempSync(join(tmpdir(), "ms-config-json-"));
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };

  it("gives the line and column of a JSON syntax error, not an offset into the file", async () => {
    const path = file("comma.json", '{\n  "version": 1,\n  "routes": [],,\n  "x": 2\n}\n');
    const error = await readConfigDocument(path, ROUTES).catch((caught: Error) => caught);
    expect((error as Error).message).toBe(
      `Routes config ${path} is not valid JSON at line 3, column 16: Expected double-quoted property name`,
    );
  });

  it("says JSON takes no comments, and that YAML does where YAML is read", async () => {
    const text = '// routes for the shop\n{"version": 1}\n';
    await expect(readConfigDocument(file("commented.json", text), ROUTES)).rejects.toThrow(
      /JSON has no comments: remove them, or write the file as \.yaml/,
    );
    await expect(readConfigDocument(file("rules.json", text), RULES)).rejects.toThrow(
      /JSON has no comments: remove them\)$/,
    );
  });

  it("reads a JSON file that starts with a byte order mark", async () => {
    expect(await readConfigDocument(file("bom.json", '\uFEFF{"x": 1}'), ROUTES)).toEqual({ x: 1 });
  });
});
