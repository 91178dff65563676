/**
 * @module
 * How V8 collects the young generation (its scavenges) in the routing server's process
 * (ADR 0041). A routed request's objects die young, so a scavenge in the server copies tens
 * of kilobytes; V8 splits even that among up to five tasks by default, because Node.js gives
 * it four helper threads whatever the number of CPUs, and the main thread waits for the
 * helpers to finish. On a machine whose CPUs are busy (with the model's own server, or a
 * load balancer), they wait for a CPU first, and the pause, which every request in flight
 * sits through, grows. `serial` makes the main thread do its scavenges alone.
 *
 * The setting is V8's, so it holds for the whole process and cannot be given in
 * `NODE_OPTIONS` (Node.js refuses `--no-parallel-scavenge` there), which is why the server
 * sets it itself.
 */
import { setFlagsFromString } from "node:v8";
import type { RoutesConfig } from "../route/routes-config.js";

/** `serial`: the main thread scavenges alone; `parallel`: as V8 does by default (with helpers). */
export type YoungGcMode = RoutesConfig["server"]["youngGc"];

/**
 * `serial` turns V8's parallel scavenges off for this process; `parallel` leaves V8's setting
 * as the process started with it (on, unless `node --no-parallel-scavenge`).
 */
export function applyYoungGcMode(mode: YoungGcMode): void {
  if (mode === "serial") setFlagsFromString("--no-parallel-scavenge");
}
