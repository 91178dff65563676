#!/usr/bin/env node
/**
 * @module
 * The `modelscout` executable.
 */
import "./plain-when-piped.js";
import cluster from "node:cluster";
import { main } from "./run-cli.js";

// A reader that closed stdout (`modelscout requests --json | head -c 0`) wants no more: stop
// quietly, as `cat` does, rather than die on an unhandled EPIPE with a stack trace. Any other
// write error is still thrown.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(Number(process.exitCode ?? 0));
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
// A `serve --workers` worker (or any command forked with an IPC channel) is done: the channel
// would keep the process alive, and its primary learns of the end from the exit. A cluster
// worker says it is leaving first: a worker whose channel simply closes is made to exit 0 by
// Node's cluster module, whatever its exit code, and its primary would report a failure to
// start as "exit code 0".
if (cluster.worker !== undefined) cluster.worker.disconnect();
else if (process.connected) process.disconnect();
