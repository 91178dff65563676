/**
 * A config problem names its field and the line it is written on, in YAML and in JSON, with
 * list items, keys holding dots, task aliases and unknown fields found where they are written.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineOfField, withConfigLines } from "../../src/config/config-lines.js";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { readRoutesConfig } from "../../src/route/read-routes-config.js";

const directory = mkdtempSync(join(tmpdir(), "ms-config-lines-"));
const file = (name: string, text: string) => {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
};

const YAML = [
  "version: 1", // 1
  "classification:", // 2
  "  - kind: nearest-neighbour", // 3
  "    model: ngrams", // 4
  "    examples:", // 5
  "      v1.2: [hello]", // 6
  "routes:", // 7
  "  - name: v1.2", // 8
  "    targets:", // 9
  "      chat:", // 10
  "        polcy: fixed", // 11
  "        candidates:", // 12
  "          - a", // 13
  "          - { model: b, weight: 0 }", // 14
  "",
].join("\n");

describe("lineOfField", () => {
  it("finds list items, keys holding dots and keys by their alias", () => {
    expect(lineOfField(YAML, "routes[0].name")).toBe(8);
    expect(lineOfField(YAML, "classification[0].examples.v1.2")).toBe(6);
    expect(lineOfField(YAML, "routes[0].targets.chat.candidates[1].weight")).toBe(14);
    const alias = (key: string) => (key === "chat" ? "text-generation" : undefined);
    expect(lineOfField(YAML, "routes[0].targets.text-generation.candidates[0]", alias)).toBe(13);
  });

  it("finds nothing for a field the file does not have", () => {
    expect(lineOfField(YAML, "routes[3].name")).toBeUndefined();
    expect(lineOfField(YAML, "server.max_body_bytes")).toBeUndefined();
  });
});

describe("withConfigLines", () => {
  it("adds each problem's line, an unknown field's own, and leaves a one-line file alone", () => {
    const path = file("a.yaml", YAML);
    const error = new ModelScoutError("INVALID_ARGUMENT", "Routes config a.yaml: x", {
      details: {
        problems: [
          'routes[0].targets.chat: unknown field(s) "polcy"',
          "routes[0].name: taken",
          "nowhere: not in the file",
        ],
      },
    });
    const located = withConfigLines(error, path, "Routes config a.yaml") as ModelScoutError;
    expect(located.message).toBe(
      [
        "Routes config a.yaml: 3 problems:",
        '  - routes[0].targets.chat (line 11): unknown field(s) "polcy"',
        "  - routes[0].name (line 8): taken",
        "  - nowhere: not in the file",
      ].join("\n"),
    );
    expect(located.code).toBe("INVALID_ARGUMENT");
    const oneLine = file("one.json", '{"routes": []}');
    expect(withConfigLines(error, oneLine, "Routes config a.yaml")).toBe(error);
    expect(withConfigLines(new Error("other"), path, "Routes config a.yaml")).toBeInstanceOf(Error);
  });

  it("gives the lines of a routes config's problems, in YAML and in JSON", async () => {
    const yaml = file(
      "routes.yaml",
      YAML.replace("version: 1", "models: [{ id: ngrams, kind: hashed-ngrams }]"),
    );
    await expect(readRoutesConfig(yaml)).rejects.toThrow(
      [
        `Routes config ${yaml}: 2 problems:`,
        "  - routes[0].targets.chat.candidates[1].weight (line 14): must be a number > 0",
        '  - routes[0].targets.chat (line 11): unknown field(s) "polcy" (did you mean "policy"?)',
      ].join("\n"),
    );
    const json = file(
      "routes.json",
      JSON.stringify(
        { routes: [{ name: "a", targets: { chat: { candidates: ["m"], retries: 9 } } }] },
        null,
        2,
      ),
    );
    await expect(readRoutesConfig(json)).rejects.toThrow(
      "routes[0].targets.chat.retries (line 10): Too big: expected number to be <=5",
    );
  });
});
