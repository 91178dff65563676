#!/usr/bin/env node
/**
 * @module
 * The `modelscout` executable.
 */
import { main } from "./run-cli.js";

process.exitCode = await main(process.argv.slice(2));
// A `serve --workers` worker (or any command forked with an IPC channel) is done: the channel
// would keep the process alive, and its primary learns of the end from the exit.
if (process.connected) process.disconnect();
