import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SQLITE_WORKER = fileURLToPath(new URL("../../src/state/sqlite-worker.ts", import.meta.url));

describe("startSqliteWorker", () => {
  it("runs its CommonJS source in a process started with --input-type=module and V8 flags", () => {
    // `node --eval` scripts are modules only with that flag, and workers inherit the
    // process's flags: the request-log writer then never started, and closing the server
    // waited 15 s for it.
    const script = `
      import { startSqliteWorker } from ${JSON.stringify(SQLITE_WORKER)};
      const worker = startSqliteWorker(
        'const { parentPort, workerData } = require("node:worker_threads");' +
          'parentPort.postMessage(typeof require(workerData.sqliteModule));',
        {},
      );
      worker.ref();
      worker.on("message", (kind) => { console.log(kind); process.exit(0); });
      worker.on("error", (error) => { console.log(error.message); process.exit(1); });
    `;
    const printed = execFileSync(
      process.execPath,
      // V8's own flags, which a worker may not be given, must not stop it either.
      ["--expose-gc", "--trace-gc", "--import", "tsx", "--input-type=module", "--eval", script],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(printed.split("\n").filter((line) => !line.startsWith("["))).toEqual(["function", ""]);
  });
});
