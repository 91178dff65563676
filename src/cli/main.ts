#!/usr/bin/env node
/**
 * @module
 * The `modelscout` executable.
 */
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
// would keep the process alive, and its primary learns of the end from the exit.
if (process.connected) process.disconnect();
