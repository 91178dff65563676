/**
 * `modelscout serve --edge` (ADR 0098): catalog models run in the server's process instead of
 * a child process each, but for a model whose declaration asks for `isolated: true`. The real
 * CLI in a child process; its model processes are counted as the operating system sees them.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classifyMood, modelProcesses, writeMoodRoutes } from "./mood-route.js";
import { killHard, type ServeProcess, startServeProcess } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-edge-"));
// Declared: isolated whatever the server's default. npm:sentiment is not declared.
const config = writeMoodRoutes(home, [
  { id: "npm:vader-sentiment", kind: "catalog", isolated: true },
]);

const started: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map(killHard));
});

async function serve(args: readonly string[]): Promise<ServeProcess> {
  const server = await startServeProcess(["--config", config, ...args], { MODELSCOUT_HOME: home });
  started.push(server);
  return server;
}

describe("modelscout serve --edge", () => {
  it("runs undeclared catalog models in its own process, and declared isolated ones in a child", async () => {
    const edge = await serve(["--edge"]);
    const pid = edge.child.pid as number;
    await expect
      .poll(edge.stdout, { timeout: 10_000, interval: 50 })
      .toContain(
        "Edge mode: npm:sentiment in this process; npm:vader-sentiment in a process of its own (declared isolated)\n",
      );
    // Models load before the server says it listens: every model process is up by now.
    expect(modelProcesses(pid)).toHaveLength(1);
    expect(await classifyMood(edge.url)).toEqual({ model: "npm:sentiment", label: "positive" });
    expect(modelProcesses(pid)).toHaveLength(1);
  }, 120_000);

  it("says the same with --unload-idle, whose models' line follows", async () => {
    const edge = await serve(["--edge", "--unload-idle", "30"]);
    await expect
      .poll(edge.stdout, { timeout: 10_000, interval: 50 })
      .toContain(
        "Edge mode: npm:sentiment in this process; npm:vader-sentiment in a process of its own (declared isolated)\n" +
          "Idle models unloaded: npm:vader-sentiment, npm:sentiment after 30 s without a call; each loads again on its next call\n",
      );
    expect(modelProcesses(edge.child.pid as number)).toHaveLength(1);
  }, 120_000);

  it("runs each catalog model in a child process without it", async () => {
    const plain = await serve([]);
    expect(plain.stdout()).not.toContain("Edge mode");
    expect(modelProcesses(plain.child.pid as number)).toHaveLength(2);
    expect(await classifyMood(plain.url)).toEqual({ model: "npm:sentiment", label: "positive" });
  }, 120_000);
});
