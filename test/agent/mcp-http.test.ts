/**
 * `modelscout mcp --http` as a remote agent host sees it: the real CLI in a child process,
 * reached by the official MCP client over Streamable HTTP with the admin token, and refused
 * without it; without a token, on loopback only, refusing pages of other sites.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, describe, expect, it } from "vitest";
import { DecisionStore } from "../../src/select/decision-store.js";
import { heldSelectionSpec, startGatedUpstream } from "../support/gated-openai-server.js";
import { writeLexiconSpec } from "../support/lexicon-spec.js";
import { runCli } from "../support/run-cli.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const SENTENCES = fileURLToPath(
  new URL("../../examples/english-sentiment/held-out-sentences.jsonl", import.meta.url),
);
const TOKEN = "mcp-test-token-0123456789abcdef";

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) child.kill("SIGKILL");
});

/** This process's environment with a home of its own and the embedded stores, plus `env`. */
function serverEnv(
  env: Record<string, string>,
  home = mkdtempSync(join(tmpdir(), "ms-mcp-http-")),
): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^MODELSCOUT_(STATE|CATALOG)_URL$|^MODELSCOUT_ADMIN_/.test(name)) {
      inherited[name] = value;
    }
  }
  return { ...inherited, NO_COLOR: "1", MODELSCOUT_HOME: home, ...env };
}

/** `modelscout mcp --http --port 0 ...args`, once it says where it listens. */
function startMcpHttp(
  env: Record<string, string>,
  home?: string,
): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "mcp", "--http", "--port", "0"], {
    env: serverEnv(env, home),
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const url = /MCP server at (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) resolve({ url, child, stderr: () => stderr });
    });
    child.on("exit", (code) => reject(new Error(`mcp --http exited (${code}): ${stderr}`)));
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
});

function post(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: INITIALIZE,
  });
}

