import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startBackgroundCheckpoints } from "../../src/state/background-checkpoints.js";
import { openStateDatabase } from "../../src/state/state-database.js";
import { canRaise, threadPolicy } from "../../src/state/thread-priority.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("background checkpoints", () => {
  it("turns the connection's automatic checkpoints off, checkpoints from a worker, and restores them on stop", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-ckpt-")), "state.db");
    const database = openStateDatabase({ path });
    database.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, text TEXT)");
    const checkpoints = startBackgroundCheckpoints(database, { intervalMs: 50 });
    expect(database.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    const insert = database.prepare("INSERT INTO rows (text) VALUES (?)");
    for (let batch = 0; batch < 20; batch++) {
      database.transaction(() => {
        for (let index = 0; index < 200; index++) insert.run("x".repeat(200));
      })();
    }
    // Without any checkpoint the WAL would hold every page written; the worker's checkpoints
    // copy them into the database file.
    await sleep(300);
    const walFrames = database.pragma("wal_checkpoint(PASSIVE)") as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    expect(walFrames[0]?.busy).toBe(0);
    expect(statSync(path).size).toBeGreaterThan(500_000);
    await checkpoints.stop();
    expect(database.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    expect(database.prepare("SELECT COUNT(*) AS n FROM rows").get()).toEqual({ n: 4000 });
    database.close();
  });

  // Needs Linux, util-linux's chrt and the right to leave SCHED_IDLE (CAP_SYS_NICE): CI has all three.
  it.runIf(process.platform === "linux" && canRaise())(
    "runs its worker under SCHED_IDLE, and raises it for the last checkpoint at stop",
    async () => {
      const path = join(mkdtempSync(join(tmpdir(), "ms-ckpt-")), "state.db");
      const database = openStateDatabase({ path });
      const checkpoints = startBackgroundCheckpoints(database, { intervalMs: 50 });
      const policy = () => (checkpoints.threadId === 0 ? null : threadPolicy(checkpoints.threadId));
      // The kernel may show the change before chrt's exit reaches this thread: wait for both.
      const lowered = () => policy() === "idle" && checkpoints.priority === "idle";
      for (let waited = 0; waited < 3000 && !lowered(); waited += 20) await sleep(20);
      expect(policy()).toBe("idle");
      expect(checkpoints.priority).toBe("idle");
      await checkpoints.stop();
      expect(checkpoints.priority).toBe("raised");
      database.close();
    },
  );

  it("does nothing for an in-memory database", async () => {
    const database = openStateDatabase({ path: ":memory:" });
    const checkpoints = startBackgroundCheckpoints(database);
    expect(database.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    await checkpoints.stop();
    database.close();
  });
});
