/**
 * The agent tools in process: what a cancelled selection leaves, the tools' own checks, and
 * what the production tools read of a real routing server's state.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentTools } from "../../src/agent/agent-tools.js";
import { openCatalog } from "../../src/catalog/open-catalog.js";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { postJson } from "../server/routing-test-support.js";
import { startFakeOpenAIServer } from "../support/fake-openai-server.js";
import { writeLexiconSpec } from "../support/lexicon-spec.js";

const SENTENCES = fileURLToPath(
  new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);

let tools: AgentTools;
let work: string;
let env: NodeJS.ProcessEnv;

const tool = (name: string) => {
  const found = tools.list().find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no tool ${name}`);
  return found;
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "ms-agent-tools-"));
  copyFileSync(SENTENCES, join(work, "sentences.jsonl"));
  writeLexiconSpec(work, { path: "sentences.jsonl" });
  env = { ...process.env, MODELSCOUT_HOME: join(work, "home") };
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

describe("the production tools, on a routing server's state", () => {
  let server: RoutingServer | undefined;
  afterAll(async () => {
    await server?.close();
  });

  it("summarize its traffic and its learner's standings, as the CLI prints them", async () => {
    const home = join(work, "home");
    mkdirSync(home, { recursive: true });
    const echo = (id: string) => ({ id, kind: "echo" as const, template: `${id}: {{input}}` });
    server = await startRoutingServer({
      config: parseRoutesConfig({
        models: [echo("echo:careful"), echo("echo:sloppy")],
        routes: [
          {
            name: "desk",
            targets: {
              "text-generation": { policy: "bandit", candidates: ["echo:careful", "echo:sloppy"] },
            },
          },
        ],
      }),
      port: 0,
      // The state file the tools read (MODELSCOUT_HOME's), written by the server beside them.
      databasePath: join(home, "state.db"),
      env,
      createLearner: (database) => new ThompsonRouteLearner({ database }),
    });
    const url = server.url;
    const answered = new Map<string, number>();
    for (let request = 0; request < 30; request += 1) {
      const answer = await postJson(`${url}/v1/chat/completions`, {
        model: "desk",
        messages: [{ role: "user", content: `question ${request}` }],
      });
      expect(answer.status).toBe(200);
      const model = answer.json.modelscout.model as string;
      answered.set(model, (answered.get(model) ?? 0) + 1);
      const feedback = await postJson(`${url}/v1/feedback`, {
        request_id: answer.json.modelscout.request_id,
        correct: model === "echo:careful",
      });
      expect(feedback.status).toBe(200);
    }
    const call = { signal: new AbortController().signal };
    const traffic = tool("traffic_summary");
    // The request log is written in batches by its own thread: wait for all 30 rows.
    const summary = async () => (await traffic.run(traffic.input.parse({}), call)).data;
    await expect
      .poll(async () => {
        const rows = (await summary()).routes as { requests: number }[];
        return rows.reduce((sum, row) => sum + row.requests, 0);
      })
      .toBe(30);
    const read = await traffic.run(traffic.input.parse({ since: "1h", route: "desk" }), call);
    const rows = read.data.routes as {
      route: string;
      model: string;
      requests: number;
      feedback: number;
      meanReward: number | null;
    }[];
    expect(new Map(rows.map((row) => [row.model, row.requests]))).toEqual(answered);
    for (const row of rows) {
      expect(row.route).toBe("desk");
      expect(row.feedback).toBe(row.requests);
      expect(row.meanReward).toBe(row.model === "echo:careful" ? 1 : 0);
    }
    expect(read.text).toMatch(/^Routed requests since .* UTC:\n/);
    expect(read.text).toMatch(/desk\s+echo:careful\s+\d+\s+0\s/);
    await expect(
      traffic.run(traffic.input.parse({ since: "yesterday" }), call),
    ).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("since must be a duration such as 30m, 24h or 7d"),
    });

    const standings = tool("route_standings");
    const learned = await standings.run(standings.input.parse({ hide_removed: true }), call);
    const byModel = new Map(
      (
        learned.data.standings as {
          route: string;
          domain: string | null;
          modelId: string;
          mean: number;
        }[]
      )
        .filter((row) => row.domain === null)
        .map((row) => [row.modelId, row]),
    );
    expect(byModel.get("echo:careful")?.route).toBe("desk/text-generation");
    expect(byModel.get("echo:careful")?.mean).toBeGreaterThan(
      byModel.get("echo:sloppy")?.mean ?? 1,
    );
    // The server recorded its routes config at its start: both models are in service.
    expect(learned.text).toMatch(
      /desk\/text-generation\s+all\s+echo:careful\s+0\.\d{3}.*in service/,
    );
    expect(learned.data.removed).toBe(0);
  }, 60_000);
});
