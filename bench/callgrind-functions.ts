/**
 * Where a thread's instructions went, by function, from a callgrind dump written with
 * `--dump-instr=yes --dump-line=no --compress-pos=no --compress-strings=no`: a native
 * function by its symbol, and JavaScript compiled by V8 (which callgrind sees only as
 * addresses) by the name V8 gave the code in its perf map (`node --perf-basic-prof` writes
 * `/tmp/perf-<pid>.map`: start, size and name of each piece of code it makes). Each function's
 * own instructions, without those of the functions it calls (`instructionsByFunction`), and
 * who called a function with how many instructions under it (`callerTree`). Used by
 * `router-instructions.ts --functions` and `--callers`.
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

/** A function's name in the dump, or for V8's compiled code (no symbol) its perf-map name. */
function nameAt(ranges: CodeRange[], fn: string, address: bigint): string {
  if (!fn.startsWith("0x") && fn !== "???") return fn;
  const code = codeAt(ranges, address);
  return code === undefined ? "(unnamed JIT code)" : `JS ${code.replace(/^JS:/, "")}`;
}

/** A thread's dump read once: each function's own instructions, and its callers' calls of it. */
export interface Dump {
  own: Map<string, number>;
  /** callee -> caller -> the instructions run under those calls */
  calls: Map<string, Map<string, number>>;
}

/**
 * Reads the dump `callgrindFile`, naming V8's code by `perfMapFile`, for
 * `instructionsByFunction` and `callerTree`.
 */
export function readDump(callgrindFile: string, perfMapFile: string): Dump {
  const ranges = readPerfMap(perfMapFile);
  const own = new Map<string, number>();
  const calls = new Map<string, Map<string, number>>();
  let current = "?";
  let callee = "?";
  let target: bigint | null = null;
  let callLine = false;
  for (const line of readFileSync(callgrindFile, "utf8").split("\n")) {
    if (line.startsWith("fn=")) {
      current = line.slice(3).replace(/^\(\d+\) ?/, "");
      continue;
    }
    if (line.startsWith("cfn=")) {
      callee = line.slice(4).replace(/^\(\d+\) ?/, "");
      continue;
    }
    if (line.startsWith("calls=")) {
      // The next cost line is the call's inclusive cost, at its call site; the call's target
      // address names a callee that is V8's code.
      callLine = true;
      const address = line.split(" ")[1];
      target = address?.startsWith("0x") ? BigInt(address) : null;
      continue;
    }
    const cost = /^(0x[0-9a-f]+) (\d+)$/.exec(line);
    if (cost === null) continue;
    const name = nameAt(ranges, current, BigInt(cost[1] as string));
    if (!callLine) {
      own.set(name, (own.get(name) ?? 0) + Number(cost[2]));
      continue;
    }
    callLine = false;
    const called = target === null ? callee : nameAt(ranges, callee, target);
    if (called === name) continue; // recursion, and a function's jumps within itself
    let from = calls.get(called);
    if (from === undefined) {
      from = new Map();
      calls.set(called, from);
    }
    from.set(name, (from.get(name) ?? 0) + Number(cost[2]));
  }
  return { own, calls };
}

/**
 * Self instructions per function in the dump, largest first. V8's compiled
 * JavaScript is named `JS <name>` (its perf-map name: `*` marks optimized code, `~`
 * interpreted, `^` baseline); code in no map entry counts as `(unnamed JIT code)`.
 */
export function instructionsByFunction(dump: Dump): { name: string; instructions: number }[] {
  return [...dump.own]
    .map(([name, instructions]) => ({ name, instructions }))
    .sort((a, b) => b.instructions - a.instructions);
}

export interface CallerNode {
  name: string;
  /** Instructions run under the calls from this caller, in all (divide by the requests). */
  instructions: number;
  callers: CallerNode[];
}

/**
 * For each function whose name matches `pattern` (the `top` with the most instructions of
 * their own), who called it and how many instructions ran under those calls, then who called
 * those callers, `depth` levels up: where a native cost such as flattening strings or parsing
 * JSON comes from in the JavaScript. Read from the dump's call records (callgrind counts a
 * call's inclusive cost at its call site), so a caller's figure sums all its calls of the
 * function, from whatever context; a level up, a function called from several places shows
 * every place's share, not only the part that led to the function below it (callgrind keeps
 * no deeper context), so treat the deeper levels as leads. Callers under `minimum`
 * instructions in all are left out.
 */
export function callerTree(
  dump: Dump,
  pattern: RegExp,
  options: { top?: number; depth?: number; minimum?: number; fanOut?: number } = {},
): CallerNode[] {
  const { top = 3, depth = 3, minimum = 0, fanOut = 6 } = options;
  const { own, calls } = dump;
  const up = (name: string, levels: number, seen: ReadonlySet<string>): CallerNode[] => {
    if (levels === 0) return [];
    return [...(calls.get(name) ?? [])]
      .filter(([caller, instructions]) => instructions >= minimum && !seen.has(caller))
      .sort((a, b) => b[1] - a[1])
      .slice(0, fanOut)
      .map(([caller, instructions]) => ({
        name: caller,
        instructions,
        callers: up(caller, levels - 1, new Set([...seen, caller])),
      }));
  };
  return [...own]
    .filter(([name]) => pattern.test(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, instructions]) => ({
      name,
      instructions,
      callers: up(name, depth, new Set([name])),
    }));
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
