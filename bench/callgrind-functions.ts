/**
 * Where a thread's instructions went, by function, from a callgrind dump written with
 * `--dump-instr=yes --dump-line=no --compress-pos=no --compress-strings=no`: a native
 * function by its symbol, and JavaScript compiled by V8 (which callgrind sees only as
 * addresses) by the name V8 gave the code in its perf map (`node --perf-basic-prof` writes
 * `/tmp/perf-<pid>.map`: start, size and name of each piece of code it makes). Each function's
 * own instructions, without those of the functions it calls. Used by
 * `router-instructions.ts --functions`.
 */
import { readFileSync } from "node:fs";

interface CodeRange {
  start: bigint;
  end: bigint;
  name: string;
}

function readPerfMap(path: string): CodeRange[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [start = "0", size = "0", ...name] = line.split(" ");
      const from = BigInt(`0x${start}`);
      return { start: from, end: from + BigInt(`0x${size}`), name: name.join(" ") };
    })
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The code whose range holds `address`; a later entry wins over an earlier one it overlaps. */
function codeAt(ranges: CodeRange[], address: bigint): string | undefined {
  let low = 0;
  let high = ranges.length - 1;
  let last = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((ranges[middle] as CodeRange).start <= address) {
      last = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  for (let index = last; index >= 0 && index > last - 64; index -= 1) {
    const range = ranges[index] as CodeRange;
    if (range.start <= address && address < range.end) return range.name;
  }
  return undefined;
}

/**
 * Self instructions per function in the dump `callgrindFile`, largest first. V8's compiled
 * JavaScript is named `JS <name>` (its perf-map name: `*` marks optimized code, `~`
 * interpreted, `^` baseline); code in no map entry counts as `(unnamed JIT code)`.
 */
export function instructionsByFunction(
  callgrindFile: string,
  perfMapFile: string,
): { name: string; instructions: number }[] {
  const ranges = readPerfMap(perfMapFile);
  const totals = new Map<string, number>();
  let current = "?";
  let callLine = false;
  for (const line of readFileSync(callgrindFile, "utf8").split("\n")) {
    if (line.startsWith("fn=")) {
      current = line.slice(3).replace(/^\(\d+\) ?/, "");
      continue;
    }
    if (line.startsWith("calls=")) {
      callLine = true; // the next cost line is the call's inclusive cost, not this function's
      continue;
    }
    const cost = /^(0x[0-9a-f]+) (\d+)$/.exec(line);
    if (cost === null) continue;
    if (callLine) {
      callLine = false;
      continue;
    }
    let name = current;
    if (current.startsWith("0x") || current === "???") {
      const code = codeAt(ranges, BigInt(cost[1] as string));
      name = code === undefined ? "(unnamed JIT code)" : `JS ${code.replace(/^JS:/, "")}`;
    }
    totals.set(name, (totals.get(name) ?? 0) + Number(cost[2]));
  }
  return [...totals]
    .map(([name, instructions]) => ({ name, instructions }))
    .sort((a, b) => b.instructions - a.instructions);
}

/**
 * V8's garbage collector among `instructionsByFunction`'s names: the scavenger and everything
 * it calls to visit, copy and promote objects, the mark-compactor, the sweepers. Whether a
 * collection falls into the requests counted moves a per-request count by as much as most
 * changes it is used to compare (`router-instructions.ts`, 2026-12-01: 0.5-8k main-thread
 * instructions per proxied request in runs of 1,000 requests; on a commit whose scavenges
 * were five times as long, 262-268k or 295-299k in all in runs of 300).
 */
const COLLECTOR =
  /Scaveng|v8::internal::Heap::|MarkCompact|Sweeper|Evacuat|PretenuringHandler|ConcurrentMarking|IncrementalMarking|MarkingVisitor|heap::base::|GCTracer|IterateObjectCache|CallIterateBody|RememberedSet|SlotSet/;

/** The instructions of `functions` that V8's garbage collector ran. */
export function collectorInstructions(
  functions: readonly { name: string; instructions: number }[],
): number {
  let total = 0;
  for (const { name, instructions } of functions) if (COLLECTOR.test(name)) total += instructions;
  return total;
}
