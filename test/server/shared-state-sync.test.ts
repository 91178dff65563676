/**
 * The server's sync with other servers on its state file (ADR 0060): it reads their learner
 * writes on a timer, and when it cannot follow them (another server runs another half-life)
 * it says so once on stderr and on `/ready`, which stays 200: it serves on what it read.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ThompsonRouteLearner } from "../../src/route/learning/thompson-route-learner.js";
import { RouteSwitches } from "../../src/route/route-switches.js";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { startSharedStateSync } from "../../src/route/shared-state-sync.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { openStateDatabase } from "../../src/state/state-database.js";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const task of cleanup.splice(0).reverse()) await task();
  vi.restoreAllMocks();
});

const statePath = () => join(mkdtempSync(join(tmpdir(), "ms-sync-")), "state.db");

describe("the shared-state sync", () => {
  it("reports a failure once per distinct message, and clears it when a sync succeeds", () => {
    const database = openStateDatabase({ path: ":memory:" });
    cleanup.push(() => database.close());
    let failure: Error | null = new Error("disk I/O error");
    const learner = {
      choose: () => ({ modelId: "m", reason: "only candidate", explored: false }),
      record: () => {},
      standings: () => [],
      sync: () => {
        if (failure !== null) throw failure;
        return 3;
      },
    };
    const messages: string[] = [];
    const sync = startSharedStateSync({
      learner,
      switches: new RouteSwitches(database),
      intervalMs: 60_000,
      onError: (message) => messages.push(message),
    });
    cleanup.push(() => sync.stop());
    expect(sync.runOnce()).toBe(0);
    expect(sync.runOnce()).toBe(0);
    expect(messages).toEqual([
      "could not read what other servers wrote to the state database: disk I/O error",
    ]);
    expect(sync.lastError).toBe(messages[0]);
    failure = null;
    expect(sync.runOnce()).toBe(3);
    expect(sync.lastError).toBeNull();
  });

  it("shows on /ready that another server runs another half-life, and keeps serving", async () => {
    const path = statePath();
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const config = parseRoutesConfig({
      models: [
        { id: "echo:a", kind: "echo" },
        { id: "echo:b", kind: "echo" },
      ],
      routes: [
        { name: "desk", targets: { chat: { policy: "bandit", candidates: ["echo:a", "echo:b"] } } },
      ],
      learning: { halfLifeMs: 60_000 },
    });
    const server: RoutingServer = await startRoutingServer({
      config,
      port: 0,
      databasePath: path,
      sharedStateSyncMs: 20,
      createLearner: (database) => new ThompsonRouteLearner({ database, config: config.learning }),
    });
    cleanup.push(() => server.close());
    const ready = async () => {
      const response = await fetch(`${server.url}/ready`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect((await ready()).body.state_sync_error).toBeUndefined();
    // Another server starts on the file with another half-life: it rebuilds the aggregates.
    const other = openStateDatabase({ path });
    cleanup.push(() => other.close());
    new ThompsonRouteLearner({ database: other, config: { halfLifeMs: 120_000 } });
    await vi.waitFor(async () => {
      expect((await ready()).body.state_sync_error).toMatch(/half-life of 120000 ms/);
    });
    expect((await ready()).status).toBe(200);
    const said = stderr.mock.calls
      .map(([chunk]) => String(chunk))
      .filter((line) => /half-life/.test(line));
    expect(said).toHaveLength(1);
  });
});
