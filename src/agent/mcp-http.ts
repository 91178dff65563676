/**
 * @module
 * The agent tools over the Model Context Protocol's Streamable HTTP transport, at `/mcp`
 * (`modelscout mcp --http`, ADR 0097's second addendum): for an agent that does not run on the
 * machine, or a host that connects to tool servers by URL rather than starting them. The
 * official SDK's `createMcpHandler` serves each HTTP request with a server made for it
 * (`createMcpServer`, the same tools as on stdio), over one `AgentTools`: one catalog, one state.
 *
 * Access is the admin side's (`admin-access.ts`): the tools read the decisions and the routing
 * server's traffic and run selections, so they take the same token (`MODELSCOUT_ADMIN_TOKEN`,
 * or the file `MODELSCOUT_ADMIN_TOKEN_FILE` names) as `Authorization: Bearer`. Without one the
 * server listens on a loopback address only, and refuses a request a web page sent from any
 * origin but this machine's (MCP's transport asks servers to check `Origin`: a page on another
 * site could otherwise reach a local server through DNS rebinding).
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { Hono } from "hono";
import { ModelScoutError } from "../errors/modelscout-error.js";
import {
  ADMIN_TOKEN_ENV,
  ADMIN_TOKEN_FILE_ENV,
  createAdminAccess,
  isLoopbackHost,
} from "../server/admin/admin-access.js";
import type { AgentTools } from "./agent-tools.js";
import { createMcpServer, type RunningCalls } from "./mcp-server.js";

export const MCP_HTTP_PATH = "/mcp";

export interface McpHttpOptions {
  /** Default 127.0.0.1. Any other than a loopback address needs `token`. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The admin token; null: none, loopback only. */
  token: string | null;
  /** Where unexpected errors go. */
  log?: (line: string) => void;
}

export interface McpHttpServer {
  /** `http://host:port/mcp`. */
  readonly url: string;
  /**
   * Puts another admin token in force from the next request on (`MODELSCOUT_ADMIN_TOKEN_FILE`
   * read again on SIGHUP). Throws for one too short, or for a server started without a token.
   */
  useToken(token: string): void;
  /** Stops listening, ends the exchanges in progress and closes the tools' catalog and state. */
  close(): Promise<void>;
}

/** JSON-RPC's shape for an error with no request to answer (MCP clients read it). */
function refusal(message: string): {
  jsonrpc: "2.0";
  id: null;
  error: { code: number; message: string };
} {
  return { jsonrpc: "2.0", id: null, error: { code: -32001, message } };
}

/** The most bytes of a POST read to look for a cancellation (JSON-RPC notifications are small). */
const MAX_CANCELLATION_BYTES = 64 * 1024;

/**
 * Tool calls running, by request id. Each HTTP request is served by a server made for it, so a
 * 2025-era client's `notifications/cancelled`, sent in a request of its own, reaches a server
 * that does not run the call: it is matched here by request id instead. Ids are the client's,
 * and two clients may use the same one at once: a cancellation whose id more than one running
 * call has is not applied (said in the log), rather than stopping another client's call.
 */
class CallsById implements RunningCalls {
  readonly #running = new Map<string, Set<AbortController>>();

  add(requestId: string | number, cancel: AbortController): () => void {
    const key = JSON.stringify(requestId);
    const running = this.#running.get(key) ?? new Set();
    running.add(cancel);
    this.#running.set(key, running);
    return () => {
      running.delete(cancel);
      if (running.size === 0 && this.#running.get(key) === running) this.#running.delete(key);
    };
  }

  /** Stops the call a POST's `notifications/cancelled` names, if it is one and names one. */
  async cancelNamedIn(request: Request, log: ((line: string) => void) | undefined): Promise<void> {
    if (this.#running.size === 0) return;
    const length = Number(request.headers.get("content-length") ?? Number.NaN);
    if (!(length <= MAX_CANCELLATION_BYTES)) return;
    let body: unknown;
    try {
      body = await request.clone().json();
    } catch {
      return; // the handler answers a body that is not JSON
    }
    for (const message of Array.isArray(body) ? body : [body]) {
      const { method, params } = (message ?? {}) as { method?: unknown; params?: unknown };
      if (method !== "notifications/cancelled") continue;
      const requestId = (params as { requestId?: unknown } | undefined)?.requestId;
      if (typeof requestId !== "string" && typeof requestId !== "number") continue;
      const running = this.#running.get(JSON.stringify(requestId));
      if (running === undefined) continue;
      if (running.size > 1) {
        log?.(
          `modelscout mcp: a cancellation of request ${JSON.stringify(requestId)} was not applied: ${running.size} running calls have that id`,
        );
        continue;
      }
      for (const cancel of running) cancel.abort(new Error("The client cancelled the call."));
    }
  }
}

/** Whether `origin` is a page of this machine (`http://localhost:5173`), or is no URL. */
function isLocalOrigin(origin: string): boolean {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

export async function serveMcpOverHttp(
  tools: AgentTools,
  options: McpHttpOptions,
): Promise<McpHttpServer> {
  const host = options.host ?? "127.0.0.1";
  if (options.token === null && !isLoopbackHost(host)) {
    throw new ModelScoutError(
      "INVALID_ARGUMENT",
      `The MCP server would listen on ${host} with its tools (selections, decisions, the routing server's traffic) open to anyone who can reach it. Set an admin token (${ADMIN_TOKEN_ENV} or ${ADMIN_TOKEN_FILE_ENV}) for clients to send as Bearer, or listen on 127.0.0.1.`,
      { details: { host } },
    );
  }
  // Throws for a token too short, before listening.
  const access = createAdminAccess({ token: options.token, host });
  const log = options.log;
  const calls = new CallsById();
  const handler = createMcpHandler(
    (context) =>
      createMcpServer(tools, {
        ...(log !== undefined && { log }),
        calls,
        // The request aborts when its client closes it (a modern-era client's cancellation).
        ...(context.requestInfo !== undefined && { signal: context.requestInfo.signal }),
      }),
    { onerror: (error) => log?.(`modelscout mcp: ${error.message}`) },
  );
  const app = new Hono();
  app.all(MCP_HTTP_PATH, async (context) => {
    const origin = context.req.header("origin");
    if (!access.required && origin !== undefined && !isLocalOrigin(origin)) {
      return context.json(
        refusal(
          `Requests from web pages of ${origin} are refused: this MCP server has no token and serves this machine's clients only.`,
        ),
        403,
      );
    }
    // Bearer only: the dashboard's session cookie is for its pages, not for tool calls.
    if (!access.allowsBearer(context.req.header("authorization"))) {
      return context.json(
        refusal("This MCP server needs the admin token: send Authorization: Bearer <token>."),
        401,
        { "www-authenticate": 'Bearer realm="modelscout"' },
      );
    }
    if (context.req.method === "POST") await calls.cancelNamedIn(context.req.raw, log);
    return handler.fetch(context.req.raw);
  });
  app.all("*", (context) =>
    context.json(refusal(`Not found: the MCP endpoint is ${MCP_HTTP_PATH}.`), 404),
  );

  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () =>
      resolve(started as Server),
    ) as Server;
    started.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}${MCP_HTTP_PATH}`,
    useToken: (token) => access.useToken(token),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await handler.close();
      await closed;
      await tools.close();
    },
  };
}