describe("modelscout mcp --http", () => {
  it("serves the tools to a client with the admin token and refuses one without", async () => {
    const server = await startMcpHttp({ MODELSCOUT_ADMIN_TOKEN: TOKEN });
    expect(server.stderr()).toContain("admin token required as Bearer");
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);

    const client = new Client({ name: "modelscout-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        "check_selection",
        "get_decision",
        "list_decisions",
        "route_standings",
        "search_models",
        "select_model",
        "show_model",
        "traffic_summary",
      ]);
      const found = (await client.callTool({
        name: "search_models",
        arguments: { task: "sentiment", language: "en", limit: 50 },
      })) as { isError?: boolean; structuredContent?: { models?: { id: string }[] } };
      expect(found.isError).toBeFalsy();
      expect(found.structuredContent?.models?.map((model) => model.id)).toEqual(
        expect.arrayContaining(["npm:sentiment", "npm:vader-sentiment"]),
      );
      const unknown = (await client.callTool({
        name: "show_model",
        arguments: { id: "npm:sentimen" },
      })) as { isError?: boolean; content: { text?: string }[] };
      expect(unknown.isError).toBe(true);
      expect(unknown.content[0]?.text).toMatch(/^NOT_FOUND: .*Did you mean "npm:sentiment"\?/);
      // A selection over HTTP: its model calls come as progress on the call's event stream.
      const spec = writeLexiconSpec(mkdtempSync(join(tmpdir(), "ms-mcp-http-spec-")), {
        path: SENTENCES,
      });
      const progress: { progress: number }[] = [];
      const selected = (await client.callTool(
        { name: "select_model", arguments: { spec_path: spec } },
        { onprogress: (report) => progress.push(report) },
      )) as {
        isError?: boolean;
        structuredContent?: { status?: string; winner?: { id: string } | null };
      };
      expect(selected.isError).toBeFalsy();
      expect(selected.structuredContent?.status).toBe("completed");
      expect(["npm:sentiment", "npm:vader-sentiment"]).toContain(
        selected.structuredContent?.winner?.id,
      );
      expect(progress.length).toBeGreaterThan(0);
    } finally {
      await client.close();
    }

    const anonymous = await post(server.url, {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="modelscout"');
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toContain(
      "needs the admin token",
    );
    expect(
      (await post(server.url, { authorization: "Bearer wrong-token-0123456789" })).status,
    ).toBe(401);
    const elsewhere = await fetch(server.url.replace(/\/mcp$/, "/other"));
    expect(elsewhere.status).toBe(404);
  }, 60_000);

  it("stops a selection whose call the client cancels, and stores it as aborted", async () => {
    const upstream = await startGatedUpstream();
    const home = mkdtempSync(join(tmpdir(), "ms-mcp-http-cancel-"));
    const server = await startMcpHttp({ MODELSCOUT_ADMIN_TOKEN: TOKEN }, home);
    const client = new Client({ name: "modelscout-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      const cancel = new AbortController();
      // A chat model behind a server that holds every answer: the selection waits on it.
      const call = client
        .callTool(
          {
            name: "select_model",
            arguments: {
              spec: heldSelectionSpec(upstream, SENTENCES),
            },
          },
          { signal: cancel.signal },
        )
        .catch((error: unknown) => error);
      await expect
        .poll(() => upstream.heldOf("held"), { timeout: 20_000, interval: 20 })
        .toBeGreaterThan(0);
      cancel.abort();
      expect(await call).toBeInstanceOf(Error);
      const stored = () => {
        const decisions = DecisionStore.open({ path: join(home, "state.db") });
        try {
          return decisions.list().map((entry) => entry.status);
        } finally {
          decisions.close();
        }
      };
      await expect.poll(stored, { timeout: 10_000, interval: 50 }).toEqual(["aborted"]);
    } finally {
      await client.close();
      await upstream.close();
    }
  }, 60_000);

  it("reads a token file again on SIGHUP", async () => {
    const folder = mkdtempSync(join(tmpdir(), "ms-mcp-http-token-"));
    const file = join(folder, "token");
    const first = "first-token-0123456789abcdef";
    const second = "second-token-0123456789abcdef";
    writeFileSync(file, `${first}\n`);
    const server = await startMcpHttp({ MODELSCOUT_ADMIN_TOKEN_FILE: file });
    const status = async (token: string) => {
      const response = await post(server.url, { authorization: `Bearer ${token}` });
      await response.body?.cancel();
      return response.status;
    };
    expect(await status(first)).toBe(200);
    expect(await status(second)).toBe(401);
    writeFileSync(file, `${second}\n`);
    server.child.kill("SIGHUP");
    await expect
      .poll(server.stderr, { timeout: 10_000, interval: 50 })
      .toContain(`SIGHUP: the admin token in ${file} is in force`);
    expect(await status(first)).toBe(401);
    expect(await status(second)).toBe(200);
    // A file that cannot be read leaves the token in force.
    writeFileSync(file, "");
    server.child.kill("SIGHUP");
    await expect
      .poll(server.stderr, { timeout: 10_000, interval: 50 })
      .toContain("SIGHUP: the admin token was not changed");
    expect(await status(second)).toBe(200);
  }, 60_000);

  it("without a token, answers this machine's clients and refuses pages of other sites", async () => {
    const server = await startMcpHttp({});
    expect(server.stderr()).toContain("no admin token: this machine's clients only");
    const local = await post(server.url, { origin: "http://localhost:5173" });
    expect(local.status).toBe(200);
    await local.body?.cancel();
    const rebound = await post(server.url, { origin: "http://attacker.example:3333" });
    expect(rebound.status).toBe(403);
    expect(((await rebound.json()) as { error: { message: string } }).error.message).toContain(
      "Requests from web pages of http://attacker.example:3333 are refused",
    );
  }, 60_000);

  it("refuses to listen beyond loopback without a token, and --port without --http", async () => {
    const open = await runCli(["mcp", "--http", "--host", "0.0.0.0", "--port", "0"], serverEnv({}));
    expect(open.code).toBe(2);
    expect(open.stderr).toContain(
      "The MCP server would listen on 0.0.0.0 with its tools (selections, decisions, the routing server's traffic) open to anyone who can reach it. Set an admin token (MODELSCOUT_ADMIN_TOKEN or MODELSCOUT_ADMIN_TOKEN_FILE)",
    );
    const stray = await runCli(["mcp", "--port", "4000"], serverEnv({}));
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("--port is for --http");
  }, 60_000);
});
