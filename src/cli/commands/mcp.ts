/**
 * @module
 * `modelscout mcp`: ModelScout's agent tools (`src/agent/`) as a Model Context Protocol server
 * on stdin and stdout, for an agent host to start as a local tool server (ADR 0097). Stdout
 * carries the protocol alone: anything a library prints there (`console.log`) goes to stderr.
 * Exits when stdin closes. `--http` serves the same tools over Streamable HTTP at `/mcp`
 * instead, with the admin token (`mcp-http.ts`; a token file is read again on SIGHUP), until
 * SIGINT or SIGTERM.
 */
import { format } from "node:util";
import { defineCommand } from "citty";
import { AgentTools } from "../../agent/agent-tools.js";
import { serveMcpOverHttp } from "../../agent/mcp-http.js";
import { serveMcpOnStdio } from "../../agent/mcp-server.js";
import { errorMessage } from "../../errors/error-message.js";
import { ModelScoutError } from "../../errors/modelscout-error.js";
import { readAdminTokenFile, resolveAdminTokenSource } from "../../server/admin/admin-access.js";
import { numberOption } from "../cli-options.js";
import { openCatalog } from "../open-catalog.js";

const DEFAULT_MCP_PORT = 3333;

export default defineCommand({
  meta: {
    name: "mcp",
    description:
      "Serve ModelScout's tools (catalog search, selection, decisions, routing standings and traffic) to an LLM agent over the Model Context Protocol, on stdio or with --http",
  },
  args: {
    http: {
      type: "boolean",
      description: `Serve over Streamable HTTP at http://<host>:<port>/mcp instead of stdio, with the admin token (MODELSCOUT_ADMIN_TOKEN or MODELSCOUT_ADMIN_TOKEN_FILE) as Bearer; without one, this machine's clients only`,
    },
    port: {
      type: "string",
      description: `With --http: the port (default ${DEFAULT_MCP_PORT}; 0 for a free one)`,
    },
    host: {
      type: "string",
      description:
        "With --http: the address to listen on (default 127.0.0.1; another needs the admin token)",
    },
  },
  async run({ args }) {
    const toStderr = (...values: unknown[]) => {
      process.stderr.write(`${format(...values)}\n`);
    };
    console.log = toStderr;
    console.info = toStderr;
    console.debug = toStderr;
    const log = (line: string) => process.stderr.write(`${line}\n`);
    if (args.http !== true) {
      if (args.port !== undefined || args.host !== undefined) {
        throw new ModelScoutError(
          "INVALID_ARGUMENT",
          `--${args.port !== undefined ? "port" : "host"} is for --http; add --http, or leave it out to serve on stdio.`,
        );
      }
      await serveMcpOnStdio(new AgentTools({ openCatalog }), { log });
      return;
    }
    const port = numberOption("port", args.port) ?? DEFAULT_MCP_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new ModelScoutError(
        "INVALID_ARGUMENT",
        `--port must be a port number, 0 to 65535 (got "${args.port}").`,
      );
    }
    const { token, file } = resolveAdminTokenSource(undefined);
    const server = await serveMcpOverHttp(new AgentTools({ openCatalog }), {
      ...(args.host !== undefined && { host: args.host }),
      port,
      token,
      log,
    });
    log(
      `MCP server at ${server.url} (Streamable HTTP; ${token === null ? "no admin token: this machine's clients only" : "admin token required as Bearer"})`,
    );
    // A token from a file (as Docker and Kubernetes hand secrets over) is read again on SIGHUP.
    process.on("SIGHUP", () => {
      if (file === null) {
        log(
          "SIGHUP: the admin token does not come from MODELSCOUT_ADMIN_TOKEN_FILE; nothing to read again",
        );
        return;
      }
      try {
        server.useToken(readAdminTokenFile(file));
        log(`SIGHUP: the admin token in ${file} is in force`);
      } catch (error) {
        log(`SIGHUP: the admin token was not changed: ${errorMessage(error)}`);
      }
    });
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
  },
});
