/**
 * `server.keep_alive_timeout_ms`: how long the routing server keeps a client's idle
 * keep-alive connection. By default longer than a load balancer's idle timeout (60 s on AWS
 * ALB and nginx), so the balancer, not the router, closes idle connections; Node's own 5 s
 * would have the router close connections a balancer is about to reuse.
 */
import { mkdtempSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseRoutesConfig, type RoutesConfigInput } from "../../src/route/routes-config.js";
import { type RoutingServer, startRoutingServer } from "../../src/server/start-routing-server.js";

let server: RoutingServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(serverSection: RoutesConfigInput["server"]): Promise<RoutingServer> {
  server = await startRoutingServer({
    config: parseRoutesConfig({
      models: [{ id: "echo:local", kind: "echo" }],
      routes: [
        { name: "chat", targets: { chat: { policy: "fixed", candidates: ["echo:local"] } } },
      ],
      ...(serverSection !== undefined && { server: serverSection }),
    }),
    port: 0,
    databasePath: join(mkdtempSync(join(tmpdir(), "ms-keep-alive-")), "state.db"),
  });
  return server;
}

/** One `GET /health` on a new raw connection; resolves with the answer's head. */
function askHealth(port: number): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    socket.setEncoding("utf8");
    socket.on("error", reject);
    socket.on("data", function onData(chunk: string) {
      received += chunk;
      const end = received.indexOf("\r\n\r\n");
      if (end !== -1) {
        socket.off("data", onData);
        resolve({ socket, head: received.slice(0, end) });
      }
    });
    socket.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  });
}

describe("server.keep_alive_timeout_ms", () => {
  it("keeps idle connections 65 s by default and says so in Keep-Alive", async () => {
    const { port } = await start(undefined);
    const { socket, head } = await askHealth(port);
    socket.destroy();
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head.toLowerCase()).toContain("keep-alive: timeout=65");
  });

  it("closes an idle connection after the configured time", async () => {
    const { port } = await start({ keep_alive_timeout_ms: 200 });
    const { socket } = await askHealth(port);
    const openedAt = Date.now();
    const closedAfter = await new Promise<number>((resolve) =>
      socket.once("close", () => resolve(Date.now() - openedAt)),
    );
    // Node closes an idle connection somewhat after the timeout it announces (up to 1 s on
    // Node.js 20), never before it.
    expect(closedAfter).toBeGreaterThanOrEqual(150);
    expect(closedAfter).toBeLessThan(5000);
  });

  it("refuses a timeout that is not a positive whole number of milliseconds", () => {
    expect(() =>
      parseRoutesConfig({
        routes: [
          { name: "chat", targets: { chat: { policy: "fixed", candidates: ["echo:local"] } } },
        ],
        server: { keep_alive_timeout_ms: 0 },
      }),
    ).toThrow(/keep_alive_timeout_ms/);
  });
});
