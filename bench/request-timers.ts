/**
 * Benchmark: a request's timer, started and cleared before it fires, the way the routing
 * server's deadlines and attempt timeouts are (issue 5, ADR 0040): `clearTimeout` against
 * `clearRequestTimer` (`src/http/request-timers.ts`, unref'd as it is cleared).
 *
 *   npx tsx bench/request-timers.ts [--ops 200000] [--rounds 8] [--ms 30000,60000]
 *
 * Each op starts one timer per duration in `--ms` (the router's two: a route's 30 s deadline
 * and an attempt's 60 s timeout) and clears them, with no other timer of those durations
 * alive, as between two requests of a server with one in flight at a time. With
 * `clearTimeout`, Node deletes each duration's list as its last timer goes, and the next
 * `setTimeout` builds it again and re-arms the event loop's timer. The two ways take turns
 * round by round (the first two rounds are warm-up); prints nanoseconds per op per round and
 * their medians (the lower of the middle two), and writes bench/results/request-timers.json.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { clearRequestTimer } from "../src/http/request-timers.js";
import { percentile } from "../src/profile/profile-model.js";

const { values } = parseArgs({
  options: {
    ops: { type: "string", default: "200000" },
    rounds: { type: "string", default: "8" },
    ms: { type: "string", default: "30000,60000" },
  },
});
const ops = Number(values.ops);
const rounds = Number(values.rounds);
const durations = (values.ms as string).split(",").map(Number);

const never = () => {
  throw new Error("a request timer fired during the benchmark");
};

const ways = {
  clearTimeout: (timer: NodeJS.Timeout) => clearTimeout(timer),
  clearRequestTimer,
} as const;
type Way = keyof typeof ways;

function round(way: Way): number {
  const clear = ways[way];
  const timers: NodeJS.Timeout[] = [];
  const started = process.hrtime.bigint();
  for (let op = 0; op < ops; op += 1) {
    for (const ms of durations) timers.push(setTimeout(never, ms));
    for (const timer of timers) clear(timer);
    timers.length = 0;
  }
  return Number(process.hrtime.bigint() - started) / ops;
}

const perRound: Record<Way, number[]> = { clearTimeout: [], clearRequestTimer: [] };
for (let index = 0; index < rounds; index += 1) {
  for (const way of Object.keys(ways) as Way[]) {
    const ns = round(way);
    if (index >= 2) perRound[way].push(ns);
    console.log(
      `round ${index + 1}${index < 2 ? " (warm-up)" : ""}: ${way} ${ns.toFixed(0)} ns/op`,
    );
  }
}
const results = (Object.keys(ways) as Way[]).map((way) => ({
  way,
  nsPerOpMedian: Math.round(
    percentile(
      [...perRound[way]].sort((a, b) => a - b),
      0.5,
    ),
  ),
  nsPerOp: perRound[way].map(Math.round),
}));
console.log(`| way | ns per op (${durations.length} timers), median of ${rounds - 2} rounds |`);
console.log("|---|---:|");
for (const result of results) console.log(`| ${result.way} | ${result.nsPerOpMedian} |`);
writeFileSync(
  fileURLToPath(new URL("./results/request-timers.json", import.meta.url)),
  `${JSON.stringify(
    {
      benchmark: "request-timers",
      command: `npx tsx bench/request-timers.ts --ops ${ops} --rounds ${rounds} --ms ${values.ms}`,
      date: new Date().toISOString(),
      node: process.version,
      results,
    },
    null,
    2,
  )}\n`,
);
