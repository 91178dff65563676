/**
 * Preloaded (`node --import`) into a proxy's process by `bench/router-alloc.ts`: V8's sampling
 * heap profiler, through the inspector in the same thread, counting what every function
 * allocates whether or not it is collected since (the profiler's `includeObjectsCollectedBy*`
 * options; `node --heap-prof` keeps only what is still alive when it writes). SIGUSR1 starts
 * sampling, one sample per `HEAP_SAMPLER_INTERVAL` bytes on average (default 1024); SIGUSR2
 * stops it and writes the profile (`.heapprofile` JSON) to `HEAP_SAMPLER_OUT`, renamed into
 * place once complete. `HEAP_SAMPLER_KEEP=survivors` leaves out what a young-generation
 * collection freed: what is left survived at least one (copied by it, promoted to old space
 * by a second), whether or not a mark-compact has freed it since; a minor collection runs
 * just before the profile is taken.
 */
import { renameSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const out = process.env.HEAP_SAMPLER_OUT;
const interval = Number(process.env.HEAP_SAMPLER_INTERVAL ?? 1024);
const survivorsOnly = process.env.HEAP_SAMPLER_KEEP === "survivors";
// For survivors: a young-generation collection just before the profile is taken, or the
// garbage allocated since the last one (up to a young generation's worth) would count too.
let minorGc;
if (survivorsOnly) {
  setFlagsFromString("--expose-gc");
  minorGc = runInNewContext("gc");
}
const session = new Session();
session.connect();
await session.post("HeapProfiler.enable");

process.on("SIGUSR1", () => {
  void session.post("HeapProfiler.startSampling", {
    samplingInterval: interval,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: !survivorsOnly,
  });
});
process.on("SIGUSR2", async () => {
  minorGc?.({ type: "minor" });
  const { profile } = await session.post("HeapProfiler.stopSampling");
  writeFileSync(`${out}.partial`, JSON.stringify(profile));
  renameSync(`${out}.partial`, out);
});
