/** The agent tools in process: what a cancelled selection leaves, and the tools' own checks. */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentTools } from "../../src/agent/agent-tools.js";
import { openCatalog } from "../../src/catalog/open-catalog.js";
import { writeLexiconSpec } from "../support/lexicon-spec.js";

const SENTENCES = fileURLToPath(
  new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);

let tools: AgentTools;
let work: string;

const tool = (name: string) => {
  const found = tools.list().find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no tool ${name}`);
  return found;
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "ms-agent-tools-"));
  copyFileSync(SENTENCES, join(work, "sentences.jsonl"));
  writeLexiconSpec(work, { path: "sentences.jsonl" });
  const env: NodeJS.ProcessEnv = { ...process.env, MODELSCOUT_HOME: join(work, "home") };
  delete env.MODELSCOUT_STATE_URL;
  delete env.MODELSCOUT_CATALOG_URL;
  tools = new AgentTools({ openCatalog: () => openCatalog({ env }), baseDirectory: work, env });
});

afterAll(async () => {
  await tools?.close();
});

describe("agent tools", () => {
  it("a cancelled selection stops, says so, and is stored as aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const select = tool("select_model");
    await expect(
      select.run(select.input.parse({ spec_path: "task.json" }), { signal: controller.signal }),
    ).rejects.toMatchObject({
      code: "ABORTED",
      message: expect.stringMatching(/Decision dec_\w+ was stored as aborted\.$/),
    });
    const list = tool("list_decisions");
    const listed = await list.run(list.input.parse({}), { signal: new AbortController().signal });
    expect(listed.data.decisions).toEqual([expect.objectContaining({ status: "aborted" })]);
  });

  it("reads paths from the folder it was given, not the process's", async () => {
    const check = tool("check_selection");
    const plan = await check.run(check.input.parse({ spec_path: "task.json" }), {
      signal: new AbortController().signal,
    });
    expect((plan.data.data as { path: string }).path).toBe(join(work, "sentences.jsonl"));
  });

  it("gives each tool's arguments a JSON Schema an agent can read", () => {
    for (const each of tools.list()) {
      const schema = each.input.toJSONSchema() as {
        type: string;
        properties: Record<string, { description?: string }>;
      };
      expect(schema.type).toBe("object");
      for (const [field, property] of Object.entries(schema.properties)) {
        expect(property.description, `${each.name}.${field}`).toBeTruthy();
      }
    }
  });
});
