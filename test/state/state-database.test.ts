import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  migrateComponent,
  openStateDatabase,
  withoutSync,
} from "../../src/state/state-database.js";
import { holdWriteLock } from "../support/hold-write-lock.js";

const migrations = [
  { version: 1, description: "a", sql: "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)" },
  { version: 2, description: "b", sql: "ALTER TABLE things ADD COLUMN size INTEGER" },
];

describe("state database", () => {
  it("applies a component's migrations once and keeps components apart", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-state-")), "state.db");
    const database = openStateDatabase({ path });
    expect(migrateComponent(database, "things", migrations)).toEqual([1, 2]);
    expect(migrateComponent(database, "things", migrations)).toEqual([]);
    expect(
      migrateComponent(database, "other", [
        { version: 1, description: "x", sql: "CREATE TABLE others (id INTEGER)" },
      ]),
    ).toEqual([1]);
    database.prepare("INSERT INTO things (name, size) VALUES (?, ?)").run("a", 3);
    database.close();
    const reopened = openStateDatabase({ path });
    expect(migrateComponent(reopened, "things", migrations)).toEqual([]);
    expect(reopened.prepare("SELECT size FROM things").get()).toEqual({ size: 3 });
    expect(reopened.pragma("synchronous", { simple: true })).toBe(2); // FULL
    reopened.close();
  });

  it("rolls back a failing migration and refuses a newer schema", () => {
    const database = openStateDatabase({ path: ":memory:" });
    expect(() =>
      migrateComponent(database, "bad", [
        { version: 1, description: "ok", sql: "CREATE TABLE t1 (id INTEGER)" },
        { version: 2, description: "broken", sql: "CREATE TABLE t2 (id INTEGER); NOT SQL" },
      ]),
    ).toThrow();
    const tables = database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'")
      .all();
    expect(tables).toEqual([{ name: "t1" }]);
    expect(() => migrateComponent(database, "bad", [migrations[0] as never])).not.toThrow();
    database.prepare("UPDATE schema_versions SET version = 9 WHERE component = 'bad'").run();
    expect(() => migrateComponent(database, "bad", migrations)).toThrow(
      /newer than this ModelScout/,
    );
    database.close();
  });

  it("lets processes that start together migrate once", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-state-")), "state.db");
    const script = `
      import { migrateComponent, openStateDatabase } from ${JSON.stringify(new URL("../../src/state/state-database.ts", import.meta.url).pathname)};
      const db = openStateDatabase({ path: ${JSON.stringify(path)} });
      const applied = migrateComponent(db, "things", ${JSON.stringify(migrations)});
      console.log(JSON.stringify(applied));
    `;
    const runs = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, [
              "--import",
              "tsx",
              "--input-type=module",
              "-e",
              script,
            ]);
            let out = "";
            let err = "";
            child.stdout.on("data", (chunk) => {
              out += chunk;
            });
            child.stderr.on("data", (chunk) => {
              err += chunk;
            });
            child.on("close", (code) =>
              code === 0 ? resolve(out.trim()) : reject(new Error(err)),
            );
          }),
      ),
    );
    const applied = runs.flatMap((line) => JSON.parse(line) as number[]).sort();
    expect(applied).toEqual([1, 2]);
  }, 60_000);

  it("waits for another process that holds a new file's write lock before it switches to WAL", async () => {
    // SQLite answers `journal_mode = WAL` with SQLITE_BUSY at once, without waiting as other
    // statements do, while another connection holds a write lock on a file in rollback mode:
    // how a worker of `serve --workers` failed to start on a new state file (useWalJournal).
    const path = join(mkdtempSync(join(tmpdir(), "ms-state-")), "state.db");
    await holdWriteLock(path, 300);
    const startedAt = performance.now();
    const database = openStateDatabase({ path });
    expect(performance.now() - startedAt).toBeGreaterThan(100);
    expect(database.pragma("journal_mode", { simple: true })).toBe("wal");
    database.close();
    // Past the busy timeout it is still the store's error that says what to do.
    const other = join(mkdtempSync(join(tmpdir(), "ms-state-")), "state.db");
    await holdWriteLock(other, 1000);
    expect(() => openStateDatabase({ path: other, busyTimeoutMs: 50 })).toThrow(
      /is locked by another process/,
    );
  });
  it("commits without an fsync only inside withoutSync, and is back at FULL after it", () => {
    const path = join(mkdtempSync(join(tmpdir(), "ms-state-")), "state.db");
    const database = openStateDatabase({ path });
    database.exec("CREATE TABLE things (id INTEGER PRIMARY KEY)");
    const level = () => database.pragma("synchronous", { simple: true });
    const insert = database.transaction(() => {
      database.prepare("INSERT INTO things DEFAULT VALUES").run();
      return level();
    });
    // 1 is NORMAL, 2 FULL; the level a commit runs at is the connection's when it commits.
    expect(withoutSync(database, () => insert.immediate())).toBe(1);
    expect(level()).toBe(2);
    expect(() =>
      withoutSync(database, () => {
        throw new Error("the fold failed");
      }),
    ).toThrow("the fold failed");
    expect(level()).toBe(2);
    // Inside a transaction SQLite refuses to change the level; the outer commit decides.
    expect(database.transaction(() => withoutSync(database, level)).immediate()).toBe(2);
    expect(database.prepare("SELECT count(*) AS n FROM things").get()).toEqual({ n: 1 });
    database.close();
  });
});
