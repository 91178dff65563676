/**
 * Benchmark: what `modelscout mcp` costs an agent host (ADR 0097). An agent's model reads
 * every tool's name, description and argument schema in each conversation, so the bytes of
 * `tools/list` are context spent before the first call; and a host starts the server when it
 * starts, so its start-up is the agent's wait.
 *
 *   npx tsx bench/agent-tools.ts [--runs 5] [--transport stdio|http]
 *
 * Builds `dist/` and starts `node dist/cli/main.js mcp` (what `npx modelscout mcp` runs) with
 * the official MCP client over stdio, `--runs` times, each in a new `MODELSCOUT_HOME`; times
 * the handshake (`initialize`), `tools/list`, the first `search_models` (which loads the
 * bundled catalog into the new home) and a second one, and `check_selection` on the English
 * sentiment example. Prints the median of each and the bytes of each tool's listing, and, from
 * the first run, the bytes of `show_model`'s text and data for the best-scored model of three
 * tasks; writes bench/results/agent-tools.json.
 *
 * `--transport http` starts `mcp --http --port 0` with an admin token instead and connects over
 * Streamable HTTP (the SDK's client), where each request is served by a server made for it:
 * `initialize` then runs from the process's start to the end of the handshake, as the stdio
 * client's `connect` does. Writes bench/results/agent-tools-http.json.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { percentile } from "../src/profile/profile-model.js";
import { writeBenchResult } from "./bench-result.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    transport: { type: "string", default: "stdio" },
  },
});
const runs = Number(values.runs);
const transport = values.transport;
if (transport !== "stdio" && transport !== "http") throw new Error("--transport: stdio or http");
const TOKEN = "bench-agent-tools-token-0123456789";

/** `mcp --http --port 0` in `home`, once it says where it listens. */
function startHttp(home: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist/cli/main.js"), "mcp", "--http", "--port", "0"],
    {
      cwd: ROOT,
      env: { ...process.env, MODELSCOUT_HOME: home, MODELSCOUT_ADMIN_TOKEN: TOKEN },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const url = /MCP server at (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url !== undefined) resolve({ url, child });
    });
    child.on("exit", (code) => reject(new Error(`mcp --http exited (${code}): ${stderr}`)));
  });
}

const SHOWN_TASKS = ["text-generation", "image-classification", "feature-extraction"];
const STEPS = [
  "initialize",
  "tools/list",
  "first search_models",
  "search_models",
  "check_selection",
] as const;
type Step = (typeof STEPS)[number];

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

async function main(): Promise<void> {
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  const times: Record<Step, number[]> = Object.fromEntries(
    STEPS.map((step) => [step, []]),
  ) as never;
  let toolBytes: Record<string, number> = {};
  const showBytes: Record<string, { id: string; textBytes: number; dataBytes: number }> = {};
  for (let run = 0; run < runs; run += 1) {
    const home = mkdtempSync(join(tmpdir(), "ms-bench-agent-"));
    const client = new Client({ name: "bench", version: "1" });
    let httpChild: ChildProcess | undefined;
    try {
      const [, connectMs] = await timed(async () => {
        if (transport === "http") {
          const server = await startHttp(home);
          httpChild = server.child;
          await client.connect(
            new StreamableHTTPClientTransport(new URL(server.url), {
              requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
            }),
          );
          return;
        }
        await client.connect(
          new StdioClientTransport({
            command: process.execPath,
            args: [join(ROOT, "dist/cli/main.js"), "mcp"],
            cwd: ROOT,
            env: { ...(process.env as Record<string, string>), MODELSCOUT_HOME: home },
            stderr: "ignore",
          }),
        );
      });
      times.initialize.push(connectMs);
      const [listed, listMs] = await timed(() => client.listTools());
      times["tools/list"].push(listMs);
      toolBytes = Object.fromEntries(
        listed.tools.map((tool) => [tool.name, JSON.stringify(tool).length]),
      );
      toolBytes.all = JSON.stringify(listed.tools).length;
      const search = () =>
        client.callTool({ name: "search_models", arguments: { task: "sentiment" } });
      const [first, firstMs] = await timed(search);
      if (first.isError === true) throw new Error(JSON.stringify(first.content));
      times["first search_models"].push(firstMs);
      times.search_models.push((await timed(search))[1]);
      const [checked, checkMs] = await timed(() =>
        client.callTool({
          name: "check_selection",
          arguments: { spec_path: "examples/english-sentiment/task.json" },
        }),
      );
      if (checked.isError === true) throw new Error(JSON.stringify(checked.content));
      times.check_selection.push(checkMs);
      if (run === 0) {
        // What one model's description costs the agent's context: the text it reads, and
        // the same facts as data, for the best-scored model of three tasks.
        for (const task of SHOWN_TASKS) {
          const top = await client.callTool({
            name: "search_models",
            arguments: { task, sort: "score", limit: 1 },
          });
          const id = (top.structuredContent as { models: { id: string }[] }).models[0]?.id;
          if (id === undefined) throw new Error(`no ${task} model`);
          const shown = await client.callTool({ name: "show_model", arguments: { id } });
          const text = (shown.content as { text: string }[])[0]?.text ?? "";
          showBytes[task] = {
            id,
            textBytes: Buffer.byteLength(text),
            dataBytes: Buffer.byteLength(JSON.stringify(shown.structuredContent)),
          };
        }
      }
    } finally {
      await client.close();
      if (httpChild !== undefined) {
        const exited = new Promise((resolve) => httpChild?.once("exit", resolve));
        httpChild.kill("SIGTERM");
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    }
  }
  const medians = Object.fromEntries(
    STEPS.map((step) => [
      step,
      Math.round(
        percentile(
          [...times[step]].sort((a, b) => a - b),
          0.5,
        ) * 10,
      ) / 10,
    ]),
  );
  process.stdout.write(
    `| step | median ms (${runs} runs) |\n|---|---:|\n${STEPS.map((step) => `| ${step} | ${medians[step]} |`).join("\n")}\n\n| tool | bytes in tools/list |\n|---|---:|\n${Object.entries(
      toolBytes,
    )
      .map(([name, bytes]) => `| ${name} | ${bytes} |`)
      .join(
        "\n",
      )}\n\n| show_model of the best-scored | text bytes | data bytes |\n|---|---:|---:|\n${Object.entries(
      showBytes,
    )
      .map(([task, shown]) => `| ${task}: ${shown.id} | ${shown.textBytes} | ${shown.dataBytes} |`)
      .join("\n")}\n`,
  );
  writeBenchResult(
    transport === "http" ? "agent-tools-http" : "agent-tools",
    `npx tsx bench/agent-tools.ts --runs ${runs}${transport === "http" ? " --transport http" : ""}`,
    {
      runs,
      medianMs: medians,
      timesMs: times,
      toolBytes,
      showBytes,
    },
  );
}

await main();
