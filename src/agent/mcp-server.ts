/**
 * @module
 * The agent tools (`agent-tools.ts`) served over the Model Context Protocol with the official
 * SDK's server (`@modelcontextprotocol/server`, ADR 0097): `modelscout mcp` speaks it on stdin
 * and stdout, so an agent host starts ModelScout as a local tool server. A tool that fails
 * answers with `isError` and the error's code and message (a bad spec names each field), as
 * MCP asks, so the model can correct its call; the server goes on. A selection reports its
 * model calls as progress when the client asks for it, and stops when the client cancels.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { ModelScoutError } from "../errors/modelscout-error.js";
import { VERSION } from "../version.js";
import type { AgentTools, ToolProgress } from "./agent-tools.js";

const INSTRUCTIONS =
  "ModelScout picks the right AI model for a task on this machine. search_models and show_model read its catalog; check_selection says what a selection would probe without running a model; select_model probes candidates on the caller's sample data and stores a decision; list_decisions and get_decision read stored ones.";

/** At most one progress report this often (a racing selection makes a model call every few ms). */
const PROGRESS_INTERVAL_MS = 250;

export interface McpServerOptions {
  /** Where unexpected errors' stacks go (stderr in `modelscout mcp`: stdout is the protocol). */
  log?: (line: string) => void;
  /**
   * Stops every tool call of this server when it aborts: over HTTP, the signal of the request
   * the server was made for, which a client may close to cancel its call (a cancellation sent
   * as `notifications/cancelled` reaches another server instance: `calls`).
   */
  signal?: AbortSignal;
  /**
   * Where each tool call is registered under its JSON-RPC request id while it runs, so that a
   * `notifications/cancelled` another server instance receives can stop it (`mcp-http.ts`).
   */
  calls?: RunningCalls;
}

/** Tool calls running, by request id, for a cancellation that reaches another server instance. */
export interface RunningCalls {
  /** Registers a call; returns its removal. */
  add(requestId: string | number, cancel: AbortController): () => void;
}

export function createMcpServer(tools: AgentTools, options: McpServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: "modelscout", version: VERSION },
    { instructions: INSTRUCTIONS },
  );
  for (const tool of tools.list()) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: {
          title: tool.title,
          readOnlyHint: tool.readOnly,
          destructiveHint: false,
          // The catalog is local; a selection may call a model server its spec names.
          openWorldHint: !tool.readOnly,
        },
      },
      async (args, context) => {
        const token = context.mcpReq._meta?.progressToken;
        const onProgress =
          token === undefined
            ? undefined
            : throttled((progress) => {
                context.mcpReq
                  .notify({
                    method: "notifications/progress",
                    params: {
                      progressToken: token,
                      progress: progress.done,
                      ...(progress.total !== undefined && { total: progress.total }),
                      message: progress.message,
                    },
                  })
                  .catch(() => {}); // a client that left: the call's own answer fails too
              });
        const cancel = new AbortController();
        const removeCall = options.calls?.add(context.mcpReq.id, cancel);
        try {
          const answer = await tool.run(args as never, {
            signal: AbortSignal.any([
              context.mcpReq.signal,
              cancel.signal,
              ...(options.signal === undefined ? [] : [options.signal]),
            ]),
            ...(onProgress !== undefined && { onProgress }),
          });
          return {
            content: [{ type: "text", text: answer.text }],
            structuredContent: answer.data,
          };
        } catch (error) {
          return {
            content: [{ type: "text", text: errorText(error, options.log) }],
            isError: true,
          };
        } finally {
          removeCall?.();
        }
      },
    );
  }
  return server;
}

/** Serves `tools` on this process's stdin and stdout until stdin closes. */
export async function serveMcpOnStdio(
  tools: AgentTools,
  options: McpServerOptions = {},
): Promise<void> {
  const server = createMcpServer(tools, options);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  await closed;
  await tools.close();
}

function errorText(error: unknown, log: ((line: string) => void) | undefined): string {
  if (ModelScoutError.isInstance(error)) return `${error.code}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  log?.(
    `modelscout mcp: unexpected error in a tool call:\n${error instanceof Error ? (error.stack ?? message) : message}`,
  );
  return `UNEXPECTED: ${message}`;
}

/**
 * `report`, at most every PROGRESS_INTERVAL_MS (but at once when the total is first known or
 * changes), and only when `done` has grown: MCP asks that a call's progress increase with
 * each notification.
 */
function throttled(report: (progress: ToolProgress) => void): (progress: ToolProgress) => void {
  let last = Number.NEGATIVE_INFINITY;
  let lastDone = -1;
  let lastTotal: number | undefined;
  return (progress) => {
    const now = performance.now();
    if (progress.done <= lastDone) return;
    if (progress.total === lastTotal && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    lastDone = progress.done;
    lastTotal = progress.total;
    report(progress);
  };
}
