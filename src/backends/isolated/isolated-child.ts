/**
 * @module
 * Entry point of the child process an isolated backend runs model code in. It builds the
 * backend from a factory spec, answers load/run/unload/memory requests one at a time, and
 * forwards progress events. Anything that goes wrong inside a request is sent back as an
 * error; anything that kills the process (a native crash, `process.abort()`, running out of
 * memory) is seen by the parent as the child exiting.
 */
import { ModelScoutError } from "../../errors/modelscout-error.js";
import type { ModelBackend } from "../model-backend.js";
import type { ChildMessage, ParentMessage, SerializedError } from "./isolated-protocol.js";

let backend: ModelBackend | undefined;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function serializeError(error: unknown): SerializedError {
  if (ModelScoutError.isInstance(error)) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      isRetryable: error.isRetryable,
      details: JSON.parse(JSON.stringify(error.details)) as Record<string, unknown>,
    };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack && { stack: error.stack }) };
  }
  return { name: "Error", message: String(error) };
}

function requireBackend(): ModelBackend {
  if (backend === undefined) throw new Error("isolated child: no backend was created");
  return backend;
}

async function handle(message: ParentMessage): Promise<ChildMessage> {
  switch (message.type) {
    case "create": {
      const module = (await import(message.factory.moduleUrl)) as Record<string, unknown>;
      const factory = module[message.factory.exportName];
      if (typeof factory !== "function") {
        throw new Error(
          `${message.factory.moduleUrl} has no factory function "${message.factory.exportName}"`,
        );
      }
      const options = message.factory.options;
      const withProgress =
        typeof options === "object" && options !== null
          ? // biome-ignore lint/plugin/no-spread-then-field: once per child process
            { ...options, onProgress: (event: unknown) => send({ type: "progress", event }) }
          : options;
      backend = (await factory(withProgress)) as ModelBackend;
      return { id: message.id, type: "result", value: null };
    }
    case "load":
      return { id: message.id, type: "result", value: await requireBackend().load() };
    case "run":
      return {
        id: message.id,
        type: "result",
        value: await requireBackend().doRun(message.inputs),
      };
    case "unload":
      await requireBackend().unload();
      return { id: message.id, type: "result", value: null };
    case "memory":
      return {
        id: message.id,
        type: "result",
        value: {
          rssBytes: process.memoryUsage.rss(),
          // maxRSS is in kilobytes (ru_maxrss).
          peakRssBytes: process.resourceUsage().maxRSS * 1024,
        },
      };
  }
}

// Requests are answered strictly in order: the parent sends one at a time anyway, and a
// model backend is not required to be re-entrant.
let chain: Promise<void> = Promise.resolve();
process.on("message", (message: ParentMessage) => {
  chain = chain.then(async () => {
    try {
      send(await handle(message));
    } catch (error) {
      send({ id: message.id, type: "error", error: serializeError(error) });
    }
  });
});
// The parent going away (killed, crashed) must not leave a model process behind.
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
