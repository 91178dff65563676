/**
 * `modelscout mcp` as an agent host sees it: the real CLI started over stdio by the official
 * MCP client, its tools listed and called, answers read as a model would read them.
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DecisionStore } from "../../src/select/decision-store.js";
import { heldSelectionSpec, startGatedUpstream } from "../support/gated-openai-server.js";
import { writeLexiconSpec } from "../support/lexicon-spec.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
// The server runs in a folder of its own, where `--import tsx` would not be found by name.
const TSX = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;
const SENTENCES = fileURLToPath(
  new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);

interface ToolResult {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
}

let client: Client;
let stderr = "";
let work: string;

const call = async (
  name: string,
  args: Record<string, unknown>,
  options: Parameters<Client["callTool"]>[1] = {},
): Promise<ToolResult & { text: string }> => {
  const result = (await client.callTool({ name, arguments: args }, options)) as ToolResult;
  return { ...result, text: result.content.map((part) => part.text ?? "").join("\n") };
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ms-mcp-"));
  // The spec and its data sit in the server's working directory, named relative to it.
  copyFileSync(SENTENCES, join(work, "sentences.jsonl"));
  writeLexiconSpec(work, { path: "sentences.jsonl" });
  client = new Client({ name: "modelscout-test", version: "1.0.0" });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", TSX, MAIN, "mcp"],
    cwd: work,
    env: serverEnv(join(work, "home")),
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  await client.connect(transport);
});

/** This process's environment with a home of its own, and the embedded stores (no PostgreSQL URL). */
function serverEnv(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^MODELSCOUT_(STATE|CATALOG)_URL$/.test(name)) env[name] = value;
  }
  return { ...env, MODELSCOUT_HOME: home };
}

afterAll(async () => {
  await client?.close();
});

