/**
 * `modelscout serve` on an address it cannot have: the real CLI in a child process. It says
 * what to change and exits 2, rather than printing Node's stack as an unexpected error and
 * staying alive on the request log's writer thread, as it once did.
 */
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { takenPort } from "../support/closed-port.js";
import { DESK_RULES } from "../support/desk-rules.js";
import { spawnServe } from "./serve-process.js";

const home = mkdtempSync(join(tmpdir(), "ms-serve-listen-"));
const configPath = join(home, "routes.json");
writeFileSync(
  configPath,
  JSON.stringify({
    ...DESK_RULES,
    models: [
      { id: "echo:delivery", kind: "echo" },
      { id: "echo:complaint", kind: "echo" },
      { id: "echo:product", kind: "echo" },
    ],
    routes: [
      { name: "delivery", targets: { chat: { candidates: ["echo:delivery"] } } },
      { name: "complaint", targets: { chat: { candidates: ["echo:complaint"] } } },
      { name: "product", targets: { chat: { candidates: ["echo:product"] } } },
    ],
  }),
);

describe("modelscout serve on a port in use", () => {
  it("names the port, exits 2 and leaves nothing running", async () => {
    const { port, release } = await takenPort();
    const started = spawnServe(
      ["--config", configPath, "--state", join(home, "state.db"), "--port", String(port)],
      { MODELSCOUT_HOME: home },
    );
    // It must exit by itself; one that stays alive is failed after 30 s and killed.
    const stuck = setTimeout(() => started.child.kill("SIGKILL"), 30_000);
    try {
      const [code, signal] = await once(started.child, "exit");
      expect(signal, "still running 30 s after failing to listen").toBeNull();
      expect(code).toBe(2);
      expect(started.stderr()).toContain(
        `modelscout: Port ${port} on 127.0.0.1 is already in use. Pass another --port, or 0 for any free port.`,
      );
      expect(started.stderr()).not.toContain("unexpected error");
    } finally {
      clearTimeout(stuck);
      await release();
    }
  }, 60_000);
});
