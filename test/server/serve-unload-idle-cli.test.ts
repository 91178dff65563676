/**
 * `modelscout serve --unload-idle <seconds>` (ADR 0099): a catalog model no request has used
 * for that long is unloaded (its model process ends) and loads again on the next request; a
 * model declared with `unload_idle_seconds: 0` stays loaded. The real CLI in a child process;
 * its model processes are counted as the operating system sees them.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-idle-"));
const config = join(home, "routes.json");
writeFileSync(
  config,
  JSON.stringify({
    // Declared to stay loaded whatever the server's setting; npm:sentiment is not declared.
    models: [{ id: "npm:vader-sentiment", kind: "catalog", unload_idle_seconds: 0 }],
    routes: [
      {
        name: "mood",
        targets: {
          "text-classification": {
            policy: "fallback",
            candidates: ["npm:sentiment", "npm:vader-sentiment"],
          },
        },
      },
    ],
  }),
);

const started: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map(killHard));
});

/** The model processes whose parent is `pid` (from source, tsx's esbuild is a child too). */
function modelProcesses(pid: number): string[] {
  let children: string;
  try {
    children = execFileSync("pgrep", ["-a", "-P", String(pid)], { encoding: "utf8" });
  } catch {
    return []; // pgrep exits 1 when it finds none
  }
  return children.split("\n").filter((line) => line.includes("isolated-child"));
}

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

async function classify(url: string): Promise<{ model: string; label: string }> {
  const response = await fetch(`${url}/v1/tasks/text-classification`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "mood", inputs: "I love this, it is wonderful" }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as {
    modelscout: { model: string };
    data: { labels: { label: string }[] }[];
  };
  return { model: body.modelscout.model, label: body.data[0]?.labels[0]?.label as string };
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
    expect(await classify(server.url)).toEqual({ model: "npm:sentiment", label: "positive" });

    // A second after that request, npm:sentiment's process ends; vader's stays.
    await expect.poll(() => modelProcesses(pid).length, { timeout: 15_000, interval: 100 }).toBe(1);
    const idle = await models(server.url);
    expect(idle["npm:sentiment"]).toMatchObject({ loaded: false, error: null });
    expect(Date.parse(idle["npm:sentiment"]?.idleSince ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(idle["npm:vader-sentiment"]).toMatchObject({ loaded: true });
    expect(idle["npm:vader-sentiment"]).not.toHaveProperty("idleSince");

    // The route's first candidate answers again: the request waited for its load.
    expect(await classify(server.url)).toEqual({ model: "npm:sentiment", label: "positive" });
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
