import { spawn } from "node:child_process";

/** Resolves once another process holds a write lock on a new SQLite file at `path` for `ms`. */
export function holdWriteLock(path: string, ms: number): Promise<void> {
  const holder = spawn(process.execPath, [
    "--input-type=module",
    "-e",
    `
      import Database from "better-sqlite3";
      const db = new Database(${JSON.stringify(path)});
      db.exec("BEGIN IMMEDIATE");
      console.log("held");
      setTimeout(() => { db.exec("COMMIT"); db.close(); }, ${ms});
    `,
  ]);
  return new Promise((resolve, reject) => {
    holder.stdout.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
}
