/**
 * `RoutingServer.close()` (what `modelscout serve` runs on SIGTERM, as in a rolling restart)
 * lets the requests already in flight finish: each gets its answer and its row in the request
 * log, and close returns once they are done. New connections are refused meanwhile.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRoutesConfig } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";
import { type GatedUpstream, startGatedUpstream } from "../support/gated-openai-server.js";
import { postJson } from "./routing-test-support.js";

let upstream: GatedUpstream;
let server: RoutingServer;
let databasePath: string;

beforeAll(async () => {
  upstream = await startGatedUpstream();
  databasePath = join(mkdtempSync(join(tmpdir(), "ms-graceful-")), "state.db");
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [
        {
          id: "slow",
          kind: "openai",
          base_url: `${upstream.url}/v1`,
          api_model: "slow",
          health_check: false,
        },
      ],
      routes: [{ name: "chat", targets: { chat: { policy: "fixed", candidates: ["slow"] } } }],
    }),
    port: 0,
    databasePath,
  });
});

afterAll(async () => {
  await server?.close();
  await upstream?.close();
});

describe("close()", () => {
  it("answers and logs the requests in flight, then returns", async () => {
    const ask = () =>
      postJson(`${server.url}/v1/chat/completions`, {
        model: "chat",
        messages: [{ role: "user", content: "still there?" }],
      });
    const inFlight = [ask(), ask()];
    await expect.poll(() => upstream.held.length, { timeout: 5000, interval: 5 }).toBe(2);

    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    // No new connections while it drains.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();

    upstream.release("slow");
    upstream.release("slow");
    const answers = await Promise.all(inFlight);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const startedClosing = Date.now();
    await closing;
    // Not held open for keep-alive's idle timeout once the answers are out.
    expect(Date.now() - startedClosing).toBeLessThan(2000);

    const ids = answers.map((answer) => answer.json.modelscout.request_id as string);
    const database = new Database(databasePath, { readonly: true });
    try {
      const rows = database
        .prepare(`SELECT id, status FROM routing_requests WHERE id IN (?, ?) ORDER BY id`)
        .all(...ids);
      expect(rows).toEqual([...ids].sort().map((id) => ({ id, status: 200 })));
    } finally {
      database.close();
    }
  });
});
