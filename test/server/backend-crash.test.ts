import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIsolatedBackend } from "../../src/backends/isolated/isolated-backend.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { MISBEHAVING_DESCRIPTION } from "../backends/isolated/misbehaving-backend.js";
import { getJson, postJson } from "./routing-test-support.js";

const FACTORY_MODULE = new URL("../backends/isolated/misbehaving-backend.ts", import.meta.url).href;

let server: RoutingServer;

beforeAll(async () => {
  const crashy = createIsolatedBackend({
    factory: {
      moduleUrl: FACTORY_MODULE,
      exportName: "createMisbehavingBackend",
      options: { modelId: "test/crashy" },
    },
    description: MISBEHAVING_DESCRIPTION("test/crashy"),
  });
  server = await startRoutingServer({
    config: parseRoutesConfig({
      routes: [
        {
          name: "sentiment",
          targets: {
            "text-classification": {
              policy: "fallback",
              // npm:sentiment (AFINN-165) runs isolated in its own child process by default.
              candidates: ["test/crashy", "npm:sentiment"],
              timeout_ms: 1500,
            },
          },
        },
      ],
      server: { circuit_breaker: { failure_threshold: 3, cool_down_ms: 60_000 } },
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-crash-")), "state.db"),
    backends: new Map([["test/crashy", crashy]]),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const classify = (input: string) =>
  postJson(`${server.url}/v1/tasks/text-classification`, { model: "auto", input });

describe("routing server: a backend that crashes or hangs", () => {
  it("survives a model process that aborts, answers from the next candidate, and restarts the crashed one", async () => {
    const firstPid = (server.router.registry.require("test/crashy") as { processId?: number })
      .processId;
    expect(firstPid).toBeGreaterThan(0);
    const crashed = await classify("abort");
    expect(crashed.status).toBe(200);
    expect(crashed.json.model).toBe("npm:sentiment");
    expect(crashed.json.modelscout.attempts[0]).toMatchObject({
      model: "test/crashy",
      outcome: "error",
    });
    expect(crashed.json.modelscout.attempts[0].error).toContain("crashed (signal SIGABRT)");
    expect(crashed.json.data[0].labels.length).toBeGreaterThan(0);
    expect((await getJson(`${server.url}/health`)).status).toBe(200);

    const recovered = await classify("fine");
    expect(recovered.status).toBe(200);
    expect(recovered.json.model).toBe("test/crashy");
    expect(recovered.json.data[0].labels[0].label).toBe("FINE");
    const secondPid = (server.router.registry.require("test/crashy") as { processId?: number })
      .processId;
    expect(secondPid).not.toBe(firstPid);
  });

  it("stops a model that hangs at the route's deadline and falls back", async () => {
    const startedAt = performance.now();
    const hung = await classify("hang");
    expect(performance.now() - startedAt).toBeLessThan(10_000);
    expect(hung.status).toBe(200);
    expect(hung.json.model).toBe("npm:sentiment");
    expect(hung.json.modelscout.attempts[0]).toMatchObject({
      model: "test/crashy",
      outcome: "timeout",
    });
    const ready = await getJson(`${server.url}/ready`);
    expect(ready.json.models["test/crashy"].breaker.consecutiveFailures).toBe(1);
  });
});
