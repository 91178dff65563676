/**
 * Benchmark helper: what the Linux scheduler saw of the router benchmarks' processes in one
 * window (issue 5). `router-timeline.ts` says when each server's event loop ran late; this
 * says whether the thread was waiting for a CPU then (scheduling delay) or was running (a
 * long slice of its own work).
 *
 * Record the whole machine while a benchmark runs, then turn the record into text:
 *
 *   perf sched record -a -o /tmp/sched.data -- sleep 45 &
 *   npx tsx bench/router-timeline.ts --target proxy --rate 5000 --repeats 1
 *   perf sched timehist -i /tmp/sched.data > /tmp/timehist.txt
 *   npx tsx bench/sched-timehist.ts --file /tmp/timehist.txt --from <s> --to <s>
 *       --task 'node[<router pid>]=router main' --task 'open-loop[<pid>]=load generator' ...
 *
 * `--from` and `--to` are seconds on perf's clock (the timehist's first column); a task is
 * named as timehist names it (`name[tid]` for a main thread, `name[tid/pid]` for another).
 * Prints, per task: CPU time in the window, how many run slices lasted over 1 ms and the
 * longest, and its scheduling delays (time runnable before it ran): median, p99, longest,
 * and how many were over 1 ms. Then the busiest tasks of the window, named or not.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { percentile } from "../src/profile/profile-model.js";

export interface Slice {
  /** When the slice ended (s). */
  at: number;
  task: string;
  schedDelayMs: number;
  runMs: number;
}

/** One data line of `perf sched timehist`: time, [cpu], task, wait, sch delay, run time. */
const LINE = /^\s*(\d+\.\d+)\s+\[(\d+)\]\s+(.+?)\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s*$/;

export function parseTimehist(text: string): Slice[] {
  const slices: Slice[] = [];
  for (const line of text.split("\n")) {
    const match = LINE.exec(line);
    if (match === null) continue;
    slices.push({
      at: Number(match[1]),
      task: match[3] as string,
      schedDelayMs: Number(match[5]),
      runMs: Number(match[6]),
    });
  }
  return slices;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      file: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      task: { type: "string", multiple: true, default: [] },
    },
  });
  if (values.file === undefined || values.from === undefined || values.to === undefined) {
    throw new Error("give --file (perf sched timehist output), --from and --to (seconds)");
  }
  const from = Number(values.from);
  const to = Number(values.to);
  const labels = new Map(
    (values.task ?? []).map((entry) => {
      const equals = entry.lastIndexOf("=");
      if (equals === -1) throw new Error(`--task ${entry}: write it as 'name[tid]=label'`);
      return [entry.slice(0, equals), entry.slice(equals + 1)] as const;
    }),
  );
  const inWindow = parseTimehist(readFileSync(values.file, "utf8")).filter(
    (slice) => slice.at >= from && slice.at <= to,
  );
  console.log(`window ${from}-${to} s (${(to - from).toFixed(1)} s), ${inWindow.length} slices`);
  console.log(
    "| task | CPU ms | slices over 1 ms | longest slices (ms) | sched delay p50 / p99 / max (ms) | delays over 1 ms (total ms) |",
  );
  console.log("|---|---:|---:|---|---|---|");
  for (const [task, label] of labels) {
    const slices = inWindow.filter((slice) => slice.task === task);
    const runs = slices.map((slice) => slice.runMs).sort((a, b) => b - a);
    const delays = slices.map((slice) => slice.schedDelayMs).sort((a, b) => a - b);
    const longDelays = delays.filter((delay) => delay > 1);
    console.log(
      `| ${label} (${task}) | ${runs.reduce((sum, ms) => sum + ms, 0).toFixed(0)} | ${runs.filter((ms) => ms > 1).length} | ${runs
        .slice(0, 5)
        .map((ms) => ms.toFixed(2))
        .join(
          ", ",
        )} | ${percentile(delays, 0.5).toFixed(3)} / ${percentile(delays, 0.99).toFixed(3)} / ${(delays.at(-1) ?? 0).toFixed(3)} | ${longDelays.length} (${longDelays.reduce((sum, ms) => sum + ms, 0).toFixed(1)}) |`,
    );
  }
  const busy = new Map<string, number>();
  for (const slice of inWindow) busy.set(slice.task, (busy.get(slice.task) ?? 0) + slice.runMs);
  console.log("\nbusiest tasks in the window (CPU ms):");
  for (const [task, ms] of [...busy].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`  ${ms.toFixed(1).padStart(8)}  ${labels.get(task) ?? task}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
