import { once } from "node:events";
import { type AddressInfo, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ModelScoutError } from "../../src/errors/modelscout-error.js";
import { listenError, listenServer } from "../../src/http/listen-server.js";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function server(): Server {
  const created = createServer();
  servers.push(created);
  return created;
}

describe("listenServer", () => {
  it("listens, and a second server on the same port is told the port is in use", async () => {
    const first = server();
    await listenServer(first, 0, "127.0.0.1");
    const port = (first.address() as AddressInfo).port;
    const error = await listenServer(server(), port, "127.0.0.1").catch((caught) => caught);
    expect(ModelScoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(error.message).toBe(
      `Port ${port} on 127.0.0.1 is already in use. Pass another --port, or 0 for any free port.`,
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
  });

  it("says when the host is not an address of this machine", async () => {
    // TEST-NET-1 (RFC 5737): never assigned to an interface.
    const error = await listenServer(server(), 0, "192.0.2.1").catch((caught) => caught);
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(error.message).toContain("192.0.2.1 is not an address of this machine");
  });

  it("leaves no error listener behind once listening", async () => {
    const listening = server();
    await listenServer(listening, 0, "127.0.0.1");
    expect(listening.listenerCount("error")).toBe(0);
    const closed = once(listening, "close");
    listening.close();
    await closed;
  });
});

describe("listenError", () => {
  // A privileged port cannot be refused to this suite when it runs as root; the message is
  // checked on the error Node gives.
  it("explains a privileged port", () => {
    const cause = Object.assign(new Error("listen EACCES: permission denied 0.0.0.0:80"), {
      code: "EACCES",
    });
    const error = listenError(cause, 80, "0.0.0.0");
    expect(error.message).toContain("port 80 needs privileges");
    expect(error.cause).toBe(cause);
  });

  it("keeps Node's message for any other failure", () => {
    const cause = Object.assign(new Error("listen EMFILE"), { code: "EMFILE" });
    expect(listenError(cause, 8080, "127.0.0.1").message).toBe(
      "Cannot listen on 127.0.0.1:8080 (listen EMFILE). Check --host and --port.",
    );
  });
});