describe("modelscout mcp", () => {
  it("lists its tools with what they change and the spec's three ways in", async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual([
      "check_selection",
      "get_decision",
      "list_decisions",
      "route_standings",
      "search_models",
      "select_model",
      "show_model",
      "traffic_summary",
    ]);
    expect(byName.get("select_model")?.annotations?.readOnlyHint).toBe(false);
    for (const name of [
      "search_models",
      "show_model",
      "check_selection",
      "get_decision",
      "route_standings",
      "traffic_summary",
    ]) {
      expect(byName.get(name)?.annotations?.readOnlyHint).toBe(true);
    }
    const properties = byName.get("select_model")?.inputSchema.properties ?? {};
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining(["spec", "spec_path", "request", "data_path", "timeout_ms"]),
    );
    expect(byName.get("select_model")?.description).toMatch(/probes the best candidates/);
    // check_selection shows the agent every field of a spec (the published schema), once.
    const inline = byName.get("check_selection")?.inputSchema.properties?.spec as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    expect(Object.keys(inline.properties ?? {})).toEqual(
      expect.arrayContaining(["task_type", "data", "budget", "objectives", "candidates"]),
    );
    expect(inline.required).toEqual(["task_type"]);
    const plain = properties.spec as { properties?: unknown; description: string };
    expect(plain.properties).toBeUndefined();
    expect(plain.description).toContain("check_selection");
  });

  it("searches the bundled catalog by task alias and language", async () => {
    const result = await call("search_models", { task: "sentiment", language: "en", limit: 50 });
    expect(result.isError).toBeFalsy();
    const models = (result.structuredContent?.models ?? []) as { id: string; task: string }[];
    const ids = models.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["npm:sentiment", "npm:vader-sentiment"]));
    expect(new Set(models.map((model) => model.task))).toEqual(new Set(["text-classification"]));
    expect(result.text).toContain("- npm:sentiment (npm): text-classification");
  });

  it("answers a bad call with the error's code and a way on, and keeps serving", async () => {
    const unknown = await call("show_model", { id: "npm:sentimen" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(
      /^NOT_FOUND: No model "npm:sentimen".*Did you mean "npm:sentiment"\?/,
    );
    const typed = await call("search_models", { limit: 0 });
    expect(typed.isError).toBe(true);
    expect(typed.text).toMatch(/limit/);
    const none = await call("check_selection", {});
    expect(none.isError).toBe(true);
    expect(none.text).toBe("INVALID_ARGUMENT: Give one of spec_path, spec or request.");
    const both = await call("check_selection", { spec_path: "task.json", request: "sentiment" });
    expect(both.text).toBe("INVALID_ARGUMENT: Give spec_path or request, not both.");
    const shown = await call("show_model", { id: "npm:sentiment" });
    expect(shown.isError).toBeFalsy();
    expect(shown.structuredContent?.runsHere).toEqual({ provider: "npm" });
    // As `catalog show` prints it: fields, then a table of the hardware profiles.
    expect(shown.text).toMatch(/^npm:sentiment\n=+\nsource: +npm\n/);
    expect(shown.text).toContain("runs here:      yes, with the npm backend");
    expect(shown.text).toContain("Hardware (default dtype per device");
    // An MTEB model's hundreds of eval results: the first 40, in the text and the data alike.
    const many = await call("show_model", { id: "Qwen/Qwen3-Embedding-8B" });
    const total = many.structuredContent?.evalResultsTotal as number;
    expect(total).toBeGreaterThan(40);
    const record = many.structuredContent?.model as { evalResults: unknown[] };
    expect(record.evalResults).toHaveLength(40);
    expect(many.text).toContain(`Eval results (${total}, first 40):`);
  });

  it("names every bad field of an inline spec, and stores nothing", async () => {
    const result = await call("check_selection", {
      spec: { task_type: "text-clasification", budget: { max_probes: -1 }, colour: "blue" },
    });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^INVALID_ARGUMENT: /);
    expect(result.text).toContain('Did you mean "text-classification"?');
    expect(result.text).toContain("budget.max_probes");
    expect(result.text).toContain("colour");
    const listed = await call("list_decisions", {});
    expect(listed.structuredContent?.decisions).toEqual([]);
  });

  it("checks a spec file without running a model, then selects with it, reporting progress", async () => {
    const plan = await call("check_selection", { spec_path: "task.json" });
    expect(plan.isError).toBeFalsy();
    const planned = (plan.structuredContent?.candidates ?? []) as { id: string }[];
    expect(planned.map((candidate) => candidate.id).sort()).toEqual([
      "npm:sentiment",
      "npm:vader-sentiment",
    ]);
    expect(plan.text).toContain("nothing was loaded or run, and no decision was stored");
    expect((await call("list_decisions", {})).structuredContent?.decisions).toEqual([]);

    const progress: { progress: number; total?: number }[] = [];
    const selected = await call(
      "select_model",
      { spec_path: "task.json" },
      { onprogress: (report) => progress.push(report) },
    );
    expect(selected.isError).toBeFalsy();
    expect(stderr).not.toMatch(/unexpected error/);
    const decision = selected.structuredContent as {
      decisionId: string;
      status: string;
      winner: { id: string } | null;
      spentProbes: number;
    };
    expect(decision.status).toBe("completed");
    expect(["npm:sentiment", "npm:vader-sentiment"]).toContain(decision.winner?.id);
    expect(decision.spentProbes).toBeLessThanOrEqual(400);
    expect(selected.text).toContain(`Winner: ${decision.winner?.id}`);
    expect(selected.text).toContain(`Decision ${decision.decisionId} stored.`);
    // MCP asks that a call's progress grow with each notification.
    expect(progress.length).toBeGreaterThan(0);
    for (let index = 1; index < progress.length; index += 1) {
      expect(progress[index]?.progress).toBeGreaterThan(progress[index - 1]?.progress ?? 0);
    }
    expect(progress.some((report) => report.total === 400)).toBe(true);

    const read = await call("get_decision", { id: decision.decisionId });
    expect(read.structuredContent?.winner).toEqual(decision.winner);
    expect(read.text).toContain(`Winner: ${decision.winner?.id}`);
    const listed = await call("list_decisions", { task: "sentiment" });
    expect(listed.structuredContent?.decisions).toEqual([
      expect.objectContaining({ id: decision.decisionId, winnerId: decision.winner?.id }),
    ]);
  });

  it("turns a request in plain words into a spec, with the data file given beside it", async () => {
    const plan = await call("check_selection", {
      request: "classify English product reviews as positive or negative on a laptop",
      data_path: "sentences.jsonl",
    });
    expect(plan.isError).toBeFalsy();
    expect(plan.text).toMatch(/^Spec made from the request:/);
    expect(plan.structuredContent?.spec).toMatchObject({
      task_type: "text-classification",
      data: { path: join(work, "sentences.jsonl") },
    });
    expect((plan.structuredContent?.data as { items: number } | null)?.items).toBe(200);
  });
});

describe("modelscout mcp, when its client leaves mid-selection", () => {
  it("stops the selection, stores it as aborted and exits by itself", async () => {
    const upstream = await startGatedUpstream();
    const home = join(work, "leaving-home");
    const leaving = new Client({ name: "modelscout-test", version: "1.0.0" });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", TSX, MAIN, "mcp"],
      cwd: work,
      env: serverEnv(home),
      stderr: "ignore",
    });
    try {
      await leaving.connect(transport);
      const pid = transport.pid;
      const exited = new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          try {
            process.kill(pid as number, 0);
          } catch {
            clearInterval(poll);
            resolve();
          }
        }, 20);
      });
      // A chat model behind a server that holds every answer: the selection waits on it.
      const call = leaving
        .callTool({
          name: "select_model",
          arguments: {
            spec: heldSelectionSpec(upstream, "sentences.jsonl"),
          },
        })
        .catch((error: unknown) => error);
      const started = Date.now();
      while (upstream.heldOf("held") === 0) {
        if (Date.now() - started > 20_000) throw new Error("the selection never called the model");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // As a host does when it quits: stdin ends; the client kills the server after 2 s.
      const closedAt = Date.now();
      await leaving.close();
      await exited;
      expect(Date.now() - closedAt).toBeLessThan(2_000);
      expect(await call).toBeInstanceOf(Error);
      const decisions = DecisionStore.open({ path: join(home, "state.db") });
      try {
        expect(decisions.list()).toEqual([expect.objectContaining({ status: "aborted" })]);
      } finally {
        decisions.close();
      }
    } finally {
      await upstream.close();
    }
  });
});
