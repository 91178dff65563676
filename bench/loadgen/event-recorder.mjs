/**
 * Preloaded (`node --import`) into a benchmark's server process by `bench/router-timeline.ts`:
 * records when the process's main thread could not serve, so slow answers can be laid beside
 * the cause. Two kinds of event, each `[kind, startNs, durationNs]` on CLOCK_MONOTONIC (the
 * load generator's clock):
 * - `gc-<kind>`: a garbage collection pause of the main thread (Node's `gc` performance
 *   entries; kind 1 is a scavenge, 4 a mark-compact, 8 incremental marking, 16 weak callbacks);
 * - `lag`: the event loop ran a 1 ms interval timer more than 0.5 ms late (it was busy, or
 *   the thread had no CPU): the event is the lateness.
 * `EVENT_RECORDER_OUT` names the JSON file written on SIGUSR2; `EVENT_RECORDER_PREFIX` is put
 * before each kind (to tell two processes' events apart).
 */
import { writeFileSync } from "node:fs";
import { PerformanceObserver, performance } from "node:perf_hooks";

const out = process.env.EVENT_RECORDER_OUT;
const prefix = process.env.EVENT_RECORDER_PREFIX ?? "";
const events = [];
// performance.now() and process.hrtime share the monotonic clock; map one onto the other.
const originNs = Number(process.hrtime.bigint()) - performance.now() * 1e6;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    events.push([
      `${prefix}gc-${entry.detail.kind}`,
      originNs + entry.startTime * 1e6,
      entry.duration * 1e6,
    ]);
  }
}).observe({ entryTypes: ["gc"] });
let last = process.hrtime.bigint();
setInterval(() => {
  const now = process.hrtime.bigint();
  const lateNs = Number(now - last) - 1e6;
  if (lateNs > 0.5e6) events.push([`${prefix}lag`, Number(last) + 1e6, lateNs]);
  last = now;
}, 1).unref();
process.on("SIGUSR2", () => {
  if (out !== undefined) writeFileSync(out, JSON.stringify(events));
  events.length = 0;
});
