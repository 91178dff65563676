/** The agent tools in process: what a cancelled selection leaves, and the tools' own checks. */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentTools } from "../../src/agent/agent-tools.js";
import { openCatalog } from "../../src/catalog/open-catalog.js";
import { startFakeOpenAIServer } from "../support/fake-openai-server.js";
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

  it("has a request in plain words written as a spec by the LLM select --request uses", async () => {
    const llm = await startFakeOpenAIServer({
      requiredApiKey: "sk-agent-test",
      // A stand-in LLM: whatever the request, this spec.
      chatReply: () =>
        JSON.stringify({
          task_type: "sentiment",
          input_constraints: { language: "en" },
          hardware: "Raspberry Pi 5",
        }),
    });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MODELSCOUT_HOME: join(work, "home"),
      MODELSCOUT_LLM_ENDPOINT: `${llm.url}/v1`,
      MODELSCOUT_LLM_MODEL: "spec-writer",
      MODELSCOUT_LLM_API_KEY: "sk-agent-test",
    };
    delete env.MODELSCOUT_STATE_URL;
    delete env.MODELSCOUT_CATALOG_URL;
    const withLlm = new AgentTools({
      openCatalog: () => openCatalog({ env }),
      baseDirectory: work,
      env,
    });
    try {
      const check = withLlm.list().find((candidate) => candidate.name === "check_selection");
      if (check === undefined) throw new Error("no check_selection");
      const plan = await check.run(
        check.input.parse({ request: "which sentiment model for English tweets on a Pi?" }),
        { signal: new AbortController().signal },
      );
      expect(plan.data.spec).toEqual({
        task_type: "sentiment",
        input_constraints: { language: "en" },
        hardware: "Raspberry Pi 5",
      });
      expect((plan.data.resolved as { hardware: string | null }).hardware).toBe("rpi5");
      expect(plan.text).toContain(`model "spec-writer" at ${llm.url}/v1`);
      expect(llm.requests.some((request) => request.path === "/v1/chat/completions")).toBe(true);
    } finally {
      await withLlm.close();
      await llm.close();
    }
  });
});
