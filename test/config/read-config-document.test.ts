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
      /^Routes config .*bad\.json is not valid JSON: /,
    );
  });
});
