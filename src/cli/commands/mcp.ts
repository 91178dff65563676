/**
 * @module
 * `modelscout mcp`: ModelScout's agent tools (`src/agent/`) as a Model Context Protocol server
 * on stdin and stdout, for an agent host to start as a local tool server (ADR 0097). Stdout
 * carries the protocol alone: anything a library prints there (`console.log`) goes to stderr.
 * Exits when stdin closes.
 */
import { format } from "node:util";
import { defineCommand } from "citty";
import { AgentTools } from "../../agent/agent-tools.js";
import { serveMcpOnStdio } from "../../agent/mcp-server.js";
import { openCatalog } from "../open-catalog.js";

export default defineCommand({
  meta: {
    name: "mcp",
    description:
      "Serve ModelScout's tools (catalog search, selection, decisions) to an LLM agent over the Model Context Protocol on stdio",
  },
  args: {},
  async run() {
    const toStderr = (...values: unknown[]) => {
      process.stderr.write(`${format(...values)}\n`);
    };
    console.log = toStderr;
    console.info = toStderr;
    console.debug = toStderr;
    const tools = new AgentTools({ openCatalog });
    await serveMcpOnStdio(tools, { log: (line) => process.stderr.write(`${line}\n`) });
  },
});
