/**
 * @module
 * `useWalJournal`: `PRAGMA journal_mode = WAL`, waiting for other processes as every other
 * statement does. While another connection holds a write lock on a file still in
 * rollback-journal mode (a new file that another process is setting up), SQLite answers that
 * pragma with SQLITE_BUSY at once, without calling the busy handler that makes other
 * statements wait up to the connection's timeout. Two processes opening one new file
 * together hit it: `serve --workers 2` on a new state file had a worker fail to start
 * with "database is locked" in about one start in fifteen (2026-12-04). So the pragma is
 * tried again, with short pauses, until the timeout has passed.
 */
import type Database from "better-sqlite3";

/** What the pauses wait on: nothing ever notifies it, so each wait runs to its timeout. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));
const LONGEST_PAUSE_MS = 50;

/** Puts `database` in WAL mode, retrying SQLITE_BUSY for up to the connection's busy timeout. */
export function useWalJournal(database: Database.Database): void {
  const deadline =
    performance.now() + (database.pragma("busy_timeout", { simple: true }) as number);
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS)) {
    try {
      database.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy = typeof code === "string" && code.startsWith("SQLITE_BUSY");
      if (!busy || performance.now() + pauseMs > deadline) throw error;
      // Opening is synchronous (the stores' contract), so this thread waits here.
      Atomics.wait(PAUSE, 0, 0, pauseMs);
    }
  }
}
