/**
 * Loaded into a benchmark's server process with `node --import` (`bench/router-old-space.ts`):
 * measures, between two `SIGUSR2` signals, how many bytes the process allocates straight into
 * V8's old space, and its garbage collections.
 *
 * Old space grows only two ways: objects promoted by a scavenge, and objects allocated there
 * directly (hidden classes among them). Sampled every 5 ms, growth between two samples with
 * no collection in between is the second kind. On exit (the benchmark sends `SIGTERM`; this
 * installs no handler of its own, the role's does) writes JSON to `HEAP_WATCH_OUT`:
 * `{ windowMs, oldDirectBytes, sampledMs, scavenges, markCompacts, gcPauseMs, maxGcPauseMs }`.
 */
import { writeFileSync } from "node:fs";
import { constants, PerformanceObserver, performance } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";

const out = process.env.HEAP_WATCH_OUT;
let watching = false;
let startedAt = 0;
let stoppedAt = 0;
let collections = 0;
const totals = {
  oldDirectBytes: 0,
  sampledMs: 0,
  scavenges: 0,
  markCompacts: 0,
  gcPauseMs: 0,
  maxGcPauseMs: 0,
};

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    collections += 1;
    if (!watching) continue;
    const kind = entry.detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) totals.scavenges += 1;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) totals.markCompacts += 1;
    totals.gcPauseMs += entry.duration;
    totals.maxGcPauseMs = Math.max(totals.maxGcPauseMs, entry.duration);
  }
}).observe({ entryTypes: ["gc"] });

const oldSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === "old_space")?.space_used_size ?? 0;

let timer;
let last;
function sample() {
  const now = { at: performance.now(), collections, used: oldSpaceUsed() };
  if (last !== undefined && last.collections === now.collections && now.used >= last.used) {
    totals.oldDirectBytes += now.used - last.used;
    totals.sampledMs += now.at - last.at;
  }
  last = now;
}

process.on("SIGUSR2", () => {
  if (!watching) {
    watching = true;
    startedAt = performance.now();
    last = undefined;
    timer = setInterval(sample, 5);
  } else {
    watching = false;
    stoppedAt = performance.now();
    clearInterval(timer);
  }
});

process.on("exit", () => {
  if (out === undefined) return;
  writeFileSync(out, JSON.stringify({ windowMs: stoppedAt - startedAt, ...totals }));
});
