/**
 * @module
 * Starting a server on `--host` and `--port`, with an error a user can act on when the
 * address cannot be had: a port another process holds, a port below 1024 without the
 * privilege, a host that is not this machine's. Node's own error is kept as the cause; its
 * stack is of no use to someone who typed a port (`modelscout serve`, `modelscout mirror
 * serve`, and a `serve --workers` worker, whose listen the cluster's primary makes).
 */
import type { Server } from "node:net";
import { ModelScoutError } from "../errors/modelscout-error.js";

/** Listens on `port` at `host`; rejects with an `INVALID_ARGUMENT` naming what to change. */
export function listenServer(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((listening, fail) => {
    const refused = (error: NodeJS.ErrnoException) => fail(listenError(error, port, host));
    server.once("error", refused);
    server.listen(port, host, () => {
      server.off("error", refused);
      listening();
    });
  });
}

/** What a failed `listen` tells the user; exported for the tests of each message. */
export function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  const message = listenMessage(error.code, port, host);
  return message === null
    ? new ModelScoutError(
        "INVALID_ARGUMENT",
        `Cannot listen on ${host}:${port} (${error.message}). Check --host and --port.`,
        { cause: error },
      )
    : new ModelScoutError("INVALID_ARGUMENT", message, { cause: error });
}

function listenMessage(code: string | undefined, port: number, host: string): string | null {
  switch (code) {
    case "EADDRINUSE":
      return `Port ${port} on ${host} is already in use. Pass another --port, or 0 for any free port.`;
    case "EACCES":
      return `Listening on port ${port} needs privileges this process does not have (ports below 1024 usually do). Pass a --port of 1024 or more.`;
    case "EADDRNOTAVAIL":
      return `${host} is not an address of this machine. Pass --host with one of its addresses (127.0.0.1, or 0.0.0.0 for all).`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `The host name ${host} does not resolve to an address. Pass --host with an address (127.0.0.1, or 0.0.0.0 for all).`;
    default:
      return null;
  }
}
