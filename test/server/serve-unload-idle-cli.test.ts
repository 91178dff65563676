/**
 * `modelscout serve --unload-idle <seconds>` (ADR 0099): a catalog model no request has used
 * for that long is unloaded (its model process ends) and loads again on the next request; a
 * model declared with `unload_idle_seconds: 0` stays loaded. The real CLI in a child process;
 * its model processes are counted as the operating system sees them.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { classifyMood, modelProcesses, writeMoodRoutes } from "./mood-route.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-idle-"));
// Declared to stay loaded whatever the server's setting; npm:sentiment is not declared.
const config = writeMoodRoutes(home, [
  { id: "npm:vader-sentiment", kind: "catalog", unload_idle_seconds: 0 },
]);

const started: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map(killHard));
});

interface ModelState {
  loaded: boolean;
  error: string | null;
  idleSince?: string;
}

async function models(url: string): Promise<Record<string, ModelState>> {
  const response = await fetch(`${url}/ready`);
  const body = (await response.json()) as { ready: boolean; models: Record<string, ModelState> };
  // An idle model is not a missing one: the server stays ready.
  expect(body.ready).toBe(true);
  return body.models;
}

describe("modelscout serve --unload-idle", () => {
  it("unloads a model no request used for that long and loads it again on the next", async () => {
    const server = await startServeProcess(["--config", config, "--unload-idle", "1"], {
      MODELSCOUT_HOME: home,
    });
    started.push(server);
    const pid = server.child.pid as number;
    // vader is declared to stay loaded: not in the line.
    await expect
      .poll(server.stdout, { timeout: 10_000, interval: 50 })
      .toContain(
        "Idle models unloaded: npm:sentiment after 1 s without a call; each loads again on its next call\n",
      );
    expect(modelProcesses(pid)).toHaveLength(2);
    expect(await classifyMood(server.url)).toEqual({ model: "npm:sentiment", label: "positive" });

    // A second after that request, npm:sentiment's process ends; vader's stays.
    await expect.poll(() => modelProcesses(pid).length, { timeout: 15_000, interval: 100 }).toBe(1);
    const idle = await models(server.url);
    expect(idle["npm:sentiment"]).toMatchObject({ loaded: false, error: null });
    expect(Date.parse(idle["npm:sentiment"]?.idleSince ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(idle["npm:vader-sentiment"]).toMatchObject({ loaded: true });
    expect(idle["npm:vader-sentiment"]).not.toHaveProperty("idleSince");

    // The route's first candidate answers again: the request waited for its load.
    expect(await classifyMood(server.url)).toEqual({ model: "npm:sentiment", label: "positive" });
    expect(modelProcesses(pid)).toHaveLength(2);
    const loaded = await models(server.url);
    expect(loaded["npm:sentiment"]).toMatchObject({ loaded: true, error: null });
    expect(loaded["npm:sentiment"]).not.toHaveProperty("idleSince");
  }, 120_000);

  it("refuses a value that is not a whole number of seconds", async () => {
    const result = await runCli(["serve", "--config", config, "--unload-idle", "1.5"], {
      MODELSCOUT_HOME: home,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--unload-idle must be a whole number of seconds, 0 or more (got "1.5")',
    );
  });
});
