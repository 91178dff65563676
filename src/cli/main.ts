#!/usr/bin/env node
/**
 * @module
 * The `modelscout` executable.
 */
import { main } from "./run-cli.js";

process.exitCode = await main(process.argv.slice(2));
