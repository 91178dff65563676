/**
 * Benchmark: the routing server's heap over many reloads of its routes config (ADR 0046), to
 * show that a reload leaves nothing of the router it replaces behind.
 *
 *   node --expose-gc --import tsx bench/router-reload-heap.ts [--reloads 400] [--every 100]
 *
 * Starts `startRoutingServer` in this process with a config of an echo model and a
 * nearest-neighbour step over 300 example utterances (hashed n-grams), then reloads it
 * `--reloads` times, alternating the echo model's template (so the echo model is built anew
 * and the embedding step's examples are taken over each time), and prints the heap in use
 * after two full collections every `--every` reloads. With `--reloads 2000 --every 400`
 * (2026-12-02): 17.1 MB after the first reload and 36.1 MB after 2,000 before the fix of that
 * day, every replaced router still reachable (`createRouter`'s closures kept its `options`, and
 * in them the previous router); 17.1 MB and 17.9 MB after it. Writes
 * bench/results/router-reload-heap.json.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseRoutesConfig } from "../src/route/routes-config.js";
import { startRoutingServer } from "../src/server/start-routing-server.js";
import { writeBenchResult } from "./bench-result.js";

const { values } = parseArgs({
  options: {
    reloads: { type: "string", default: "400" },
    every: { type: "string", default: "100" },
  },
});
const reloads = Number(values.reloads);
const every = Number(values.every);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc --import tsx");

const examples = {
  near: Array.from({ length: 300 }, (_, index) => `example number ${index} about parcels`),
  far: ["something else entirely"],
};
const config = (variant: number) =>
  parseRoutesConfig({
    classification: [{ kind: "nearest-neighbour", model: "ngrams", examples, k: 1 }],
    models: [
      { id: "echo:a", kind: "echo", template: `a${variant} {{input}}` },
      { id: "ngrams", kind: "hashed-ngrams" },
    ],
    routes: [
      { name: "near", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } },
      { name: "far", targets: { chat: { policy: "fixed", candidates: ["echo:a"] } } },
    ],
  });

const home = mkdtempSync(join(tmpdir(), "ms-reload-heap-"));
const server = await startRoutingServer({
  config: config(0),
  port: 0,
  databasePath: join(home, "state.db"),
});
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};
const samples: { reloads: number; heapMb: number }[] = [];
try {
  for (let done = 1; done <= reloads; done += 1) {
    await server.reload(config(done % 2));
    if (done === 1 || done % every === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the old router retires
      samples.push({ reloads: done, heapMb: heapMb() });
      console.log(`after ${done} reloads: heap ${samples.at(-1)?.heapMb.toFixed(1)} MB`);
    }
  }
} finally {
  await server.close();
  rmSync(home, { recursive: true, force: true });
}
writeBenchResult(
  "router-reload-heap",
  `node --expose-gc --import tsx bench/router-reload-heap.ts --reloads ${reloads} --every ${every}`,
  { reloads, samples },
);
